import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {databaseKind} from '../support/db.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard} from '../render.js';

/**
 * RELIABILITY 42 in the dashboard: the provider form refuses plain http:// to a public vendor
 * beside the field, and saves plain http:// to a self-hosted server on another machine with the
 * warning on the flash line, loudly, as it is saved.
 */

let c: TestContext;

beforeAll(async () => {
	c = await testContext();
});
afterAll(async () => {
	await c.t.drop();
});

describe(`the provider form and cleartext base URLs (${databaseKind})`, () => {
	it('case 42: http:// to OpenAI is refused beside the field; http:// to a self-hosted gateway is saved with a warning', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor('No providers yet.');
			await ui.press('a');
			await ui.waitFor('New provider');
			await ui.type('clear-openai');
			// Name, then base URL (OpenAI's, filled in): replace it with plain http.
			await ui.press('tab', 'ctrl-u');
			await ui.type('http://api.openai.com/v1');
			await ui.press('enter');
			const refused = await ui.waitFor('✕ Base URL http://api.openai.com is plain http:// to OpenAI,');
			expect(refused.replace(/[│\s]+/g, ' ')).toContain('a public service: use https:// (a key never travels in cleartext)');
			expect((await c.ctx.db.sql`select count(*)::int as n from providers`)[0]!['n']).toBe(0);
			// The family: openai-compatible (the last), then the same URL on a gateway of our own.
			await ui.press('tab');
			for (let i = 0; i < 14; i++) await ui.press('down');
			await ui.waitFor('OpenAI-compatible (openai-compatible)');
			await ui.press('shift-tab', 'ctrl-u');
			await ui.type('http://gateway.internal:8080/v1');
			await ui.press('enter');
			await ui.waitFor('Provider clear-openai created — warning: Base URL http://gateway.internal:8080');
			expect(await c.ctx.db.sql`select type, base_url from providers`).toEqual([{type: 'openai-compatible', base_url: 'http://gateway.internal:8080/v1'}]);
		} finally {
			ui.unmount();
		}
	});
});

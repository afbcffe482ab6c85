import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKey} from '../../source/services/keys.js';
import {tailAudit} from '../../source/services/audit.js';
import {addModel} from '../../source/services/models.js';
import {createProvider} from '../../source/services/providers.js';
import {databaseKind} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard} from '../render.js';

let c: TestContext;
let mock: MockProvider;

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: ['mock-small', 'mock-large']});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

describe(`dashboard board (${databaseKind})`, () => {
	it('shows an empty board with a way forward, then a provider created from the form', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor('No providers yet.');
			expect(ui.frame()).toContain('[1] Providers');
			expect(ui.frame()).toContain('key ok');
			await ui.press('a');
			const form = await ui.waitFor('New provider');
			// While the form owns the keys, the bottom line does not advertise board keys.
			expect(form.trimEnd().split('\n').at(-1)).toBe('Esc cancels');
			await ui.type('acme');
			// Name, base URL, then the family: choosing one fills its base URL (none for this one).
			await ui.press('tab', 'tab');
			for (let i = 0; i < 14; i++) await ui.press('down');
			await ui.waitFor('OpenAI-compatible (openai-compatible)');
			await ui.press('shift-tab');
			await ui.waitFor(/› Base URL\s+https:\/\/…\/v1/);
			await ui.type('ftp://nope');
			await ui.press('enter');
			const failed = await ui.waitFor('✕ Base URL must use http');
			// What was typed is kept beside the error.
			expect(failed).toContain('ftp://nope');
			for (let i = 0; i < 10; i++) await ui.press('backspace');
			await ui.type(mock.baseUrl);
			await ui.press('enter');
			await ui.waitFor('Provider acme created');
			await ui.waitFor(/acme\s+openai-compatible\s+on\s+0\/0/);
			const rows = await c.ctx.db.sql`select name, type, base_url from providers`;
			expect(rows).toEqual([{name: 'acme', type: 'openai-compatible', base_url: mock.baseUrl}]);
		} finally {
			ui.unmount();
		}
	});

	it('adds a key with masked input and never shows it', async () => {
		const secret = 'sk-test-UIKEY0123456789abcdefWXYZ';
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/acme/);
			await ui.press('2', 'a');
			await ui.waitFor('Add a key to acme');
			await ui.type(secret);
			await ui.press('tab');
			await ui.type('primary');
			await ui.press('enter');
			await ui.waitFor('added to acme (encrypted)');
			await ui.waitFor(/sk-test-…WXYZ\s+primary/);
			for (const frame of ui.frames()) expect(frame).not.toContain(secret.slice(8, 20));
			const [stored] = await c.ctx.db.sql`select label, display_hint, ciphertext from provider_keys`;
			expect(stored!['label']).toBe('primary');
			expect(String(stored!['ciphertext'])).not.toContain(secret);
		} finally {
			ui.unmount();
		}
	});

	it('refuses every mutating key in read-only mode and says so', async () => {
		const ui = await renderDashboard(c.as('reader@test', {readOnly: true}));
		try {
			await ui.waitFor('READ-ONLY');
			expect(ui.frame()).not.toMatch(/a add/);
			const before = await c.ctx.db.sql`select count(*)::int as n from audit_log`;
			for (const key of ['a', 'e', 't', 'd', 's']) {
				await ui.press(key);
				await ui.waitFor('Read-only:');
			}
			const after = await c.ctx.db.sql`select count(*)::int as n from audit_log`;
			expect(after[0]!['n']).toBe(before[0]!['n']);
		} finally {
			ui.unmount();
		}
	});

	it('filters with /, shows "1 of 1", and jumps with :provider', async () => {
		await createProvider(c.ctx, {name: 'beta-co', type: 'openai-compatible', baseUrl: mock.baseUrl});
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/beta-co/);
			await ui.waitFor('1 of 2');
			await ui.press('/');
			await ui.type('bet');
			await ui.waitFor(/1 of 1 \(2 in all\)/);
			expect(ui.frame()).not.toMatch(/›acme/);
			// Clearing the filter keeps the cursor on the provider it was on.
			await ui.press('escape');
			await ui.waitFor(/2 of 2[\s\S]*›beta-co|›beta-co[\s\S]*2 of 2/);
			await ui.press('k');
			await ui.waitFor(/›acme/);
			await ui.press(':');
			await ui.type('provider beta-co');
			await ui.press('enter');
			await ui.waitFor(/›beta-co/);
			await ui.press(':');
			await ui.type('bogus');
			await ui.press('enter');
			await ui.waitFor('Unknown command “:bogus”');
		} finally {
			ui.unmount();
		}
	});

	it('shows the keymap help and the settings view', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/acme/);
			await ui.press('?');
			await ui.waitFor('Keys — ? or Esc closes');
			// The focused pane's keys come first; everything else is a scroll away.
			expect(ui.frame()).toMatch(/providers pane[\s\S]*a\s+add a provider/);
			while (!/:\s+command line: :provider NAME/.test(ui.frame())) await ui.press('j');
			await ui.press('escape');
			await ui.press(':');
			await ui.type('settings');
			await ui.press('enter');
			await ui.waitFor('timeout_ms');
			expect(ui.frame()).toContain('Workspace-wide runtime defaults');
			expect(ui.frame()).toMatch(/smoke_prompt/);
		} finally {
			ui.unmount();
		}
	});

	it('shows the audit view newest first, filters it, opens a row with its target named, goes to the provider and verifies the chain', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/acme/);
			await ui.press('L');
			const list = await ui.waitFor('provider.create');
			expect((await tailAudit(c.ctx, 100)).map((row) => row.action)).toEqual(expect.arrayContaining(['provider.create', 'key.add']));
			// Targets are named, not shown as ids.
			expect(list).toMatch(/provider acme/);
			expect(list).not.toMatch(/provider:[0-9a-f]{8}/);
			await ui.press('/');
			await ui.type('key.add');
			await ui.press('enter');
			await ui.waitFor((f) => f.includes('key.add') && !f.includes('provider.create'));
			await ui.press('enter');
			const row = await ui.waitFor(/Audit row \d+/);
			expect(row).toMatch(/tester@test · key\.add/);
			expect(row).toMatch(/key sk-test-…WXYZ \(primary\) of acme/);
			await ui.press('g');
			await ui.waitFor(/Provider acme/);
			await ui.press('escape', 'escape');
			await ui.waitFor(/Audit log/);
			await ui.press('v');
			await ui.waitFor(/Audit chain intact: \d+ rows verified/);
		} finally {
			ui.unmount();
		}
	});

	it('reflows on resize and keeps the board readable at 60×20', async () => {
		const ui = await renderDashboard(c.ctx, {columns: 100, rows: 30});
		try {
			await ui.waitFor(/acme/);
			await ui.resize(60, 20);
			const frame = await ui.waitFor((f) => f.split('\n').every((line) => line.length <= 60) && f.includes('[1] Providers'));
			expect(frame.split('\n').length).toBeLessThanOrEqual(20);
		} finally {
			ui.unmount();
		}
	});

	it('picks up a change made elsewhere (another operator or a headless command)', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/acme/);
			const other = c.as('other@test');
			const provider = await createProvider(other, {name: 'gamma-live', type: 'openai-compatible', baseUrl: mock.baseUrl});
			await ui.waitFor(/gamma-live/, {timeout: 2000});
			await addModel(other, provider.id, {modelName: 'g-1'});
			await addKey(other, provider.id, {secret: 'sk-live-0123456789ABCDEFGHIJ', label: 'x'});
			await ui.waitFor(/gamma-live\s+openai-compatible\s+on\s+1\/1/, {timeout: 2000});
		} finally {
			ui.unmount();
		}
	});
});

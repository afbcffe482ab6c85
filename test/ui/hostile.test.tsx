import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKey} from '../../source/services/keys.js';
import {addModel} from '../../source/services/models.js';
import {createProvider} from '../../source/services/providers.js';
import type {Provider} from '../../source/domain/provider.js';
import {databaseKind} from '../support/db.js';
import {hostileModelList, hostileModelIds, keyEchoStream, startMockProvider, type KeyEcho, type MockProvider} from '../support/mock-provider.js';
import {expectInert, keyLeaks} from '../support/terminal.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard, type Dashboard} from '../render.js';

/**
 * The dashboard's side of RELIABILITY 18 and 20: a hostile provider (escape-laden model ids, a
 * key echoed back in small, disguised pieces) and a tampered database (escape sequences in a
 * stored name and in audit rows) change nothing on the operator's terminal and show no key.
 * What Ink itself writes is only SGR styling; with that removed, the bytes must be inert.
 */
let c: TestContext;
let mock: MockProvider;
let provider: Provider;
const secret = 'sk-Q0123456789abcdefghijklmnopQRSTzq81';
const newSecret = 'sk-W9876543210zyxwvutsrqponmlkJIHGzq82';

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: hostileModelList});
	provider = await createProvider(c.ctx, {name: 'hostile', type: 'openai', baseUrl: mock.baseUrl});
	await addModel(c.ctx, provider.id, {modelName: 'mock-small', alias: 'hostile-alias'});
	await addKey(c.ctx, provider.id, {secret, label: 'main'});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

/** Everything the dashboard wrote to the terminal, Ink's own styling (SGR) taken out. */
const written = (ui: Dashboard) => ui.raw().replace(/\u001B\[[0-9;]*m/g, '');

function expectSafe(ui: Dashboard, label: string, secrets: readonly string[] = [secret, newSecret]): void {
	const bytes = written(ui);
	expectInert(bytes, label);
	expect(keyLeaks(bytes, secrets), label).toEqual([]);
}

describe(`hostile text on the dashboard (${databaseKind})`, () => {
	it('case 20: escape-laden model ids in the pick list are counted, never drawn; an id quoting the key shows no key', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/hostile/);
			await ui.press('3', 'a');
			const frame = await ui.waitFor('pick what it serves');
			expect(frame).toContain(`${hostileModelIds.length} ids skipped (unsafe characters)`);
			expect(frame).toContain('mock-large');
			await ui.press('escape');
			expectSafe(ui, 'pick list');
		} finally {
			ui.unmount();
		}
	});

	for (const echo of ['plain', 'percent', 'zero-width'] as KeyEcho[]) {
		for (const size of [1, 3, 5]) {
			it(`case 18: the key echoed ${echo} in ${size}-character deltas never shows in the smoke pane`, async () => {
				mock.setDefault(keyEchoStream(size, echo));
				const ui = await renderDashboard(c.ctx);
				try {
					await ui.waitFor(/hostile/);
					await ui.press('s');
					await ui.waitFor(/✓ ok · ttft/);
					expect(ui.frame()).toContain('Your key is:');
					expectSafe(ui, `smoke pane, ${echo}/${size}`);
				} finally {
					ui.unmount();
				}
			});
		}
	}

	it('case 18: the key echoed in 3-character deltas shows in neither the comparison view nor the rotation wizard', async () => {
		mock.setDefault(keyEchoStream(3, 'percent'));
		const ui = await renderDashboard(c.ctx, {columns: 120, rows: 30});
		try {
			await ui.waitFor(/hostile/);
			await ui.press('A');
			await ui.waitFor('hostile-alias');
			await ui.press('c');
			await ui.waitFor(/Comparison finished/);
			await ui.press('escape', 'escape', '1');
			mock.setDefault(keyEchoStream(1, 'zero-width'));
			await ui.press('R');
			await ui.waitFor('New API key');
			await ui.type(newSecret);
			await ui.press('enter');
			await ui.waitFor('Validate it on:');
			await ui.press('enter');
			await ui.waitFor('d disable');
			await ui.press('k');
			await ui.waitFor(/Key rotated/);
			expectSafe(ui, 'comparison and rotation');
		} finally {
			ui.unmount();
		}
	});

	it('case 20: a provider name and audit rows holding escape sequences (direct SQL) render inert on the board and in the audit view', async () => {
		const hostileName = 'evil\u001B]0;pwned\u0007\u001B]52;c;ZWNobyBwd25lZA==\u0007\u001B[2J\u202Ename';
		await c.ctx.db.sql`update providers set name = ${hostileName} where id = ${provider.id}`;
		await c.ctx.db.sql`
			insert into audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, row_hash)
			select coalesce(max(seq), 0) + 1, now(), ${'mallory\u001B]0;title\u0007'}, ${'provider.update\u009b2J'}, 'provider', ${provider.id}, ${c.ctx.db.sql.json({name: hostileName} as never)}, '\\x00', '\\x00'
			from audit_log`;
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/evil/);
			await ui.press('L');
			await ui.waitFor(/mallory/);
			expectSafe(ui, 'board and audit view');
			expect(written(ui)).not.toContain('ZWNobyBwd25lZA==\u0007');
		} finally {
			ui.unmount();
		}
	});
});

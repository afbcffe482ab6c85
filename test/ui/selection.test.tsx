import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKey, listKeys} from '../../source/services/keys.js';
import {addModel} from '../../source/services/models.js';
import {createProvider} from '../../source/services/providers.js';
import type {Provider} from '../../source/domain/provider.js';
import {clearProviders} from '../support/burst-scenarios.js';
import {databaseKind} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard} from '../render.js';

/** RELIABILITY case 39: the cursor is on an item, not a row number. */
let c: TestContext;
let mock: MockProvider;

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: ['sel-model']});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

const provider = (name: string): Promise<Provider> => createProvider(c.ctx, {name, type: 'openai-compatible', baseUrl: mock.baseUrl});
const cursorRow = (frame: string, pattern: RegExp) => frame.split('\n').find((line) => line.includes('›') && pattern.test(line));

describe(`the cursor stays on the item (case 39, ${databaseKind})`, () => {
	it('case 39: t re-sorts the keys and the cursor goes with the key; a second t acts on the same key', async () => {
		await clearProviders(c.ctx);
		const p = await provider('sel-keys');
		await addKey(c.ctx, p.id, {secret: 'sk-sel-aaaa-0123456789abcd1111', label: 'first', priority: 0});
		await addKey(c.ctx, p.id, {secret: 'sk-sel-bbbb-0123456789abcd2222', label: 'second', priority: 1});
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/sel-keys/);
			await ui.press('2');
			await ui.waitFor(/›sk-sel-…1111\s+first\s+on/);
			await ui.press('t');
			// Disabled keys sort last: "first" moved down, and the cursor went with it.
			await ui.waitFor((f) => /second\s+on[\s\S]*›sk-sel-…1111\s+first\s+off/.test(f));
			await ui.press('t');
			await ui.waitFor(/›sk-sel-…1111\s+first\s+on/);
			const keys = await listKeys(c.ctx, p.id);
			expect(keys.map((k) => [k.label, k.status])).toEqual([
				['first', 'active'],
				['second', 'active'],
			]);
		} finally {
			ui.unmount();
		}
	});

	it('case 39: after d the cursor is on the neighbour that took the row', async () => {
		await clearProviders(c.ctx);
		for (const name of ['sel-a', 'sel-b', 'sel-c']) await provider(name);
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/›sel-a/);
			await ui.press('j');
			await ui.waitFor(/›sel-b/);
			await ui.press('d');
			await ui.waitFor(/Delete provider sel-b\?/);
			await ui.press('y');
			await ui.waitFor((f) => /›sel-c/.test(f) && !f.includes('sel-b'));
			await ui.press('t');
			await ui.waitFor(/Provider sel-c disabled/);
		} finally {
			ui.unmount();
		}
	});

	it('case 39: another operator’s change re-sorts the board under the cursor; the cursor stays on its provider', async () => {
		await clearProviders(c.ctx);
		for (const name of ['sel-m', 'sel-n']) await provider(name);
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/›sel-m/);
			await ui.press('j');
			await ui.waitFor(/›sel-n/);
			// Someone else adds two providers that sort before it.
			await createProvider(c.as('other@test'), {name: 'sel-a1', type: 'openai-compatible', baseUrl: mock.baseUrl});
			await createProvider(c.as('other@test'), {name: 'sel-a2', type: 'openai-compatible', baseUrl: mock.baseUrl});
			const frame = await ui.waitFor(/sel-a2[\s\S]*›sel-n/);
			expect(frame).toContain('4 of 4');
			expect(cursorRow(frame, /sel-n/)).toBeDefined();
		} finally {
			ui.unmount();
		}
	});

	it('case 39: a new provider or model is the selected one once it appears', async () => {
		await clearProviders(c.ctx);
		for (const name of ['sel-x', 'sel-y']) await provider(name);
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/›sel-x/);
			await ui.press('a');
			await ui.waitFor('New provider');
			await ui.type('sel-a-new');
			await ui.press('tab');
			await ui.press('ctrl-u');
			await ui.type(mock.baseUrl);
			await ui.press('enter');
			await ui.waitFor(/›sel-a-new/);
			const [created] = (await c.ctx.db.sql`select id from providers where name = 'sel-a-new'`) as unknown as {id: string}[];
			await addModel(c.ctx, created!.id, {modelName: 'sel-model-a'});
			await addKey(c.ctx, created!.id, {secret: 'sk-sel-list-0123456789abcdefgh', label: 'lists'});
			await ui.press('3');
			await ui.waitFor(/›sel-model-a/);
			await ui.press('a');
			await ui.waitFor('pick what it serves');
			await ui.press('down', 'enter');
			await ui.waitFor('Attach a model to sel-a-new');
			await ui.press('enter');
			await ui.waitFor(/›sel-model\b(?!-a)/);
		} finally {
			ui.unmount();
		}
	});
});

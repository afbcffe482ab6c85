import type {ComponentProps} from 'react';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {addKey} from '../../source/services/keys.js';
import {addModel} from '../../source/services/models.js';
import {createProvider} from '../../source/services/providers.js';
import {databaseKind} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard} from '../render.js';

/**
 * Every text field and choice list of the dashboard is ink-text-input / ink-select-input (the
 * design names them; hand-written ones broke under bursts). The stock components are wrapped
 * here to record what they draw: each entry point is opened, typed into, and must show up as a
 * focused stock component holding what was typed. A hand-written field would not.
 */
const seen = vi.hoisted(() => ({text: [] as string[], lists: [] as string[][]}));

vi.mock('ink-text-input', async (importOriginal) => {
	const actual = await importOriginal<typeof import('ink-text-input')>();
	const Recording = (props: ComponentProps<typeof actual.default>) => {
		if (props.focus) seen.text.push(props.value);
		return actual.default(props);
	};
	return {...actual, default: Recording};
});
vi.mock('ink-select-input', async (importOriginal) => {
	const actual = await importOriginal<typeof import('ink-select-input')>();
	const Recording = (props: ComponentProps<typeof actual.default>) => {
		if (props.isFocused) seen.lists.push((props.items ?? []).map((item) => String(item.label)));
		return actual.default(props);
	};
	return {...actual, default: Recording};
});

let c: TestContext;
let mock: MockProvider;

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: ['stock-model']});
	const provider = await createProvider(c.ctx, {name: 'stockco', type: 'openai', baseUrl: mock.baseUrl});
	await addModel(c.ctx, provider.id, {modelName: 'stock-model', alias: 'stock-alias'});
	await addKey(c.ctx, provider.id, {secret: 'sk-stock-0123456789abcdefghijkl', label: 'old'});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

const typedInto = (text: string) => seen.text.some((value) => value.endsWith(text));
const listed = (label: string) => seen.lists.some((labels) => labels.some((l) => l.includes(label)));

describe(`stock inputs back every field and list (${databaseKind})`, () => {
	it('forms, the masked key field, the filter, the command line and the prompt are ink-text-input', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/stockco/);
			const entries: {open: string[]; text: string; close: string[]}[] = [
				{open: ['a'], text: 'qz1', close: ['escape']},
				{open: ['e'], text: 'qz2', close: ['escape']},
				{open: ['2', 'a'], text: 'qz3', close: ['escape']},
				{open: ['3', 'e'], text: 'qz4', close: ['escape']},
				{open: ['1', '/'], text: 'qz5', close: ['escape']},
				{open: [':'], text: 'qz6', close: ['escape']},
				{open: ['S', 'enter'], text: '7', close: ['escape', 'escape']},
				{open: ['A', 'p'], text: 'qz8', close: ['escape', 'escape']},
				{open: ['1', 'R'], text: 'qz9', close: ['escape']},
			];
			for (const entry of entries) {
				await ui.press(...entry.open);
				await ui.type(entry.text);
				expect(typedInto(entry.text), `${entry.open.join(' ')} → ${entry.text}`).toBe(true);
				await ui.press(...entry.close);
				await ui.waitFor(/\[1\] Providers|Settings|Aliases/);
			}
		} finally {
			ui.unmount();
		}
	});

	it('the family, the capabilities, the model pick list and the rotation’s model choice are ink-select-input', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/stockco/);
			await ui.press('a', 'tab', 'tab');
			await ui.waitFor('1 of 15');
			expect(listed('Azure OpenAI')).toBe(true);
			await ui.press('tab');
			expect(listed('[x] system prompt')).toBe(true);
			await ui.press('escape', '3', 'a');
			await ui.waitFor('pick what it serves');
			expect(listed('Type a model id')).toBe(true);
			await ui.press('escape', '1', 'R');
			await ui.type('sk-stock-new-0123456789abcdefghij');
			await ui.press('enter');
			await ui.waitFor('Validate it on:');
			expect(listed('All 1 model, one after the other')).toBe(true);
			await ui.press('escape');
			await ui.waitFor(/Rotation cancelled/);
		} finally {
			ui.unmount();
		}
	});
});

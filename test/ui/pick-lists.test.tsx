import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKey} from '../../source/services/keys.js';
import {createProvider} from '../../source/services/providers.js';
import {hasAltBinding} from '../../source/ui/keymap.js';
import {databaseKind} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {keyCodes, renderDashboard, type Dashboard} from '../render.js';

/**
 * Two things that arrive in one read over SSH: Esc and the next key (Esc, then the key — there
 * is no Alt binding to mean otherwise), and the keys that cross a pick list of 5,000 models
 * (PgDn/PgUp/J/K, G/End, g/Home, / to filter). Every key sequence here is written as ONE write.
 */
let c: TestContext;
let mock: MockProvider;
const MODELS = Array.from({length: 5000}, (_, i) => `model-${String(i).padStart(4, '0')}`);

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: MODELS});
	const provider = await createProvider(c.ctx, {name: 'wide', type: 'openai', baseUrl: mock.baseUrl});
	await addKey(c.ctx, provider.id, {secret: 'sk-wide-0123456789abcdefghijkl', label: 'ci'});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

const ESC = keyCodes['escape']!;

describe(`Esc and a key in one read (${databaseKind})`, () => {
	it('no binding takes Alt with a printable key, so ESC + key is always Esc then the key', () => {
		for (const char of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/?+-') expect(hasAltBinding(char), char).toBe(false);
	});

	it('audit log open, "Esc A" in one write: the log closes and the aliases view opens', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/\[1\] Providers/);
			await ui.press('L');
			await ui.waitFor(/Audit log/);
			ui.write(`${ESC}A`);
			await ui.waitFor((frame) => /Aliases/.test(frame) && !/Audit log/.test(frame));
			// And from the aliases view, Esc L in one write: back to the board, then the audit log.
			ui.write(`${ESC}L`);
			await ui.waitFor((frame) => /Audit log/.test(frame) && !/Aliases/.test(frame));
		} finally {
			ui.unmount();
		}
	});

	it('a form open, "Esc A" in one write: the form is cancelled (nothing typed into it) and A acts on the board', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/wide/);
			await ui.press('a');
			await ui.waitFor(/New provider/);
			ui.write(`${ESC}A`);
			await ui.waitFor((frame) => /Aliases/.test(frame) && !/New provider/.test(frame));
			expect((await c.ctx.db.sql`select count(*)::int as n from providers`)[0]).toEqual({n: 1});
		} finally {
			ui.unmount();
		}
	});
});

/** The models pane of provider `wide`, its attach picker open with the 5,000 models it serves. */
async function openPicker(): Promise<Dashboard> {
	const ui = await renderDashboard(c.ctx);
	await ui.waitFor(/wide/);
	await ui.press('3', 'a');
	await ui.waitFor(/pick what it serves/, {timeout: 20_000});
	await ui.waitFor(/(?<!\d)1 of 5001/);
	return ui;
}

/** The highlighted row of the picker. */
function highlighted(frame: string): string {
	return /❯ (\S+)/.exec(frame)?.[1] ?? '';
}

describe(`a pick list of 5,000 models (${databaseKind})`, () => {
	it('G/End, g/Home, PgDn/J and PgUp/K jump, each burst in one write, and only the visible rows are drawn', async () => {
		const ui = await openPicker();
		try {
			ui.write('G');
			await ui.waitFor(/5001 of 5001/);
			expect(highlighted(ui.frame())).toBe('model-4999');
			// Only a window of rows is drawn: not the first model, not thousands of lines.
			expect(ui.frame()).not.toContain('model-0000');
			expect(ui.frame().split('\n').length).toBeLessThanOrEqual(24);

			ui.write('g');
			await ui.waitFor(/(?<!\d)1 of 5001/);
			expect(highlighted(ui.frame())).toBe('Type');

			// Three pages down and one back, in one write.
			ui.write(`JJ${keyCodes['pagedown']}K`);
			await ui.settle();
			const afterPaging = /(\d+) of 5001/.exec(ui.frame())?.[1];
			expect(Number(afterPaging)).toBeGreaterThan(5);
			const page = (Number(afterPaging) - 1) / 2;
			expect(Number.isInteger(page)).toBe(true);
			expect(highlighted(ui.frame())).toBe(`model-${String(Number(afterPaging) - 2).padStart(4, '0')}`);

			// End and Home as terminals send them.
			ui.write('\u001B[F');
			await ui.waitFor(/5001 of 5001/);
			ui.write('\u001B[H');
			await ui.waitFor(/(?<!\d)1 of 5001/);
			// j past the end never wraps around: G then j j stays on the last.
			ui.write('Gjj');
			await ui.settle();
			expect(ui.frame()).toMatch(/5001 of 5001/);
		} finally {
			ui.unmount();
		}
	}, 60_000);

	it('/ narrows the list as you type; Enter keeps the filter, Enter again picks; Esc clears it before it cancels', async () => {
		const ui = await openPicker();
		try {
			ui.write('/model-4242');
			await ui.waitFor(/\/model-4242/);
			ui.write('\r');
			await ui.settle();
			expect(ui.frame()).toContain('/model-4242 · 1 match in 5001 · Esc clears');
			expect(highlighted(ui.frame())).toBe('model-4242');
			// Esc clears the filter, not the picker.
			ui.write(ESC);
			await ui.waitFor(/(?<!\d)1 of 5001/);
			expect(ui.frame()).toContain('pick what it serves');
			// Filter, keep, pick — one write: the form opens with that model.
			ui.write('/4243\r\r');
			await ui.waitFor((frame) => /Model id/.test(frame) && !/pick what it serves/.test(frame), {message: 'the form after filter, keep, pick'});
			expect(ui.frame()).toMatch(/Model id\s+model-4243/);
			ui.write(ESC);
			await ui.waitFor((frame) => !/Attach a model/.test(frame));
		} finally {
			ui.unmount();
		}
	}, 60_000);

	it('Esc with no filter cancels the picker', async () => {
		const ui = await openPicker();
		try {
			ui.write(ESC);
			await ui.waitFor((frame) => !/pick what it serves/.test(frame));
		} finally {
			ui.unmount();
		}
	}, 60_000);
});

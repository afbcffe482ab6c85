import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {createProvider, deleteProvider, getProvider, providerWindow} from '../../source/services/providers.js';
import {windowSize} from '../../source/ui/hooks/use-list-window.js';
import type {DashboardServices} from '../../source/ui/services.js';
import {clearProviders} from '../support/burst-scenarios.js';
import {databaseKind} from '../support/db.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard} from '../render.js';

/**
 * The board with a long list: it loads the window on screen (and some rows to either side) and
 * the counts, never every provider; the cursor, the footer, the filter, `:provider` and other
 * operators' changes behave as they do on a short list, across the loaded window's edges.
 */
let c: TestContext;
const SIZE = 300;
const name = (i: number) => `long-${String(i).padStart(4, '0')}`;

beforeAll(async () => {
	c = await testContext();
});
afterAll(async () => {
	await c.t.drop();
});
beforeEach(async () => {
	await clearProviders(c.ctx);
	await c.ctx.db.sql`insert into providers (name, type, base_url, capabilities)
		select 'long-' || lpad(i::text, 4, '0'), case when i % 3 = 0 then 'groq' else 'openai-compatible' end, 'http://127.0.0.1:9/v1', '{streaming}'
		from generate_series(1, ${SIZE}::int) as i`;
});

/** The real services, with every window the board asks for recorded. */
function recording() {
	const answers: {size: number; rows: number}[] = [];
	const services: Partial<DashboardServices> = {
		providerWindow: async (request) => {
			const answer = await providerWindow(c.ctx, request);
			answers.push({size: request.size, rows: answer.rows.length});
			return answer;
		},
	};
	return {answers, services};
}

const cursorLine = (frame: string) => frame.split('\n').find((line) => line.includes('›long-'));

describe(`a board of ${SIZE} providers (${databaseKind})`, () => {
	it('loads a window, not the list, and a burst of 60 j lands on row 61 across its edges', async () => {
		const {answers, services} = recording();
		const ui = await renderDashboard(c.ctx, {services});
		try {
			await ui.waitFor(/›long-0001/);
			await ui.waitFor(`1 of ${SIZE}`);
			expect(answers.length).toBeGreaterThan(0);
			for (const answer of answers) expect(answer.rows).toBeLessThanOrEqual(answer.size);
			// At 80×24 the board shows five providers and loads a screen's worth to either side (the bench measures this load).
			expect(ui.frame().split('\n').filter((line) => /^[│┃][› ]long-\d{4} /.test(line))).toHaveLength(5);
			expect(answers.map((a) => a.size)).toEqual(answers.map(() => windowSize(5)));
			expect(Math.max(...answers.map((a) => a.rows))).toBeLessThan(SIZE / 2);
			await ui.burst(...Array<string>(60).fill('j'));
			await ui.waitFor((f) => f.includes(`61 of ${SIZE}`) && /›long-0061/.test(f), {timeout: 40_000});
			// More than one window was loaded on the way, each of them a window.
			expect(answers.length).toBeGreaterThan(1);
			expect(Math.max(...answers.map((a) => a.rows))).toBeLessThan(SIZE / 2);
			// The rows around the cursor are on screen, in order.
			const frame = ui.frame();
			expect(frame.indexOf('long-0060')).toBeLessThan(frame.indexOf('›long-0061'));
			expect(frame.indexOf('›long-0061')).toBeLessThan(frame.indexOf('long-0062'));
			await ui.burst(...Array<string>(20).fill('k'), 'pagedown', 'pagedown');
			await ui.settle();
			const line = cursorLine(ui.frame());
			const at = Number(/›long-(\d+)/.exec(line ?? '')?.[1]);
			expect(ui.frame()).toContain(`${at} of ${SIZE}`);
			expect(at).toBeGreaterThan(41);
			// Far down by name, then past the end: the cursor stops on the last provider.
			await ui.press(':');
			await ui.type('provider long-0290');
			await ui.press('enter');
			await ui.waitFor((f) => f.includes(`290 of ${SIZE}`) && /›long-0290/.test(f));
			await ui.burst(...Array<string>(20).fill('j'));
			await ui.waitFor((f) => f.includes(`${SIZE} of ${SIZE}`) && /›long-0300/.test(f));
		} finally {
			ui.unmount();
		}
	}, 90_000);

	it('one burst of moves and an action across several loaded windows acts on the provider the moves land on', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/›long-0001/);
			await ui.burst(...Array<string>(37).fill('j'), 't', ...Array<string>(3).fill('k'), 't');
			await ui.waitFor(/Provider long-0035 disabled/, {timeout: 40_000});
			expect((await getProvider(c.ctx, 'long-0038')).enabled).toBe(false);
			expect((await getProvider(c.ctx, 'long-0035')).enabled).toBe(false);
			expect((await getProvider(c.ctx, 'long-0037')).enabled).toBe(true);
		} finally {
			ui.unmount();
		}
	}, 90_000);

	it('keeps the cursor on its provider when another operator adds one before it, and takes the neighbour when it is deleted', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/›long-0001/);
			await ui.press(':');
			await ui.type('provider long-0190');
			await ui.press('enter');
			await ui.waitFor(/›long-0190/);
			await ui.burst(...Array<string>(10).fill('j'));
			await ui.waitFor((f) => f.includes(`200 of ${SIZE}`) && /›long-0200/.test(f));
			// Another operator's provider sorts before the cursor: the cursor stays on long-0200, one row further down.
			await createProvider(c.ctx, {name: 'long-0000a', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1'});
			await ui.waitFor((f) => f.includes(`201 of ${SIZE + 1}`) && /›long-0200/.test(f));
			// And deletes the provider under the cursor: the neighbour that took its row is selected.
			await deleteProvider(c.ctx, (await getProvider(c.ctx, 'long-0200')).id, {force: true});
			await ui.waitFor((f) => f.includes(`201 of ${SIZE}`) && /›long-0201/.test(f) && !f.includes('long-0200'));
			await ui.press('t');
			await ui.waitFor(/Provider long-0201 disabled/);
			expect((await getProvider(c.ctx, 'long-0201')).enabled).toBe(false);
		} finally {
			ui.unmount();
		}
	}, 90_000);

	it('filters in the database, counts what matches, and :provider jumps far down the list', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(`1 of ${SIZE}`);
			await ui.press('/');
			await ui.type('long-02');
			await ui.waitFor(`1 of 100 (${SIZE} in all)`);
			await ui.waitFor(/›long-0200/);
			await ui.press('enter');
			await ui.burst(...Array<string>(60).fill('j'));
			await ui.waitFor((f) => f.includes(`61 of 100 (${SIZE} in all)`) && /›long-0260/.test(f), {timeout: 40_000});
			// Clearing the filter keeps the cursor on its provider, now at its place in the whole list.
			await ui.press('/');
			await ui.press('escape');
			await ui.waitFor((f) => f.includes(`260 of ${SIZE}`) && /›long-0260/.test(f));
			// The type matches too: every third provider is groq.
			await ui.press('/');
			await ui.type('groq');
			await ui.waitFor(`of 100 (${SIZE} in all)`);
			await ui.press('escape');
			await ui.press(':');
			await ui.type('provider long-0042');
			await ui.press('enter');
			await ui.waitFor((f) => f.includes(`42 of ${SIZE}`) && /›long-0042/.test(f));
			await ui.press(':');
			await ui.type('provider long-029');
			await ui.press('tab');
			await ui.waitFor(/:provider long-029/);
		} finally {
			ui.unmount();
		}
	}, 90_000);
});

describe(`providerWindow (${databaseKind})`, () => {
	it('answers the window around an item, or around a row when the item is gone or filtered out', async () => {
		const target = await getProvider(c.ctx, name(250));
		const around = await providerWindow(c.ctx, {filter: '', id: target.id, index: 0, size: 40});
		expect(around).toMatchObject({index: 249, count: SIZE, total: SIZE, offset: 229});
		expect(around.rows).toHaveLength(40);
		expect(around.rows[around.index - around.offset]!.name).toBe(name(250));
		// Near the end the window stays full and ends at the last row.
		const last = await providerWindow(c.ctx, {filter: '', id: (await getProvider(c.ctx, name(SIZE))).id, index: 0, size: 40});
		expect(last).toMatchObject({index: SIZE - 1, offset: SIZE - 40});
		expect(last.rows.at(-1)!.name).toBe(name(SIZE));
		// Filtered out: the row index is kept (clamped to what matches).
		const filtered = await providerWindow(c.ctx, {filter: 'long-01', id: target.id, index: 250, size: 40});
		expect(filtered).toMatchObject({count: 100, total: SIZE, index: 99});
		expect(filtered.rows[filtered.index - filtered.offset]!.name).toBe(name(199));
		// Nothing matches.
		expect(await providerWindow(c.ctx, {filter: 'no such', id: null, index: 3, size: 40})).toMatchObject({rows: [], count: 0, total: SIZE, index: 0});
		// The filter is the name case-insensitively, or the type.
		expect((await providerWindow(c.ctx, {filter: 'LONG-000', id: null, index: 0, size: 40})).count).toBe(9);
		expect((await providerWindow(c.ctx, {filter: 'groq', id: null, index: 0, size: 400})).rows.every((p) => p.type === 'groq')).toBe(true);
	}, 90_000);
});

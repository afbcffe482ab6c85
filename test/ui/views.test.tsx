import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKey} from '../../source/services/keys.js';
import {addModel} from '../../source/services/models.js';
import {createProvider} from '../../source/services/providers.js';
import {runComparison} from '../../source/services/compare.js';
import {runSmoke} from '../../source/services/smoke.js';
import {databaseKind} from '../support/db.js';
import {mockErrors, startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard, type Dashboard} from '../render.js';

/**
 * Issue 14's views at the sizes operators use — 80×24 and the 60×16 minimum — and in
 * --read-only (looking is always allowed): the provider in full, the audit row in full with its
 * filter, run history with a comparison in full, the status view; every line fits the width.
 */
let c: TestContext;
let mock: MockProvider;

async function drain(events: AsyncIterable<unknown>): Promise<void> {
	for await (const _ of events) void _;
}

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: ['view-small', 'view-large']});
	const a = await createProvider(c.ctx, {name: 'view-a', type: 'openai', baseUrl: mock.baseUrl, capabilities: ['system_prompt', 'streaming'], rateLimits: {rpm: 30, concurrency: 2}});
	await addModel(c.ctx, a.id, {modelName: 'view-small', alias: 'view-alias'});
	await addModel(c.ctx, a.id, {modelName: 'view-large'});
	await addKey(c.ctx, a.id, {secret: 'sk-view-0123456789abcdefghijkl', label: 'main'});
	const b = await createProvider(c.ctx, {name: 'view-b', type: 'openai', baseUrl: mock.baseUrl, capabilities: ['streaming']});
	await addModel(c.ctx, b.id, {modelName: 'view-small', alias: 'view-alias'});
	await addKey(c.ctx, b.id, {secret: 'sk-view-9876543210zyxwvutsrqpo', label: 'b'});
	mock.setDefault({kind: 'stream', text: 'pong from the view mock', usage: true});
	await drain(runSmoke(c.ctx, {provider: 'view-a', model: 'view-small'}, new AbortController().signal));
	mock.script(mockErrors.unauthorized('full'));
	await drain(runSmoke(c.ctx, {provider: 'view-b'}, new AbortController().signal));
	mock.script({kind: 'stream', text: 'answer of a'}, mockErrors.unauthorized('full'));
	await drain(runComparison(c.ctx, 'view-alias', {}, new AbortController().signal));
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

/** The frames' text as one line: borders and wrapping gone, so a wrapped sentence reads whole. */
const flat = (text: string) => text.replace(/[┃│┏┓┗┛┌┐└┘━─]/g, ' ').replace(/\s+/g, ' ');

function fits(ui: Dashboard, columns: number, rows: number): void {
	const frame = ui.frame();
	const lines = frame.split('\n');
	expect(lines.length, frame).toBeLessThanOrEqual(rows);
	for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
}

for (const [columns, rows] of [
	[80, 24],
	[60, 16],
] as const) {
	for (const readOnly of [false, true]) {
		describe(`views at ${columns}×${rows}${readOnly ? ', read-only' : ''} (${databaseKind})`, () => {
			it('the provider in full: fields, limits declared and observed, health, keys, models, last runs; h lists its runs', async () => {
				const ui = await renderDashboard(readOnly ? c.as('reader@test', {readOnly: true}) : c.ctx, {columns, rows});
				try {
					await ui.waitFor(/›view-a/);
					await ui.press('enter');
					const top = await ui.waitFor(/Provider view-a/);
					fits(ui, columns, rows);
					expect(top).toContain(`base URL ${mock.baseUrl}`);
					let seen = top;
					for (let i = 0; i < 12 && !/Last runs/.test(seen); i++) {
						await ui.press('pagedown');
						seen += ui.frame();
					}
					seen = flat(seen);
					expect(seen).toMatch(/capabilities system prompt, streaming/);
					expect(seen).toMatch(/declared: rpm 30 · concurrency 2 — enforced by eval752/);
					expect(seen).toMatch(/observed: /);
					expect(seen).toMatch(/[✓!] (healthy|degraded)/);
					expect(seen).toMatch(/sk-view-…ijkl \(main\) · active · priority 0/);
					expect(seen).toMatch(/view-small → view-alias/);
					expect(seen).toMatch(/Last runs/);
					await ui.press('h');
					await ui.waitFor(/Runs · provider view-a/);
					fits(ui, columns, rows);
					// Newest first: the comparison it took part in, then its own probe.
					await ui.press('enter');
					await ui.waitFor(/Comparison [0-9a-f]{8}/);
					await ui.press('escape', 'j', 'enter');
					const run = await ui.waitFor(/Run [0-9a-f]{8}/);
					expect(flat(run)).toMatch(/probe of view-a · view-small/);
					fits(ui, columns, rows);
				} finally {
					ui.unmount();
				}
			});

			it('a comparison in full from the alias history: every target, its answer or its error and hint', async () => {
				const ui = await renderDashboard(readOnly ? c.as('reader@test', {readOnly: true}) : c.ctx, {columns, rows});
				try {
					await ui.waitFor(/view-a/);
					await ui.press('A');
					await ui.waitFor(/view-alias/);
					await ui.press('h');
					await ui.waitFor(/Runs · alias view-alias/);
					let frame = ui.frame();
					for (let i = 0; i < 5 && !/›.*compare/.test(frame); i++) {
						await ui.press('j');
						frame = ui.frame();
					}
					expect(frame).toMatch(/›.*compare/);
					await ui.press('enter');
					let seen = await ui.waitFor(/Comparison [0-9a-f]{8}/);
					fits(ui, columns, rows);
					for (let i = 0; i < 8; i++) {
						await ui.press('pagedown');
						seen += ui.frame();
					}
					seen = flat(seen);
					expect(seen).toMatch(/comparison of view-alias/);
					if (columns >= 80) expect(seen).toMatch(/comparison of view-alias · finished · 2 targets/);
					expect(seen).toMatch(/view-a · view-small/);
					expect(seen).toMatch(/view-b · view-small/);
					expect(seen).toMatch(/auth:/);
					expect(seen).toMatch(/try: /);
				} finally {
					ui.unmount();
				}
			});

			it('the audit view filtered, a row in full with its change, and :status', async () => {
				const ui = await renderDashboard(readOnly ? c.as('reader@test', {readOnly: true}) : c.ctx, {columns, rows});
				try {
					await ui.waitFor(/view-a/);
					await ui.press('L');
					await ui.waitFor(/Audit log/);
					await ui.press('/');
					await ui.type('view-b');
					await ui.press('enter');
					const filtered = await ui.waitFor(/\d+ of \d+\+? \/view-b/);
					expect(filtered).not.toMatch(/view-a/);
					expect(filtered).toMatch(/key\.add|provider\.create|smoke\.run/);
					fits(ui, columns, rows);
					await ui.press('enter');
					await ui.waitFor(/Audit row \d+/);
					fits(ui, columns, rows);
					await ui.press(':');
					await ui.type('status');
					await ui.press('enter');
					const status = await ui.waitFor(/Status/);
					expect(status).toMatch(/(failing|degraded|unknown|healthy) overall \(eval752 status exits \d/);
					expect(status).toMatch(/view-b\s+✕ failing/);
					fits(ui, columns, rows);
				} finally {
					ui.unmount();
				}
			});
		});
	}
}

describe(`80 columns first (${databaseKind})`, () => {
	it('below 60×16 one line says the terminal is too small', async () => {
		const ui = await renderDashboard(c.ctx, {columns: 50, rows: 14});
		try {
			await ui.waitFor(/terminal too small \(50×14; needs 60×16\)/);
		} finally {
			ui.unmount();
		}
	});

	it('a wrong key: the whole message wraps in the header, key ids and remedy readable at 80 columns', async () => {
		const message = 'ENCRYPTION_KEY (key id 0123456789abcdef) did not write this data (key id fedcba9876543210)';
		const base = (await import('../../source/ui/live-services.js')).createDashboardServices(c.ctx);
		const ui = await renderDashboard(c.ctx, {services: {info: {...base.info, keyStatus: 'wrong', keyMessage: message}}});
		try {
			const frame = await ui.waitFor(/WRONG KEY/);
			const flat = frame.replace(/\s*\n\s*/g, ' ');
			expect(flat).toContain('0123456789abcdef');
			expect(flat).toContain('fedcba9876543210');
			expect(flat).toContain('— changes are refused; set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS');
			fits(ui, 80, 24);
		} finally {
			ui.unmount();
		}
	});

	it('the bottom line shows the focused pane’s keys first and ? for the rest', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/view-a/);
			const bottom = () => ui.frame().trimEnd().split('\n').at(-1)!;
			expect(bottom()).toMatch(/^Enter\/i details .*\? keys$/);
			await ui.press('2');
			await ui.waitFor((f) => /^a add .*\? keys$/m.test(f.trimEnd().split('\n').at(-1)!));
		} finally {
			ui.unmount();
		}
	});
});

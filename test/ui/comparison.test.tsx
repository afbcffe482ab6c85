import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {databaseKind} from '../support/db.js';
import {mockErrors, startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard, type Dashboard} from '../render.js';
import {auditActions, lastSeq, providerWithKey} from '../rotate-fixtures.js';

/**
 * Alias comparison in the aliases view, through the real dashboard and services: three mock
 * providers on loopback (each its own server, so disconnects are counted where they happen).
 * One database for the file; each test compares its own alias.
 */

let c: TestContext;
const mocks: MockProvider[] = [];

beforeAll(async () => {
	c = await testContext();
});
afterEach(async () => {
	await Promise.all(mocks.splice(0).map((mock) => mock.close()));
});
afterAll(async () => {
	await c.t.drop();
});

/** Four tokens with three gaps: about `totalMs` from the first token to the last. */
function streaming(totalMs: number, words = ['one ', 'two ', 'three ', 'four']) {
	return {kind: 'stream' as const, tokens: words, chunkDelayMs: Math.round(totalMs / 3)};
}

/** Providers `${prefix}-1`, `-2`, … serving `alias` (targets in that order), one mock server each, answering at `speeds` (ms). */
async function threeProviders(alias: string, speeds: readonly number[], prefix: string): Promise<MockProvider[]> {
	const servers: MockProvider[] = [];
	for (const [i, speed] of speeds.entries()) {
		const server = await startMockProvider();
		mocks.push(server);
		server.setDefault(streaming(speed, [`${prefix}${i + 1}-alpha `, 'beta ', 'gamma ', 'delta']));
		// The first has image input and the others do not: drift.
		await providerWithKey(c.ctx, server, `${prefix}-${i + 1}`, {alias, capabilities: i === 0 ? ['streaming', 'image_input'] : ['streaming']});
		servers.push(server);
	}
	return servers;
}

async function openAlias(alias: string, size: {columns: number; rows: number} = {columns: 80, rows: 24}): Promise<Dashboard> {
	const ui = await renderDashboard(c.ctx, size);
	await ui.waitFor('[1] Providers');
	await ui.press(':');
	await ui.type(`alias ${alias}`);
	await ui.press('enter');
	await ui.waitFor(new RegExp(`›${alias}\\s`));
	return ui;
}

async function storedRuns(alias: string) {
	return c.ctx.db.sql<{id: string; status: string}[]>`select id, status from comparison_runs where alias = ${alias} order by started_at`;
}

async function storedResults(runId: string) {
	return c.ctx.db.sql<{provider_name: string; outcome: string; error_class: string | null}[]>`
		select provider_name, outcome, error_class from comparison_results where run_id = ${runId} order by provider_name`;
}

/** The number of whole and partial block characters on the bar line of `label`. */
function barLength(frame: string, label: string): number {
	const line = frame.split('\n').find((l) => l.startsWith(`│${label} `) || l.startsWith(`┃${label} `));
	if (!line) throw new Error(`no bar line for ${label} in\n${frame}`);
	return (line.match(/[█▏▎▍▌▋▊▉]/g) ?? []).length;
}

describe(`alias comparison view (${databaseKind})`, () => {
	it('lists the alias with its counts and drift, compares three providers at once and draws the latency bars (80 columns: stacked)', async () => {
		await threeProviders('chat-three', [150, 300, 600], 'spd');
		const since = await lastSeq(c.ctx);
		const ui = await openAlias('chat-three');
		try {
			const list = ui.frame();
			expect(list).toMatch(/›chat-three\s+3 providers · 3 models\s+⚠ image_input on 1 of 3/);
			expect(list).toContain('c or Enter compares it on 3 targets at once');
			await ui.press('c');
			await ui.waitFor('Compare · chat-three');
			const done = await ui.waitFor('Comparison finished in');
			for (const name of ['spd-1', 'spd-2', 'spd-3']) expect(done).toMatch(new RegExp(`✓ ${name} · mock-small ok\\s+ttft \\d+ ms · total \\d+ ms · [\\d.]+ tok/s`));
			// Stacked at 80 columns: one target per row, never two on one line.
			expect(done.split('\n').some((line) => line.includes('spd-1 · ') && line.includes('spd-2 · '))).toBe(false);
			// The tails of the streams stay visible.
			for (const i of [1, 2, 3]) expect(done).toContain(`spd${i}-alpha beta gamma delta`);
			// Bars scaled to the slowest: the slowest has the longest bar.
			expect(done).toMatch(/total time, scaled to the slowest \(\d+ ms\)/);
			expect(barLength(done, 'spd-3')).toBeGreaterThan(barLength(done, 'spd-2'));
			expect(barLength(done, 'spd-2')).toBeGreaterThan(barLength(done, 'spd-1'));
			await ui.waitFor('Comparison of chat-three finished: 3 ok (stored)');

			const [run] = await storedRuns('chat-three');
			expect(run!.status).toBe('finished');
			expect((await storedResults(run!.id)).map((row) => [row.provider_name, row.outcome])).toEqual([
				['spd-1', 'ok'],
				['spd-2', 'ok'],
				['spd-3', 'ok'],
			]);
			expect(await auditActions(c.ctx, since)).toEqual(['compare.run']);

			await ui.press('escape');
			await ui.waitFor(/›chat-three\s+3 providers/);
		} finally {
			ui.unmount();
		}
	});

	it('side by side at 140 columns: every target in its own column', async () => {
		await threeProviders('chat-wide', [60, 120, 480], 'wide');
		const ui = await openAlias('chat-wide', {columns: 140, rows: 30});
		try {
			await ui.press('enter');
			const done = await ui.waitFor('Comparison finished in');
			const header = done.split('\n').find((line) => line.includes('wide-1 · mock-small'));
			expect(header).toMatch(/wide-1 · mock-small\s+wide-2 · mock-small\s+wide-3 · mock-small/);
			expect(done).toMatch(/✓ ok · [\d.]+ tok\/s\s+✓ ok · [\d.]+ tok\/s\s+✓ ok · [\d.]+ tok\/s/);
			for (const i of [1, 2, 3]) expect(done).toContain(`wide${i}-alpha beta gamma delta`);
			expect(barLength(done, 'wide-3')).toBeGreaterThan(barLength(done, 'wide-1'));
		} finally {
			ui.unmount();
		}
	});

	it('one failing provider shows its error class while the others complete', async () => {
		const servers = await threeProviders('chat-fail', [100, 200, 600], 'fl');
		servers[1]!.setDefault(mockErrors.unauthorized('full'));
		const ui = await openAlias('chat-fail');
		try {
			await ui.press('c');
			const done = await ui.waitFor('Comparison finished in');
			expect(done).toMatch(/✕ fl-2 · mock-small auth/);
			expect(done).toContain('Incorrect API key provided: [redacted]');
			expect(done).toMatch(/✓ fl-1 · mock-small ok/);
			expect(done).toMatch(/✓ fl-3 · mock-small ok/);
			// The bar chart shows the class where a bar would be.
			expect(done).toMatch(/[│┃]fl-2\s+✕ auth/);
			expect(barLength(done, 'fl-3')).toBeGreaterThan(barLength(done, 'fl-1'));
			await ui.waitFor('Comparison of chat-fail finished: 2 ok, 1 failed (stored)');
			const [run] = await storedRuns('chat-fail');
			expect((await storedResults(run!.id)).map((row) => [row.provider_name, row.outcome, row.error_class])).toEqual([
				['fl-1', 'ok', null],
				['fl-2', 'failed', 'auth'],
				['fl-3', 'ok', null],
			]);
		} finally {
			ui.unmount();
		}
	});

	it('Esc cancels every stream: each server sees its client go away, the run is stored as cancelled', async () => {
		const servers = await threeProviders('chat-cancel', [100, 100, 100], 'cx');
		for (const [i, server] of servers.entries()) server.setDefault({kind: 'stream', tokens: [`cx${i + 1}-first-words `, 'never-sent'], stallAfterChunks: 1});
		const ui = await openAlias('chat-cancel');
		try {
			await ui.press('c');
			await Promise.all(servers.map((server) => server.waitForRequests(1)));
			// Streaming text shows live before the cancel.
			await ui.waitFor((frame) => [1, 2, 3].every((i) => frame.includes(`cx${i}-first-words`)));
			expect(ui.frame()).toContain('Esc cancels every request');
			await ui.press('escape');
			const cancelled = await ui.waitFor('Comparison cancelled: every request closed');
			for (const i of [1, 2, 3]) expect(cancelled).toMatch(new RegExp(`■ cx-${i} · mock-small cancelled`));
			expect(cancelled).not.toContain('never-sent');
			await ui.waitFor(() => servers.every((server) => server.chatRequests[0]!.endedAt !== undefined));
			for (const server of servers) expect(server.chatRequests[0]!.disconnected).toBe(true);
			const [run] = await storedRuns('chat-cancel');
			expect(run!.status).toBe('cancelled');
			expect((await storedResults(run!.id)).map((row) => row.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled']);
			// A second Esc goes back to the alias list.
			await ui.press('escape');
			await ui.waitFor(/›chat-cancel\s+3 providers/);
		} finally {
			ui.unmount();
		}
	});

	it('p types a prompt first; the providers receive it', async () => {
		const servers = await threeProviders('chat-prompt', [30, 30, 30], 'pr');
		const ui = await openAlias('chat-prompt');
		try {
			await ui.press('p');
			await ui.waitFor('prompt ›');
			await ui.type('Name one prime number');
			await ui.press('enter');
			const done = await ui.waitFor('Comparison finished in');
			expect(done).toContain('prompt: “Name one prime number”');
			for (const server of servers) {
				const body = server.chatRequests[0]!.body as {messages: {content: string}[]};
				expect(body.messages.at(-1)!.content).toBe('Name one prime number');
			}
		} finally {
			ui.unmount();
		}
	});

	it('refuses to compare in read-only mode and stores nothing', async () => {
		await threeProviders('chat-ro', [30, 30, 30], 'ro');
		const ui = await renderDashboard(c.as('reader@test', {readOnly: true}));
		try {
			await ui.waitFor('READ-ONLY');
			await ui.press(':');
			await ui.type('alias chat-ro');
			await ui.press('enter');
			await ui.waitFor(/›chat-ro\s/);
			for (const key of ['c', 'enter', 'p']) {
				await ui.press(key);
				await ui.waitFor('Read-only:');
			}
			expect(await storedRuns('chat-ro')).toEqual([]);
		} finally {
			ui.unmount();
		}
	});
});

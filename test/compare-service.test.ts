import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {consume} from '../source/lib/stream.js';
import {aliasOverview, runComparison, type CompareEvent, type CompareOutcome} from '../source/services/compare.js';
import {addKey, setKeyPriority} from '../source/services/keys.js';
import {setProviderEnabled} from '../source/services/providers.js';
import {finishRotation, startRotation, validateRotation} from '../source/services/rotate.js';
import {providerStatus} from '../source/services/status.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {createGate, mockErrors, startMockProvider, type MockProvider} from './support/mock-provider.js';
import {auditActions, everythingStored, lastSeq, providerWithKey} from './rotate-fixtures.js';

/**
 * Alias comparisons through the service: three mock providers on loopback, each its own server,
 * so timing, concurrency and disconnects are counted where they happen.
 */

let t: TestContext;
const mocks: MockProvider[] = [];

beforeEach(async () => {
	t = await testContext();
});

afterEach(async () => {
	await Promise.all(mocks.splice(0).map((mock) => mock.close()));
	await t.t.drop();
});

async function mock(): Promise<MockProvider> {
	const started = await startMockProvider();
	mocks.push(started);
	return started;
}

/** Four tokens with three gaps: total streaming time is about 3 × gap. */
function streaming(totalMs: number) {
	return {kind: 'stream' as const, tokens: ['one ', 'two ', 'three ', 'four'], chunkDelayMs: Math.round(totalMs / 3)};
}

/** The events of a comparison and, last, what it returned. */
async function collect(alias: string, signal = new AbortController().signal, prompt?: string): Promise<{events: CompareEvent[]; end: CompareOutcome}> {
	const events: CompareEvent[] = [];
	const end = await consume(runComparison(t.ctx, alias, {prompt}, signal), (event) => events.push(event));
	return {events, end};
}

async function storedRun(runId: string) {
	const [run] = await t.ctx.db.sql<{status: string; finished_at: Date | null; prompt: string}[]>`select status, finished_at, prompt from comparison_runs where id = ${runId}`;
	const results = await t.ctx.db.sql<{provider_name: string; outcome: string; error_class: string | null; total_ms: number | null}[]>`
		select provider_name, outcome, error_class, total_ms from comparison_results where run_id = ${runId} order by provider_name`;
	return {run: run!, results};
}

describe(`alias comparison service (${databaseKind})`, () => {
	it('runs every provider at once: the wall time is close to the slowest, not the sum; one audit row; results stored', async () => {
		const speeds = [200, 400, 800];
		const servers = await Promise.all(speeds.map(() => mock()));
		for (const [i, server] of servers.entries()) {
			server.setDefault(streaming(speeds[i]!));
			await providerWithKey(t.ctx, server, `speed-${speeds[i]}`, {alias: 'chat-fast'});
		}
		const since = await lastSeq(t.ctx);
		const {events, end} = await collect('chat-fast');

		expect(end.status).toBe('finished');
		expect(end.results.map((result) => [result.providerName, result.outcome])).toEqual([
			['speed-200', 'ok'],
			['speed-400', 'ok'],
			['speed-800', 'ok'],
		]);
		const sum = speeds.reduce((a, b) => a + b, 0);
		// Wall time as the providers saw it: first request in to last response out. One after the
		// other it would be at least the sum; at once it is about the slowest. (Measured at the
		// servers so the first SDK import on a busy machine is not counted.)
		const wall = Math.max(...servers.map((server) => server.chatRequests[0]!.endedAt!)) - Math.min(...servers.map((server) => server.chatRequests[0]!.startedAt));
		expect(wall).toBeGreaterThanOrEqual(speeds[2]! - 50);
		expect(wall).toBeLessThan(sum - 300);
		// All three requests were in flight together.
		const arrivals = servers.map((server) => server.chatRequests[0]!.startedAt);
		const firstEnd = Math.min(...servers.map((server) => server.chatRequests[0]!.endedAt!));
		expect(Math.max(...arrivals)).toBeLessThan(firstEnd);

		const started0 = events[0]!;
		expect(started0).toMatchObject({type: 'run-started', alias: 'chat-fast', prompt: 'Reply with the single word: pong'});
		for (const index of [0, 1, 2]) {
			const mine = events.filter((event) => 'index' in event && event.index === index).map((event) => event.type);
			expect(mine[0]).toBe('started');
			expect(mine.at(-1)).toBe('finished');
			expect(mine).toContain('delta');
		}
		const firstDelta = events.find((event) => event.type === 'delta');
		expect(firstDelta).toMatchObject({ttftMs: expect.any(Number)});
		const result = end.results[2]!;
		expect(result.outputTokens).toBe(4);
		expect(result.excerpt).toBe('one two three four');
		expect(result.totalMs).toBeGreaterThanOrEqual(750);
		expect(result.tokensPerSecond).toBeGreaterThan(0);

		const stored = await storedRun(end.runId);
		expect(stored.run.status).toBe('finished');
		expect(stored.run.finished_at).not.toBeNull();
		expect(stored.results.map((row) => [row.provider_name, row.outcome])).toEqual([
			['speed-200', 'ok'],
			['speed-400', 'ok'],
			['speed-800', 'ok'],
		]);
		expect(await auditActions(t.ctx, since)).toEqual(['compare.run']);
		// Not smoke runs, not key validations.
		const [smokeRuns] = await t.ctx.db.sql<{n: number}[]>`select count(*)::int as n from smoke_runs`;
		expect(smokeRuns!.n).toBe(0);
	});

	it('a provider with concurrency 1 serving the alias with two models never sees two requests at once', async () => {
		const server = await mock();
		server.setDefault(streaming(150));
		await providerWithKey(t.ctx, server, 'single-lane', {alias: 'pair', models: ['mock-small', 'mock-large'], concurrency: 1});
		const {events, end} = await collect('pair');
		expect(end.results.map((result) => [result.modelName, result.outcome])).toEqual([
			['mock-large', 'ok'],
			['mock-small', 'ok'],
		]);
		expect(server.chatRequests).toHaveLength(2);
		expect(server.maxInFlight).toBe(1);
		expect((events[0] as Extract<CompareEvent, {type: 'run-started'}>).targets[0]!.limits).toBe('concurrency 1 — enforced by eval752 for its own requests');
	});

	it('one failing provider shows its error class while the others complete', async () => {
		const servers = await Promise.all([mock(), mock(), mock()]);
		servers[0]!.setDefault(streaming(90));
		servers[1]!.setDefault(mockErrors.serverError());
		servers[2]!.setDefault(mockErrors.unauthorized('full'));
		await providerWithKey(t.ctx, servers[0]!, 'healthy', {alias: 'mixed'});
		await providerWithKey(t.ctx, servers[1]!, 'broken', {alias: 'mixed'});
		const {oldSecret} = await providerWithKey(t.ctx, servers[2]!, 'revoked', {alias: 'mixed'});
		const {events, end} = await collect('mixed');
		expect(end.status).toBe('finished');
		expect(end.results.map((result) => [result.providerName, result.outcome, result.errorClass])).toEqual([
			['broken', 'failed', 'server'],
			['healthy', 'ok', null],
			['revoked', 'failed', 'auth'],
		]);
		expect(events.filter((event) => event.type === 'failed').map((event) => (event as {index: number}).index).sort()).toEqual([0, 2]);
		// No retries inside a comparison: one request per target.
		expect(servers[1]!.chatRequests).toHaveLength(1);
		const stored = await storedRun(end.runId);
		expect(stored.results.map((row) => row.error_class)).toEqual(['server', null, 'auth']);
		// The 401 quoted the key: redacted before it was stored or yielded.
		expect(JSON.stringify(events)).not.toContain(oldSecret!);
		expect(await everythingStored(t.ctx)).not.toContain(oldSecret!);
	});

	it('abort cancels every stream (each provider sees the disconnect) and the run is stored as cancelled', async () => {
		const servers = await Promise.all([mock(), mock(), mock()]);
		const gate = createGate();
		for (const [i, server] of servers.entries()) {
			server.setDefault({kind: 'stream', tokens: ['a ', 'b ', 'c'], holdAfterChunks: 1, release: gate.promise});
			await providerWithKey(t.ctx, server, `held-${i}`, {alias: 'held'});
		}
		const controller = new AbortController();
		const events: CompareEvent[] = [];
		const seen = new Set<number>();
		const end = await consume(runComparison(t.ctx, 'held', {}, controller.signal), (event) => {
			events.push(event);
			if (event.type === 'delta') seen.add(event.index);
			if (seen.size === 3 && !controller.signal.aborted) controller.abort();
		});
		expect(end.status).toBe('cancelled');
		expect(end.results.map((result) => result.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled']);
		for (const server of servers) {
			expect(server.chatRequests).toHaveLength(1);
			await vi.waitFor(() => expect(server.chatRequests[0]!.disconnected).toBe(true));
		}
		gate.open();
		const stored = await storedRun(end.runId);
		expect(stored.run.status).toBe('cancelled');
		expect(stored.results.map((row) => row.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled']);
	});

	it('a consumer that stops reading (Esc in a pane) cancels the requests and closes the run as cancelled', async () => {
		const server = await mock();
		const gate = createGate();
		server.setDefault({kind: 'stream', tokens: ['a ', 'b'], holdAfterChunks: 1, release: gate.promise});
		await providerWithKey(t.ctx, server, 'held', {alias: 'hold'});
		let runId = '';
		for await (const event of runComparison(t.ctx, 'hold', {}, new AbortController().signal)) {
			if (event.type === 'run-started') runId = event.runId;
			if (event.type === 'delta') break;
		}
		await vi.waitFor(() => expect(server.chatRequests[0]!.disconnected).toBe(true));
		gate.open();
		expect((await storedRun(runId)).run.status).toBe('cancelled');
	});

	it('flags capability drift among the providers serving an alias, with counts', async () => {
		const server = await mock();
		await providerWithKey(t.ctx, server, 'vision', {alias: 'family', capabilities: ['image_input', 'tools'], secret: null, models: ['m-a', 'm-b']});
		await providerWithKey(t.ctx, server, 'text-tools', {alias: 'family', capabilities: ['tools'], secret: null});
		const {providerId} = await providerWithKey(t.ctx, server, 'text-only', {alias: 'family', capabilities: [], secret: null});
		await providerWithKey(t.ctx, server, 'same', {alias: 'uniform', capabilities: ['tools'], secret: null});
		await setProviderEnabled(t.ctx, providerId, false);

		const overview = await aliasOverview(t.ctx);
		expect(overview.map((entry) => entry.alias)).toEqual(['family', 'uniform']);
		const family = overview[0]!;
		expect(family).toMatchObject({providers: 3, enabledProviders: 2, models: 4, targets: 3});
		expect(family.drift.map((flag) => flag.text)).toEqual(['image_input on 1 of 3', 'tools on 2 of 3']);
		expect(family.drift[0]!.providers).toEqual(['vision']);
		expect(overview[1]).toMatchObject({providers: 1, models: 1, drift: []});
	});

	it('refuses an unknown alias and one with no enabled provider, storing nothing', async () => {
		const server = await mock();
		const {providerId} = await providerWithKey(t.ctx, server, 'off', {alias: 'dark'});
		await setProviderEnabled(t.ctx, providerId, false);
		const since = await lastSeq(t.ctx);
		await expect(collect('nope')).rejects.toThrow('No alias named nope');
		await expect(collect('dark')).rejects.toThrow('Alias dark has no enabled provider');
		await expect(collect('dark', undefined, '   ')).rejects.toThrow();
		expect(await auditActions(t.ctx, since)).toEqual([]);
		expect(server.chatRequests).toHaveLength(0);
	});
});

describe(`comparisons and rotation validations count as probes (${databaseKind})`, () => {
	it('a provider that just answered a comparison is healthy in status (never "never probed"), and its key shows the validation', async () => {
		const good = await mock();
		const bad = await mock();
		good.setDefault({kind: 'stream', text: 'pong'});
		bad.setDefault(mockErrors.unauthorized('full'));
		const answered = await providerWithKey(t.ctx, good, 'answers', {alias: 'probe-me'});
		const refused = await providerWithKey(t.ctx, bad, 'refuses', {alias: 'probe-me'});
		const before = await providerStatus(t.ctx);
		expect(before.providers.map((p) => [p.name, p.health.state, p.health.reason])).toEqual([
			['answers', 'unknown', 'never probed'],
			['refuses', 'unknown', 'never probed'],
		]);

		await collect('probe-me');

		const after = await providerStatus(t.ctx);
		const byName = new Map(after.providers.map((p) => [p.name, p]));
		expect(byName.get('answers')!.health).toMatchObject({state: 'healthy', last: {outcome: 'ok', model: 'mock-small', probeKind: 'stream'}});
		expect(byName.get('refuses')!.health).toMatchObject({state: 'failing', last: {outcome: 'failed', errorClass: 'auth'}});
		expect(after.exitCode).toBe(1);
		// The key it used carries the answer as its last validation.
		const [key] = await t.ctx.db.sql<{outcome: string; model: string}[]>`select last_validation->>'outcome' as outcome, last_validation->>'model' as model from provider_keys where id = ${answered.oldKey!.id}`;
		expect(key).toEqual({outcome: 'ok', model: 'mock-small'});
		const [stored] = await t.ctx.db.sql<{key_row_id: string; finished_at: Date | null}[]>`select key_row_id, finished_at from comparison_results where provider_id = ${refused.providerId}`;
		expect(stored!.key_row_id).toBe(refused.oldKey!.id);
		expect(stored!.finished_at).toBeInstanceOf(Date);
	});

	it('an answer of another key (not the one serving traffic now) does not vouch for the provider', async () => {
		const server = await mock();
		server.setDefault({kind: 'stream', text: 'pong'});
		const p = await providerWithKey(t.ctx, server, 'moved-on', {alias: 'old-key'});
		await collect('old-key');
		expect((await providerStatus(t.ctx)).providers[0]!.health.state).toBe('healthy');
		// A new key goes first: the comparison was made with the old one.
		await addKey(t.ctx, p.providerId, {secret: `sk-newer-${'z'.repeat(20)}`, label: 'newer', priority: 0});
		await setKeyPriority(t.ctx, p.oldKey!.id, 5);
		expect((await providerStatus(t.ctx)).providers[0]!.health).toMatchObject({state: 'unknown', reason: 'never probed'});
	});

	it('a rotation validation counts: after the new key takes over, the provider is healthy from that validation', async () => {
		const server = await mock();
		server.setDefault({kind: 'stream', text: 'pong'});
		const p = await providerWithKey(t.ctx, server, 'rotated', {alias: 'rot'});
		const rotation = await startRotation(t.ctx, p.providerId, {secret: `sk-rotated-new-${'q'.repeat(16)}`, label: 'new'});
		for await (const event of validateRotation(t.ctx, rotation, {allModels: true}, new AbortController().signal)) void event;
		await finishRotation(t.ctx, rotation, 'disable-old');
		const status = await providerStatus(t.ctx);
		expect(status.providers[0]!.health).toMatchObject({state: 'healthy', last: {outcome: 'ok', model: 'mock-small'}});
		expect(status.exitCode).toBe(0);
	});
});

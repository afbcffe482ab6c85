import {describe, expect, it} from 'vitest';
import {assessHealth, healthExitCode, healthExitCodes, statusLine, worstState, type HealthInput, type HealthRun, type HealthState} from './health.js';

/**
 * The health model as a table: every combination of the serving key's per-model results, their
 * age, a rotation candidate's (or retired key's) result and the enabled state → the state, the
 * `status` line and the exit code. The base rows are written out; the candidate, age and
 * enabled variants are generated over every base row, each with the rule that decides it.
 */

const now = new Date('2025-06-01T12:00:00Z');
const maxAgeMs = 24 * 3_600_000;
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const serving = {id: 'key-1', displayHint: 'sk-…aaaa', label: 'main'};

/** `ok`, `fail:<class>` or `none`, one per configured model (m1, m2, …). */
type ModelResult = 'ok' | `fail:${string}` | 'none';

interface Row {
	readonly name: string;
	readonly models: readonly ModelResult[];
	readonly servingKey?: boolean;
	readonly keyRequired?: boolean;
	readonly state: Exclude<HealthState, 'disabled'>;
	readonly reason: string;
	readonly notes?: readonly string[];
}

function runOf(result: ModelResult, at: Date): HealthRun | null {
	if (result === 'none') return null;
	if (result === 'ok') return {outcome: 'ok', errorClass: null, at, totalMs: 420, probeKind: 'chat'};
	return {outcome: 'failed', errorClass: result.slice('fail:'.length), at, totalMs: 90, probeKind: 'chat'};
}

function input(row: Row, options: {ageMinutes?: number; enabled?: boolean; candidate?: HealthInput['keyFailures']} = {}): HealthInput {
	const at = minutesAgo(options.ageMinutes ?? 5);
	return {
		enabled: options.enabled ?? true,
		keyRequired: row.keyRequired ?? true,
		servingKey: row.servingKey === false ? null : serving,
		modelRuns: row.models.map((result, index) => ({model: `m${index + 1}`, run: runOf(result, at)})),
		keyFailures: options.candidate ?? [],
	};
}

const rows: readonly Row[] = [
	{name: 'one model ok', models: ['ok'], state: 'healthy', reason: '1 of 1 model ok'},
	{name: 'two models ok', models: ['ok', 'ok'], state: 'healthy', reason: '2 of 2 models ok'},
	{name: 'never probed', models: ['none'], state: 'unknown', reason: 'never probed'},
	{name: 'no models', models: [], state: 'unknown', reason: 'no models configured'},
	{name: 'no active key on a family that needs one', models: ['ok'], servingKey: false, state: 'failing', reason: 'no active key'},
	{name: 'no key on a keyless local server, model ok', models: ['ok'], servingKey: false, keyRequired: false, state: 'healthy', reason: '1 of 1 model ok'},
	{name: 'the only model: key rejected', models: ['fail:auth'], state: 'failing', reason: 'the key is rejected (auth on m1)'},
	{name: 'the only model: not found', models: ['fail:model_not_found'], state: 'failing', reason: 'every model fails: m1 (model_not_found)'},
	{name: 'one model of five failing', models: ['ok', 'ok', 'ok', 'ok', 'fail:model_not_found'], state: 'degraded', reason: '1 of 5 models failing: m5 (model_not_found)'},
	{name: 'one of five failing with auth while the others pass', models: ['ok', 'ok', 'ok', 'ok', 'fail:auth'], state: 'degraded', reason: '1 of 5 models failing: m5 (auth)'},
	{name: 'one of two rate limited', models: ['ok', 'fail:rate_limited'], state: 'degraded', reason: '1 of 2 models failing: m2 (rate_limited)'},
	{name: 'one ok, four never probed', models: ['ok', 'none', 'none', 'none', 'none'], state: 'healthy', reason: '1 of 5 models ok', notes: ['4 models not probed within 24h']},
	{name: 'one failing on its model, four never probed', models: ['fail:model_not_found', 'none', 'none', 'none', 'none'], state: 'degraded', reason: '1 of 5 models failing: m1 (model_not_found)', notes: ['4 models not probed within 24h']},
	{name: 'one unreachable, four never probed', models: ['fail:network', 'none', 'none', 'none', 'none'], state: 'failing', reason: "the provider can't be reached (network on m1)", notes: ['4 models not probed within 24h']},
	{name: 'out of quota', models: ['fail:quota', 'fail:quota'], state: 'failing', reason: 'the account is out of credit or quota (quota on m1)'},
	{name: 'wrong base URL', models: ['fail:protocol'], state: 'failing', reason: 'the endpoint does not answer like an OpenAI-compatible API (protocol on m1)'},
	{name: 'every model times out', models: ['fail:timeout', 'fail:timeout', 'fail:timeout', 'fail:timeout', 'fail:timeout'], state: 'failing', reason: 'every model fails: m1 (timeout), m2 (timeout) and 3 more'},
];

const exitOf = (state: HealthState) => (state === 'disabled' ? 0 : healthExitCodes[state]);

describe('the health model, fresh probes', () => {
	it.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
		const verdict = assessHealth(input(row), {now, maxAgeMs});
		expect(verdict.state).toBe(row.state);
		expect(statusLine('acme', verdict)).toBe(`acme: ${row.state} — ${row.reason}`);
		expect(verdict.notes).toEqual(row.notes ?? []);
		expect(healthExitCode([verdict.state])).toBe(healthExitCodes[row.state]);
	});
});

describe('the health model, every row × candidate key × age × enabled', () => {
	const candidates: ReadonlyArray<readonly [string, HealthInput['keyFailures'], string | null]> = [
		['no other key', [], null],
		['a rotation candidate (standby) failed just now', [{displayHint: 'sk-…bbbb', label: 'new', status: 'active', errorClass: 'auth', model: 'm1', at: minutesAgo(2)}], 'key sk-…bbbb (new, standby) failed its last validation (auth on m1) 2m ago; it serves no traffic'],
		['a parked candidate (disabled) failed an hour ago', [{displayHint: 'sk-…cccc', label: '', status: 'disabled', errorClass: 'auth', model: 'm1', at: minutesAgo(60)}], 'key sk-…cccc (disabled) failed its last validation (auth on m1) 1h ago; it serves no traffic'],
		['a retired key failed days ago', [{displayHint: 'sk-…dddd', label: 'old', status: 'disabled', errorClass: 'quota', model: 'm2', at: minutesAgo(3 * 1440)}], null],
	];

	for (const row of rows) {
		for (const [candidateName, candidate, note] of candidates) {
			it(`${row.name} · ${candidateName}: the candidate never changes the state, line or exit code`, () => {
				const verdict = assessHealth(input(row, {candidate}), {now, maxAgeMs});
				expect(verdict.state).toBe(row.state);
				expect(statusLine('acme', verdict)).toBe(`acme: ${row.state} — ${row.reason}`);
				expect(verdict.notes).toEqual([...(row.notes ?? []), ...(note ? [note] : [])]);
				expect(healthExitCode([verdict.state])).toBe(exitOf(row.state));
			});

			it(`${row.name} · ${candidateName} · every probe older than --max-age: unknown, never failing for a stale reason`, () => {
				const verdict = assessHealth(input(row, {candidate, ageMinutes: 2 * 1440}), {now, maxAgeMs});
				const probed = row.models.some((result) => result !== 'none');
				const decidedWithoutProbes = row.reason === 'no active key' || row.reason === 'no models configured';
				const expected: Exclude<HealthState, 'disabled'> = decidedWithoutProbes ? row.state : 'unknown';
				const reason = decidedWithoutProbes ? row.reason : probed ? 'last probe 2d ago, older than 24h' : 'never probed';
				expect(verdict.state).toBe(expected);
				expect(statusLine('acme', verdict)).toBe(`acme: ${expected} — ${reason}`);
				expect(healthExitCode([verdict.state])).toBe(healthExitCodes[expected]);
			});

			it(`${row.name} · ${candidateName} · disabled: not judged, exit 0`, () => {
				const verdict = assessHealth(input(row, {candidate, enabled: false}), {now, maxAgeMs});
				expect(verdict.state).toBe('disabled');
				expect(statusLine('acme', verdict)).toBe('acme: disabled — disabled — not checked');
				expect(healthExitCode([verdict.state])).toBe(0);
			});
		}
	}
});

describe('the health model, details', () => {
	it('a fresh pass beside a stale failure is healthy, with the stale model noted', () => {
		const verdict = assessHealth(
			{
				enabled: true,
				keyRequired: true,
				servingKey: serving,
				modelRuns: [
					{model: 'm1', run: {outcome: 'failed', errorClass: 'timeout', at: minutesAgo(3 * 1440), totalMs: null, probeKind: 'stream'}},
					{model: 'm2', run: {outcome: 'ok', errorClass: null, at: minutesAgo(1), totalMs: 300, probeKind: 'models'}},
				],
				keyFailures: [],
			},
			{now, maxAgeMs},
		);
		expect(verdict).toMatchObject({state: 'healthy', reason: '1 of 2 models ok', notes: ['1 model not probed within 24h'], models: {total: 2, ok: 1, failing: 0, stale: 1, untested: 0}});
		expect(verdict.last).toMatchObject({model: 'm2', probeKind: 'models', totalMs: 300});
	});

	it('the worst enabled provider decides the exit code: failing 1 > degraded 3 > unknown 4 > healthy 0', () => {
		const cases: ReadonlyArray<readonly [HealthState[], number, string]> = [
			[[], 0, 'healthy'],
			[['disabled'], 0, 'healthy'],
			[['healthy', 'disabled'], 0, 'healthy'],
			[['healthy', 'unknown'], 4, 'unknown'],
			[['unknown', 'degraded', 'healthy'], 3, 'degraded'],
			[['degraded', 'failing', 'unknown'], 1, 'failing'],
			[['failing', 'disabled'], 1, 'failing'],
		];
		for (const [states, code, worst] of cases) {
			expect(healthExitCode(states), states.join(',')).toBe(code);
			expect(worstState(states)).toBe(worst);
		}
	});
});

import {keyRequired} from '../domain/families.js';
import type {ProbeKind} from '../domain/probe.js';
import type {KeyFailureRow} from '../db/repositories/providers.js';
import type {ProviderSummary} from './providers.js';
import {plural} from '../lib/metrics.js';

/**
 * The health model: ONE pure function that says how a provider is doing, used by `status`,
 * `status --json`, `probe`, `watch`, the OpenMetrics output and the dashboard board.
 *
 * It judges only what serves traffic: the serving key (the first active key by priority — the
 * one every call uses) on the configured models. A rotation candidate or a retired key that
 * failed is a note, never the provider failing; one model of five failing is `degraded`; a
 * provider nobody has probed (or not within the freshness window) is `unknown`, not unhealthy.
 *
 *   disabled  the provider is switched off: not judged
 *   failing   no active key where the family needs one; or every model probed lately fails, or
 *             one fails in a way that breaks them all (the key, the account, the address)
 *   degraded  some models probed lately fail, others pass (or were not probed lately)
 *   healthy   every model probed lately passes
 *   unknown   no models, or no probe within the window
 */

export type HealthState = 'healthy' | 'degraded' | 'failing' | 'unknown' | 'disabled';

export const healthStates: readonly HealthState[] = ['healthy', 'degraded', 'failing', 'unknown', 'disabled'];

/**
 * `eval752 status` and `eval752 probe` exit codes by the worst state among enabled providers:
 * failing (1) over degraded (3) over unknown (4) over healthy (0). 2 stays "usage or
 * configuration error" for every command; disabled providers never count.
 */
export const healthExitCodes: Readonly<Record<Exclude<HealthState, 'disabled'>, number>> = {healthy: 0, failing: 1, degraded: 3, unknown: 4};

const severity: Readonly<Record<HealthState, number>> = {disabled: -1, healthy: 0, unknown: 1, degraded: 2, failing: 3};

/** Error classes that, on one model, mean every model fails: the key, the account, the address. */
const providerWide = new Set(['auth', 'quota', 'network', 'protocol', 'redirect', 'insecure']);
const wideWords: Readonly<Record<string, string>> = {
	auth: 'the key is rejected',
	quota: 'the account is out of credit or quota',
	network: "the provider can't be reached",
	protocol: 'the endpoint does not answer like an OpenAI-compatible API',
	redirect: 'the base URL redirects elsewhere (no key follows a redirect)',
	insecure: 'the base URL would send the key in cleartext',
};

export interface HealthRun {
	readonly outcome: 'ok' | 'failed';
	readonly errorClass: string | null;
	readonly at: Date;
	readonly totalMs: number | null;
	readonly probeKind: ProbeKind;
}

export interface HealthInput {
	readonly enabled: boolean;
	/** The family needs a key (local servers don't). */
	readonly keyRequired: boolean;
	readonly servingKey: {readonly id: string; readonly displayHint: string; readonly label: string} | null;
	/** Every configured model with the newest verdict of the serving key on it (null: none). */
	readonly modelRuns: ReadonlyArray<{readonly model: string; readonly run: HealthRun | null}>;
	/** Other keys whose last validation failed. */
	readonly keyFailures: ReadonlyArray<Omit<KeyFailureRow, 'keyId'>>;
}

export type ModelState = 'ok' | 'failing' | 'stale' | 'untested';

export interface ModelHealth {
	readonly model: string;
	readonly state: ModelState;
	readonly run: HealthRun | null;
	readonly ageMs: number | null;
}

export interface HealthVerdict {
	readonly state: HealthState;
	/** Why, in one short phrase: "2 of 2 models ok", "1 of 5 models failing: m3 (model_not_found)", "never probed". */
	readonly reason: string;
	/** What doesn't change the state but an operator should know: a failed candidate key, models not probed lately. */
	readonly notes: readonly string[];
	readonly models: {readonly total: number; readonly ok: number; readonly failing: number; readonly stale: number; readonly untested: number};
	readonly perModel: readonly ModelHealth[];
	/** The newest verdict of the serving key on any configured model, fresh or not. */
	readonly last: (HealthRun & {readonly model: string; readonly ageMs: number}) | null;
}

export interface HealthOptions {
	readonly now: Date;
	/** A probe older than this no longer vouches for a model. */
	readonly maxAgeMs: number;
}

/** "45s", "12m", "3h", "2d" — the way the age columns read. */
export function shortAge(ms: number): string {
	const seconds = Math.max(0, Math.round(ms / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
	if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
	return `${Math.floor(seconds / 86_400)}d`;
}

/** "24h", "30m", "7d", "90s": a duration the way an operator writes it. */
export function windowText(ms: number): string {
	if (ms >= 2 * 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
	if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
	if (ms % 60_000 === 0) return `${ms / 60_000}m`;
	return `${Math.round(ms / 1000)}s`;
}


/** "m1 (auth)", "m1 (auth), m2 (timeout)", "m1 (auth), m2 (timeout) and 3 more". */
function failureList(models: readonly ModelHealth[]): string {
	const shown = models.slice(0, 2).map((entry) => `${entry.model} (${entry.run?.errorClass ?? 'error'})`);
	const more = models.length - shown.length;
	return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

export function assessHealth(input: HealthInput, options: HealthOptions): HealthVerdict {
	const now = options.now.getTime();
	const perModel: ModelHealth[] = input.modelRuns.map(({model, run}) => {
		if (!run) return {model, state: 'untested', run: null, ageMs: null};
		const ageMs = Math.max(0, now - run.at.getTime());
		const state: ModelState = ageMs > options.maxAgeMs ? 'stale' : run.outcome === 'ok' ? 'ok' : 'failing';
		return {model, state, run, ageMs};
	});
	const count = (state: ModelState) => perModel.filter((entry) => entry.state === state);
	const ok = count('ok');
	const failing = count('failing');
	const stale = count('stale');
	const untested = count('untested');
	const models = {total: perModel.length, ok: ok.length, failing: failing.length, stale: stale.length, untested: untested.length};
	const newest = perModel
		.filter((entry): entry is ModelHealth & {run: HealthRun; ageMs: number} => entry.run !== null && entry.ageMs !== null)
		.sort((a, b) => b.run.at.getTime() - a.run.at.getTime())[0];
	const last = newest ? {...newest.run, model: newest.model, ageMs: newest.ageMs} : null;
	const window = windowText(options.maxAgeMs);

	const notes: string[] = [];
	for (const key of input.keyFailures) {
		const ageMs = Math.max(0, now - key.at.getTime());
		if (ageMs > options.maxAgeMs) continue;
		const role = key.status === 'disabled' ? 'disabled' : 'standby';
		const name = key.label ? `${key.displayHint} (${key.label}, ${role})` : `${key.displayHint} (${role})`;
		notes.push(`key ${name} failed its last validation (${key.errorClass ?? 'error'}${key.model ? ` on ${key.model}` : ''}) ${shortAge(ageMs)} ago; it serves no traffic`);
	}
	const unprobed = stale.length + untested.length;

	const verdict = (state: HealthState, reason: string, extraNotes: readonly string[] = []): HealthVerdict => ({
		state,
		reason,
		notes: [...extraNotes, ...notes],
		models,
		perModel,
		last,
	});

	if (!input.enabled) return verdict('disabled', 'disabled — not checked');
	if (input.keyRequired && !input.servingKey) return verdict('failing', 'no active key');
	if (perModel.length === 0) return verdict('unknown', 'no models configured');

	const fresh = ok.length + failing.length;
	if (fresh === 0) {
		if (stale.length === 0) return verdict('unknown', 'never probed');
		return verdict('unknown', `last probe ${shortAge(last!.ageMs)} ago, older than ${window}`);
	}
	const unprobedNote = unprobed > 0 ? [`${plural(unprobed, 'model')} not probed within ${window}`] : [];
	if (failing.length === 0) return verdict('healthy', `${ok.length} of ${plural(perModel.length, 'model')} ok`, unprobedNote);
	if (ok.length > 0) return verdict('degraded', `${failing.length} of ${plural(perModel.length, 'model')} failing: ${failureList(failing)}`, unprobedNote);
	const wide = failing.find((entry) => providerWide.has(entry.run?.errorClass ?? ''));
	if (wide) return verdict('failing', `${wideWords[wide.run!.errorClass!] ?? 'every model fails'} (${wide.run!.errorClass} on ${wide.model})`, unprobedNote);
	if (failing.length === perModel.length) return verdict('failing', `every model fails: ${failureList(failing)}`);
	return verdict('degraded', `${failing.length} of ${plural(perModel.length, 'model')} failing: ${failureList(failing)}`, unprobedNote);
}

/** The worst state among enabled providers (healthy when there are none). */
export function worstState(states: readonly HealthState[]): Exclude<HealthState, 'disabled'> {
	let worst: Exclude<HealthState, 'disabled'> = 'healthy';
	for (const state of states) if (state !== 'disabled' && severity[state] > severity[worst]) worst = state;
	return worst;
}

/** The exit code for a set of providers: see {@link healthExitCodes}. */
export function healthExitCode(states: readonly HealthState[]): number {
	return healthExitCodes[worstState(states)];
}

/** One line per provider, as `status` prints it in its Health section: "groq: degraded — 1 of 5 models failing: m3 (timeout)". */
export function statusLine(name: string, verdict: Pick<HealthVerdict, 'state' | 'reason'>): string {
	return `${name}: ${verdict.state} — ${verdict.reason}`;
}

/** The health of one provider from its summary (what `listProviders` returns): the one call every front end makes. */
export function providerHealth(summary: ProviderSummary, options: HealthOptions): HealthVerdict {
	return assessHealth(
		{
			enabled: summary.enabled,
			keyRequired: keyRequired(summary.type),
			servingKey: summary.servingKey,
			modelRuns: summary.modelRuns,
			keyFailures: summary.keyFailures,
		},
		options,
	);
}

import {describeObservedLimits, type ObservedLimits} from '../domain/observed-limits.js';
import type {ProbeKind} from '../domain/probe.js';
import type {ProviderType, RateLimits} from '../domain/provider.js';
import {UsageError} from '../errors.js';
import {describeLimits} from '../providers/index.js';
import type {ServiceContext} from './context.js';
import {checkEncryptionKey, EXIT_KEY, type KeyCheck} from './check-outcome.js';
import {healthExitCode, providerHealth, worstState, type HealthState, type HealthVerdict} from './health.js';
import {listProviders, type ProviderSummary} from './providers.js';

/**
 * `eval752 status`: every provider at a glance and one verdict a script can act on. It reads
 * the stored summaries only — it never decrypts a key and never calls a provider, so it is
 * cheap enough for a cron job and safe in read-only mode. Health comes from the health model
 * (services/health.ts): the serving key's probes of the configured models, as fresh as
 * `--max-age` demands.
 */

/** Default `--max-age`: a probe older than a day no longer vouches for a provider. */
export const DEFAULT_MAX_AGE_MS = 24 * 3600 * 1000;

export interface ProviderStatus {
	readonly id: string;
	readonly name: string;
	readonly type: ProviderType;
	readonly enabled: boolean;
	readonly probeKind: ProbeKind;
	readonly keys: {readonly active: number; readonly disabled: number};
	readonly models: number;
	readonly health: HealthVerdict;
	readonly rateLimits: RateLimits;
	/** `describeLimits` wording: what eval752 paces for its own requests, nothing more. */
	readonly limits: string;
	/** What the provider last said about its limits, and when (never enforced, only shown). */
	readonly observed: ObservedLimits | null;
	/** `describeObservedLimits` wording for it. */
	readonly observedText: string;
}

export interface StatusReport {
	readonly checkedAt: Date;
	readonly maxAgeMs: number;
	/** The worst state among enabled providers (healthy when there are none). */
	readonly state: Exclude<HealthState, 'disabled'>;
	/**
	 * What `status` exits with: the health verdict (0 healthy, 1 failing, 3 degraded, 4 unknown),
	 * or 6 when the encryption key can't open the stored keys (check-outcome.ts has every code).
	 */
	readonly exitCode: number;
	/** The encryption-key check (absent where the report covers only probed providers). */
	readonly key?: KeyCheck;
	/** Providers per state. */
	readonly counts: Readonly<Record<HealthState, number>>;
	readonly providers: readonly ProviderStatus[];
}

const UNITS: Readonly<Record<string, number>> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/** Longest accepted `--max-age`: a year; anything longer is a typo, not a policy. */
const MAX_AGE_LIMIT_MS = 366 * 86_400_000;

/** `30m`, `24h`, `7d` (also `90s`) → milliseconds; anything else is a usage error naming the form. */
export function parseDuration(text: string, flag = '--max-age', command = 'status'): number {
	const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
	const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
	if (!match || ms <= 0 || ms > MAX_AGE_LIMIT_MS) {
		throw new UsageError(`${command}: ${flag} must be a duration like 30m, 24h or 7d (from 1s to 366d)`, `eval752 ${command} --help`);
	}
	return ms;
}

/**
 * The way an operator would write it back: "24h" stays hours (a day is what people say only
 * from two on), "7d", "30m", "90s".
 */
export function formatDuration(ms: number): string {
	if (ms >= 2 * UNITS['d']! && ms % UNITS['d']! === 0) return `${ms / UNITS['d']!}d`;
	if (ms % UNITS['h']! === 0) return `${ms / UNITS['h']!}h`;
	if (ms % UNITS['m']! === 0) return `${ms / UNITS['m']!}m`;
	return `${Math.round(ms / 1000)}s`;
}

/** The status of one provider, as a pure function of its summary and the clock. */
export function assessProvider(summary: ProviderSummary, maxAgeMs: number, now: Date): ProviderStatus {
	return {
		id: summary.id,
		name: summary.name,
		type: summary.type,
		enabled: summary.enabled,
		probeKind: summary.probeKind,
		keys: {active: summary.keysActive, disabled: summary.keysTotal - summary.keysActive},
		models: summary.models,
		health: providerHealth(summary, {now, maxAgeMs}),
		rateLimits: summary.rateLimits,
		limits: describeLimits(summary.rateLimits),
		observed: summary.observedLimits,
		observedText: describeObservedLimits(summary.observedLimits, now),
	};
}

/** The report for a set of provider statuses (all of them for `status`; the probed ones for `probe`). */
export function reportOf(providers: readonly ProviderStatus[], maxAgeMs: number, now: Date): StatusReport {
	const states = providers.map((provider) => provider.health.state);
	const counts = {healthy: 0, degraded: 0, failing: 0, unknown: 0, disabled: 0} as Record<HealthState, number>;
	for (const state of states) counts[state]++;
	return {checkedAt: now, maxAgeMs, state: worstState(states), exitCode: healthExitCode(states), counts, providers};
}

/** A wrong or retired key decides the exit code: every probe would fail, whatever the stored health says. */
export function keyBlocks(key: KeyCheck | undefined): boolean {
	return key?.status === 'wrong';
}

export async function providerStatus(ctx: ServiceContext, options: {maxAgeMs?: number; now?: Date; ids?: readonly string[]} = {}): Promise<StatusReport> {
	const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
	const now = options.now ?? new Date();
	const wanted = options.ids ? new Set(options.ids) : undefined;
	const summaries = (await listProviders(ctx)).filter((summary) => !wanted || wanted.has(summary.id));
	const report = reportOf(
		summaries.map((summary) => assessProvider(summary, maxAgeMs, now)),
		maxAgeMs,
		now,
	);
	const key = checkEncryptionKey(ctx);
	return {...report, key, exitCode: keyBlocks(key) ? EXIT_KEY : report.exitCode};
}

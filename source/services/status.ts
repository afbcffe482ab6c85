import {families} from '../domain/families.js';
import type {ProviderType, RateLimits} from '../domain/provider.js';
import {UsageError} from '../errors.js';
import {describeLimits} from '../providers/index.js';
import type {ServiceContext} from './context.js';
import {listProviders, type ProviderSummary} from './providers.js';

/**
 * `eval752 status`: every provider at a glance and one verdict a script can act on. It reads
 * the stored summaries only — it never decrypts a key and never calls a provider, so it is
 * cheap enough for a cron job and safe in read-only mode. Health is judged from the last smoke
 * test: a provider is only as healthy as the evidence is fresh.
 */

/** Default `--max-age`: a smoke test older than a day no longer vouches for a provider. */
export const DEFAULT_MAX_AGE_MS = 24 * 3600 * 1000;

export type Health = 'healthy' | 'unhealthy' | 'disabled';

export interface ProviderStatus {
	readonly id: string;
	readonly name: string;
	readonly type: ProviderType;
	readonly enabled: boolean;
	readonly keys: {readonly active: number; readonly disabled: number};
	readonly models: number;
	readonly lastSmoke: {
		readonly outcome: string;
		readonly errorClass: string | null;
		readonly model: string;
		readonly at: Date;
		readonly ageMs: number;
		readonly totalMs: number | null;
	} | null;
	readonly rateLimits: RateLimits;
	/** `describeLimits` wording: what eval752 paces for its own requests, nothing more. */
	readonly limits: string;
	/** Disabled providers are not judged: they make nobody's status red. */
	readonly health: Health;
	/** Why it is unhealthy, one short phrase each; empty when healthy or disabled. */
	readonly problems: readonly string[];
}

export interface StatusReport {
	readonly checkedAt: Date;
	readonly maxAgeMs: number;
	/** True when every enabled provider is healthy (also when there are none). */
	readonly healthy: boolean;
	readonly providers: readonly ProviderStatus[];
}

const UNITS: Readonly<Record<string, number>> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/** Longest accepted `--max-age`: a year; anything longer is a typo, not a policy. */
const MAX_AGE_LIMIT_MS = 366 * 86_400_000;

/** `30m`, `24h`, `7d` (also `90s`) → milliseconds; anything else is a usage error naming the form. */
export function parseDuration(text: string, flag = '--max-age'): number {
	const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
	const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
	if (!match || ms <= 0 || ms > MAX_AGE_LIMIT_MS) {
		throw new UsageError(`status: ${flag} must be a duration like 30m, 24h or 7d (from 1s to 366d)`, 'eval752 status --help');
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

/** The verdict for one provider, as a pure function of its summary and the clock. */
export function assessProvider(summary: ProviderSummary, maxAgeMs: number, now: Date): ProviderStatus {
	const smoke = summary.lastSmoke;
	const ageMs = smoke ? Math.max(0, now.getTime() - smoke.at.getTime()) : 0;
	const problems: string[] = [];
	if (summary.enabled) {
		if (summary.keysActive === 0 && families[summary.type].keyRequired) problems.push('no active key');
		if (!smoke) problems.push('never smoke-tested');
		else {
			if (smoke.outcome === 'failed') problems.push(`last smoke test failed (${smoke.errorClass ?? 'unknown error'})`);
			if (ageMs > maxAgeMs) problems.push(`last smoke test is older than ${formatDuration(maxAgeMs)}`);
		}
	}
	return {
		id: summary.id,
		name: summary.name,
		type: summary.type,
		enabled: summary.enabled,
		keys: {active: summary.keysActive, disabled: summary.keysTotal - summary.keysActive},
		models: summary.models,
		lastSmoke: smoke ? {outcome: smoke.outcome, errorClass: smoke.errorClass, model: smoke.model, at: smoke.at, ageMs, totalMs: smoke.totalMs} : null,
		rateLimits: summary.rateLimits,
		limits: describeLimits(summary.rateLimits),
		health: !summary.enabled ? 'disabled' : problems.length > 0 ? 'unhealthy' : 'healthy',
		problems,
	};
}

export async function providerStatus(ctx: ServiceContext, options: {maxAgeMs?: number; now?: Date} = {}): Promise<StatusReport> {
	const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
	const now = options.now ?? new Date();
	const providers = (await listProviders(ctx)).map((summary) => assessProvider(summary, maxAgeMs, now));
	return {checkedAt: now, maxAgeMs, healthy: providers.every((provider) => provider.health !== 'unhealthy'), providers};
}

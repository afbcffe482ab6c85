import type {HealthVerdict} from '../services/health.js';
import type {ProviderStatus} from '../services/status.js';

function isoOrNull(date: Date | null | undefined): string | null {
	return date ? date.toISOString() : null;
}

/** One provider's health in JSON, shared by `status --json`, `probe --json` and `watch --json`. */
export function healthJson(health: HealthVerdict) {
	return {
		state: health.state,
		reason: health.reason,
		notes: health.notes,
		models: {
			total: health.models.total,
			ok: health.models.ok,
			failing: health.models.failing,
			stale: health.models.stale,
			untested: health.models.untested,
			each: health.perModel.map((entry) => ({
				model: entry.model,
				state: entry.state,
				outcome: entry.run?.outcome ?? null,
				errorClass: entry.run?.errorClass ?? null,
				probeKind: entry.run?.probeKind ?? null,
				at: isoOrNull(entry.run?.at),
				ageSeconds: entry.ageMs === null ? null : Math.round(entry.ageMs / 1000),
				latencyMs: entry.run?.totalMs ?? null,
			})),
		},
		lastProbe: health.last && {
			model: health.last.model,
			outcome: health.last.outcome,
			errorClass: health.last.errorClass,
			probeKind: health.last.probeKind,
			at: health.last.at.toISOString(),
			ageSeconds: Math.round(health.last.ageMs / 1000),
			latencyMs: health.last.totalMs,
		},
	};
}

/** The JSON of one provider's status; the shape is documented in --help and kept stable. */
export function providerStatusJson(provider: ProviderStatus, now: Date) {
	const health = healthJson(provider.health);
	return {
		id: provider.id,
		name: provider.name,
		type: provider.type,
		enabled: provider.enabled,
		probeKind: provider.probeKind,
		health: health.state,
		reason: health.reason,
		notes: health.notes,
		keys: provider.keys,
		models: health.models,
		lastProbe: health.lastProbe,
		rateLimits: provider.rateLimits,
		limits: provider.limits,
		observedLimits: provider.observed && {
			source: 'rate-limit headers of a probe response: what the provider said, not enforced by eval752',
			saidAt: provider.observed.at.toISOString(),
			ageSeconds: Math.max(0, Math.round((now.getTime() - provider.observed.at.getTime()) / 1000)),
			probeKind: provider.observed.probeKind,
			runId: provider.observed.runId,
			headers: provider.observed.headers,
			text: provider.observedText,
		},
	};
}

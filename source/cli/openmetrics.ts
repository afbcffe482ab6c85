import {renderFamilies, type Family} from '../lib/openmetrics.js';
import {healthStates} from '../services/health.js';
import type {StatusReport} from '../services/status.js';

/**
 * `eval752 status --format openmetrics`: per provider its health (one sample per state, 1 for the
 * current one), the latency and age of its newest probe, and its models by state; plus when the
 * report was made. Providers never probed have no latency or age sample (absent, not zero).
 */
export function renderOpenMetrics(report: StatusReport): string {
	const now = report.checkedAt.getTime();
	const base = (provider: StatusReport['providers'][number]) => ({provider: provider.name, type: provider.type});
	const families: Family[] = [
		{
			name: 'eval752_provider_health',
			help: 'Health of the provider by the health model: 1 for its current state, 0 for the others.',
			type: 'gauge',
			samples: report.providers.flatMap((provider) => healthStates.map((state) => ({labels: {...base(provider), state}, value: provider.health.state === state ? 1 : 0}))),
		},
		{
			name: 'eval752_provider_probe_latency_seconds',
			help: "Total time of the newest probe of the serving key on a configured model.",
			type: 'gauge',
			samples: report.providers
				.filter((provider) => provider.health.last?.totalMs != null)
				.map((provider) => ({labels: {...base(provider), model: provider.health.last!.model, probe: provider.health.last!.probeKind, outcome: provider.health.last!.outcome}, value: provider.health.last!.totalMs! / 1000})),
		},
		{
			name: 'eval752_provider_probe_age_seconds',
			help: 'Seconds since the newest probe of the serving key on a configured model ended.',
			type: 'gauge',
			samples: report.providers
				.filter((provider) => provider.health.last)
				.map((provider) => ({labels: base(provider), value: Math.max(0, (now - provider.health.last!.at.getTime()) / 1000)})),
		},
		{
			name: 'eval752_provider_models',
			help: 'Configured models of the provider by the state of their newest probe (ok, failing, stale, untested).',
			type: 'gauge',
			samples: report.providers.flatMap((provider) =>
				(['ok', 'failing', 'stale', 'untested'] as const).map((state) => ({labels: {...base(provider), state}, value: provider.health.models[state]})),
			),
		},
		{
			name: 'eval752_status_generated_timestamp_seconds',
			help: 'When this report was made (Unix time).',
			type: 'gauge',
			samples: [{labels: {}, value: now / 1000}],
		},
	];
	return renderFamilies(families);
}

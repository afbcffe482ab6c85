import {capabilityLabels, families} from '../../../domain/families.js';
import {describeObservedLimits} from '../../../domain/observed-limits.js';
import {probeKindDescriptions} from '../../../domain/probe.js';
import {formatMetrics, plural} from '../../../lib/metrics.js';
import {age} from '../../../lib/text.js';
import {providerHealth} from '../../../services/health.js';
import {describeDeclaredLimits} from '../../../services/providers.js';
import {runSparkline} from '../../../services/runs.js';
import {DEFAULT_MAX_AGE_MS} from '../../../services/status.js';
import {DetailView, type DetailLine} from '../../components/DetailView.js';
import {healthSymbols} from '../../health-cell.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {useServices} from '../../services.js';
import {useClock, useUi} from '../../ui-context.js';
import {providerTables} from '../providers/ProvidersPane.js';

/** Runs the detail view lists (the sparkline shows more). */
const LAST_RUNS = 8;
const SPARK_POINTS = 30;

/**
 * One provider in full (Enter or i on the board, g from an audit row): every field, the limits
 * eval752 enforces beside what the provider said of its own, its health and why, its keys with
 * age and last validation, its models with alias, and its last runs with a latency sparkline.
 * Read-only: it works in --read-only too. `h` opens the run history.
 */
export function ProviderView({providerId, active, width, height}: {readonly providerId: string; readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const now = useClock();
	const refresh = useLive([...providerTables]);
	const data = useAsyncResource(
		async () => {
			const [summary, keys, models, runs] = await Promise.all([
				services.providerSummary(providerId),
				services.listKeys(providerId),
				services.listModels(providerId),
				services.listRuns({provider: providerId, kind: 'smoke', limit: SPARK_POINTS}),
			]);
			return {summary, keys, models, runs};
		},
		[providerId],
		refresh,
	);
	let lines: DetailLine[] | undefined;
	const d = data.data;
	if (d) {
		const p = d.summary;
		const health = providerHealth(p, {now, maxAgeMs: DEFAULT_MAX_AGE_MS});
		const smokeRuns = d.runs.filter((run) => run.kind === 'smoke');
		lines = [
			{text: `${families[p.type].label} (${p.type}) · ${p.enabled ? 'enabled' : 'DISABLED'} · version ${p.version} · changed ${age(p.updatedAt, now)} ago${p.updatedBy ? ` by ${p.updatedBy}` : ''}`, tone: 'muted'},
			{text: `base URL ${p.baseUrl}`},
			{text: `capabilities ${p.capabilities.map((c) => capabilityLabels[c]).join(', ') || 'none'}`},
			{text: `probe ${p.probeKind}: ${probeKindDescriptions[p.probeKind]}`},
			{text: `extra headers ${Object.keys(p.extraHeaders).length === 0 ? 'none' : Object.entries(p.extraHeaders).map(([name, value]) => `${name}: ${value}`).join(' · ')}`},
			{text: ''},
			{text: 'Health', tone: 'heading'},
			{text: `${healthSymbols[health.state]} ${health.state} — ${health.reason}`, tone: health.state === 'healthy' ? 'ok' : health.state === 'failing' ? 'error' : health.state === 'degraded' ? 'warn' : 'muted', indent: 2},
			...health.notes.map((note) => ({text: note, tone: 'muted' as const, indent: 2})),
			...health.perModel.map((m) => ({
				text: `${m.model}: ${m.state}${m.run ? ` · ${m.run.probeKind} ${m.run.outcome === 'ok' ? 'ok' : (m.run.errorClass ?? 'failed')} ${age(m.run.at, now)} ago` : ''}`,
				indent: 4,
				tone: m.state === 'failing' ? ('error' as const) : m.state === 'ok' ? undefined : ('muted' as const),
			})),
			{text: ''},
			{text: 'Limits', tone: 'heading'},
			{text: `declared: ${describeDeclaredLimits(p.rateLimits)}`, indent: 2},
			{text: `observed: ${describeObservedLimits(p.observedLimits, now)} — never enforced, only shown`, indent: 2, tone: 'muted'},
			{text: ''},
			{text: `Keys (${d.keys.length})`, tone: 'heading'},
			...(d.keys.length === 0 ? [{text: 'none — a to add one on the keys pane', tone: 'muted' as const, indent: 2}] : []),
			...d.keys.map((k) => ({
				text: `${k.displayHint}${k.label ? ` (${k.label})` : ''} · ${k.status} · priority ${k.priority} · added ${age(k.createdAt, now)} ago · ${
					k.lastValidation ? `last validation ${k.lastValidation.outcome === 'ok' ? 'ok' : `${k.lastValidation.errorClass ?? k.lastValidation.outcome}`} on ${k.lastValidation.model} ${age(new Date(k.lastValidation.at), now)} ago` : 'never validated'
				}${p.servingKey?.id === k.id ? ' · serves traffic' : ''}`,
				indent: 2,
				tone: k.status === 'active' ? undefined : ('muted' as const),
			})),
			{text: ''},
			{text: `Models (${d.models.length})`, tone: 'heading'},
			...(d.models.length === 0 ? [{text: 'none — a to attach one on the models pane', tone: 'muted' as const, indent: 2}] : []),
			...d.models.map((m) => ({text: `${m.modelName}${m.alias ? ` → ${m.alias}` : ''}${m.displayLabel && m.displayLabel !== m.modelName ? ` (${m.displayLabel})` : ''}`, indent: 2})),
			{text: ''},
			{text: `Last runs ${smokeRuns.length > 0 ? runSparkline([...smokeRuns].reverse().map((run) => ({providerId, at: run.at, outcome: run.outcome, errorClass: run.errorClass, totalMs: run.totalMs, probeKind: run.probeKind, modelName: run.model})), SPARK_POINTS) : ''}`, tone: 'heading'},
			...(smokeRuns.length === 0 ? [{text: 'never probed — s probes it from the board', tone: 'muted' as const, indent: 2}] : []),
			...smokeRuns.slice(0, LAST_RUNS).map((run) => ({
				text: `${age(run.at, now)} ago · ${run.probeKind} · ${run.model} · ${run.outcome === 'ok' ? 'ok' : run.outcome === 'cancelled' ? 'cancelled' : `✕ ${run.errorClass ?? 'failed'}`} · ${formatMetrics({ttftMs: run.ttftMs, totalMs: run.totalMs, outputTokens: run.outputTokens, tokensPerSecond: null, outputTokensEstimated: run.tokensEstimated})}`,
				indent: 2,
				tone: run.outcome === 'failed' ? ('error' as const) : undefined,
			})),
			...(smokeRuns.length > LAST_RUNS ? [{text: `${plural(smokeRuns.length - LAST_RUNS, 'older run')} — h lists them all`, tone: 'muted' as const, indent: 2}] : []),
		];
	}
	return (
		<DetailView
			title={d ? `Provider ${d.summary.name}` : 'Provider'}
			lines={lines}
			error={data.error}
			loading="Loading the provider…"
			hint="h run history · j/k scroll · Esc back"
			active={active}
			width={width}
			height={height}
			commands={{
				history: () => ui.open({kind: 'runs', providerId}),
				jump: () => ui.flash('This is the provider itself: Esc goes back', 'info'),
			}}
		/>
	);
}

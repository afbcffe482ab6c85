import {formatMetrics, plural, tokensText} from '../../../lib/metrics.js';
import type {RunDetail} from '../../../services/runs.js';
import {DetailView, type DetailLine} from '../../components/DetailView.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useServices} from '../../services.js';
import {useUi} from '../../ui-context.js';

const when = (date: Date | null) => (date ? `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '—');

function linesOf(detail: RunDetail): DetailLine[] {
	if (detail.kind === 'smoke') {
		const run = detail.run;
		const lines: DetailLine[] = [
			{text: `${run.probeKind} probe of ${run.providerName} · ${run.modelName} · key ${run.keyHint ?? 'none'}`, tone: 'heading'},
			{text: `started ${when(run.startedAt)} by ${run.actor} · finished ${when(run.finishedAt)}`, tone: 'muted'},
			{text: `${run.outcome === 'ok' ? '✓ ok' : run.outcome === 'cancelled' ? '■ cancelled' : `✕ ${run.errorClass ?? 'failed'}`} · ${formatMetrics({ttftMs: run.ttftMs, totalMs: run.totalMs, outputTokens: run.outputTokens, tokensPerSecond: run.tokensPerSecond, outputTokensEstimated: run.tokensEstimated})}`, tone: run.outcome === 'ok' ? 'ok' : run.outcome === 'failed' ? 'error' : 'warn'},
			{text: tokensText({inputTokens: run.inputTokens, outputTokens: run.outputTokens, estimated: run.tokensEstimated}), tone: 'muted'},
		];
		if (run.errorMessage) lines.push({text: ''}, {text: run.errorMessage, tone: 'error'});
		if (run.hint) lines.push({text: `try: ${run.hint}`, tone: 'muted'});
		if (run.rateHeaders && Object.keys(run.rateHeaders).length > 0) {
			lines.push({text: ''}, {text: 'Rate-limit headers (what the provider said)', tone: 'heading'});
			for (const [name, value] of Object.entries(run.rateHeaders)) lines.push({text: `${name}: ${value}`, indent: 2});
		}
		lines.push({text: ''}, {text: 'Answer (excerpt as stored)', tone: 'heading'});
		for (const line of (run.excerpt || '(nothing)').split('\n')) lines.push({text: line, indent: 2});
		return lines;
	}
	const {run, results} = detail;
	const lines: DetailLine[] = [
		{text: `comparison of ${run.alias} · ${run.status} · ${plural(results.length, 'target')}`, tone: 'heading'},
		{text: `started ${when(run.startedAt)} by ${run.actor} · finished ${when(run.finishedAt)}`, tone: 'muted'},
		{text: `prompt: ${run.prompt}`},
	];
	for (const result of results) {
		lines.push({text: ''});
		lines.push({text: `${result.outcome === 'ok' ? '✓' : result.outcome === 'cancelled' ? '■' : '✕'} ${result.providerName} · ${result.modelName}`, tone: result.outcome === 'ok' ? 'ok' : result.outcome === 'cancelled' ? 'warn' : 'error'});
		lines.push({text: formatMetrics({ttftMs: result.ttftMs, totalMs: result.totalMs, outputTokens: result.outputTokens, tokensPerSecond: result.tokensPerSecond}), tone: 'muted', indent: 2});
		if (result.errorMessage) lines.push({text: `${result.errorClass ?? 'error'}: ${result.errorMessage}`, tone: 'error', indent: 2});
		if (result.hint) lines.push({text: `try: ${result.hint}`, tone: 'muted', indent: 2});
		for (const line of (result.excerpt || (result.outcome === 'ok' ? '(empty answer)' : '')).split('\n')) if (line !== '' || result.excerpt) lines.push({text: line, indent: 2});
	}
	return lines;
}

/** One stored run in full: a probe with its answer, metrics, error and hint; a comparison with every target's. */
export function RunView({runId, active, width, height}: {readonly runId: string; readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const run = useAsyncResource(() => services.getRun(runId), [runId], 0);
	const detail = run.data;
	const providerId = detail?.kind === 'smoke' ? detail.run.providerId : null;
	return (
		<DetailView
			title={detail?.kind === 'compare' ? `Comparison ${runId.slice(0, 8)}` : `Run ${runId.slice(0, 8)}`}
			lines={detail ? linesOf(detail) : undefined}
			error={run.error}
			loading="Loading the run…"
			hint={providerId ? 'g the provider · j/k scroll · Esc back' : 'j/k scroll · Esc back'}
			active={active}
			width={width}
			height={height}
			commands={{
				jump: () => (providerId ? ui.open({kind: 'provider', providerId}) : ui.flash('Nothing to go to from here (a comparison spans providers, or the provider is gone)', 'info')),
				history: () => providerId && ui.open({kind: 'runs', providerId}),
			}}
		/>
	);
}

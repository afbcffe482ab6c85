import {Box} from 'ink';
import {latencyBar} from '../../../domain/latency-bar.js';
import {milliseconds as ms, plural, rate as rateText, tailLines} from '../../../lib/metrics.js';
import {pad, truncate} from '../../../lib/text.js';
import {Spinner} from '../../components/Spinner.js';
import {Text} from '../../components/Text.js';
import type {Theme} from '../../theme.js';
import type {ComparisonState, TargetProgress} from './use-comparison.js';

export interface ComparisonViewProps {
	readonly state: ComparisonState;
	/** Inner width and height of the pane. */
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}

/** Below this a column cannot hold "provider · model", the metrics and readable text: stack instead. */
export const MIN_COLUMN = 26;

/** The width of each side-by-side column, or 0 when the targets must be stacked as rows. */
export function columnWidth(width: number, count: number): number {
	if (count < 2) return 0;
	const each = Math.floor((width - (count - 1)) / count);
	return each >= MIN_COLUMN ? each : 0;
}



function outcomeOf(t: TargetProgress): {mark: string; text: string; tone: 'ok' | 'error' | 'warn' | 'accent' | 'muted'} {
	if (!t.result) return t.phase === 'queued' ? {mark: '·', text: 'waiting for a slot', tone: 'muted'} : {mark: '●', text: 'streaming', tone: 'accent'};
	if (t.result.outcome === 'ok') return {mark: '✓', text: 'ok', tone: 'ok'};
	if (t.result.outcome === 'cancelled') return {mark: '■', text: 'cancelled', tone: 'warn'};
	return {mark: '✕', text: t.result.errorClass ?? 'failed', tone: 'error'};
}

function metricsOf(t: TargetProgress): string {
	const ttft = `ttft ${ms(t.result?.ttftMs ?? t.ttftMs)}`;
	if (!t.result) return ttft;
	return `${ttft} · total ${ms(t.result.totalMs)} · ${rateText(t.result.tokensPerSecond, t.result.outputTokensEstimated)}`;
}

/** What the text area shows: the stream's tail, or the error and its hint. */
function bodyLines(t: TargetProgress, width: number, height: number): {lines: string[]; error: boolean} {
	if (t.result && t.result.outcome === 'failed') {
		const message = `${t.result.message ?? 'failed'}${t.result.hint ? ` — try: ${t.result.hint}` : ''}`;
		// The start of an error says what happened; the end of a stream is what is new.
		return {lines: tailLines(message, width, Number.MAX_SAFE_INTEGER).slice(0, Math.max(0, height)), error: true};
	}
	return {lines: tailLines(t.text, width, height), error: false};
}

/**
 * One alias comparison: every target side by side when each gets MIN_COLUMN columns, stacked
 * rows otherwise; then a latency bar chart scaled to the slowest total. Pure: the data comes from
 * useComparison, which already throttles redraws.
 */
export function ComparisonView({state, width, height, theme}: ComparisonViewProps) {
	const tone = (name: ReturnType<typeof outcomeOf>['tone']) => (name === 'ok' ? theme.ok : name === 'error' ? theme.error : name === 'warn' ? theme.warn : name === 'accent' ? theme.accent : theme.muted);
	let status;
	if (state.status === 'starting') status = <Spinner label={`Starting the comparison of ${state.alias}… Esc cancels`} />;
	else if (state.status === 'running') status = <Spinner label={`comparing ${state.alias} on ${plural(state.targets.length, 'target')} at once · Esc cancels every request`} />;
	else if (state.status === 'finished')
		status = (
			<Text color={theme.ok} wrap="truncate">
				✓ Comparison finished in {ms(state.wallMs)} · stored · Esc back to the aliases
			</Text>
		);
	else if (state.status === 'cancelled')
		status = (
			<Text color={theme.warn} wrap="truncate">
				■ Comparison cancelled: every request closed; stored as cancelled · Esc back
			</Text>
		);
	else if (state.status === 'failed')
		status = (
			<Text wrap="wrap">
				<Text color={theme.error}>✕ {state.error?.message ?? 'The comparison failed'}</Text>
				{state.error?.hint ? <Text color={theme.muted}> try: {state.error.hint}</Text> : null}
			</Text>
		);
	else status = <Text color={theme.muted}>Choose an alias and press c (or Enter) to compare.</Text>;

	const targets = state.targets;
	const n = targets.length;
	const fixed = 2 + (n > 0 ? 1 + n : 0);
	const column = columnWidth(width, n);

	let grid = null;
	if (n > 0 && column > 0) {
		const textHeight = Math.max(0, height - fixed - 3);
		grid = (
			<Box flexDirection="row">
				{targets.map((t, i) => {
					const o = outcomeOf(t);
					const body = bodyLines(t, column, textHeight);
					const rate = t.result?.tokensPerSecond == null ? '' : ` · ${rateText(t.result.tokensPerSecond, t.result.outputTokensEstimated)}`;
					return (
						<Box key={t.target.index} flexDirection="column" width={column} marginRight={i < n - 1 ? 1 : 0}>
							<Text bold wrap="truncate">
								{truncate(`${t.target.providerName} · ${t.target.modelName}`, column)}
							</Text>
							<Text color={tone(o.tone)} wrap="truncate">
								{truncate(`${o.mark} ${o.text}${rate}`, column)}
							</Text>
							<Text color={theme.muted} wrap="truncate">
								{truncate(`ttft ${ms(t.result?.ttftMs ?? t.ttftMs)} · total ${ms(t.result?.totalMs ?? null)}`, column)}
							</Text>
							{body.lines.map((line, j) => (
								<Text key={j} color={body.error ? theme.error : undefined} wrap="truncate">
									{line || ' '}
								</Text>
							))}
						</Box>
					);
				})}
			</Box>
		);
	} else if (n > 0) {
		const per = Math.floor(Math.max(0, height - fixed) / n);
		const textHeight = Math.max(0, per - 1);
		grid = (
			<Box flexDirection="column">
				{targets.map((t) => {
					const o = outcomeOf(t);
					const name = truncate(`${t.target.providerName} · ${t.target.modelName}`, Math.min(34, Math.floor(width / 2)));
					const body = bodyLines(t, Math.max(1, width - 2), textHeight);
					return (
						<Box key={t.target.index} flexDirection="column">
							<Text wrap="truncate">
								<Text color={tone(o.tone)}>{o.mark}</Text> <Text bold>{name}</Text> <Text color={tone(o.tone)}>{o.text}</Text>
								<Text color={theme.muted}> {truncate(metricsOf(t), Math.max(0, width - name.length - o.text.length - 4))}</Text>
							</Text>
							{body.lines.map((line, j) => (
								<Text key={j} color={body.error ? theme.error : undefined} wrap="truncate">
									{'  '}
									{line || ' '}
								</Text>
							))}
						</Box>
					);
				})}
			</Box>
		);
	}

	return (
		<Box flexDirection="column">
			{status}
			<Text color={theme.muted} wrap="truncate">
				{state.prompt === null ? ' ' : truncate(`prompt: “${state.prompt.replace(/\s+/g, ' ')}”`, width)}
			</Text>
			{grid}
			{n > 0 ? <LatencyChart targets={targets} width={width} theme={theme} /> : null}
		</Box>
	);
}

/** Total time per target as bars scaled to the slowest; failures show their class instead. */
function LatencyChart({targets, width, theme}: {readonly targets: readonly TargetProgress[]; readonly width: number; readonly theme: Theme}) {
	const providerNames = targets.map((t) => t.target.providerName);
	const unique = new Set(providerNames).size === providerNames.length;
	const labels = targets.map((t) => (unique ? t.target.providerName : `${t.target.providerName}·${t.target.modelName}`));
	const labelWidth = Math.min(18, Math.max(...labels.map((label) => label.length)));
	const valueWidth = 9;
	const barWidth = Math.max(4, width - labelWidth - valueWidth - 3);
	const slowest = Math.max(0, ...targets.map((t) => (t.result?.outcome === 'ok' ? (t.result.totalMs ?? 0) : 0)));
	return (
		<Box flexDirection="column">
			<Text color={theme.muted} wrap="truncate">
				total time, scaled to the slowest ({ms(slowest > 0 ? slowest : null)})
			</Text>
			{targets.map((t, i) => {
				const label = pad(truncate(labels[i]!, labelWidth), labelWidth);
				const result = t.result;
				if (result?.outcome === 'ok' && result.totalMs !== null) {
					const bar = latencyBar(result.totalMs, slowest, barWidth);
					return (
						<Text key={t.target.index} wrap="truncate">
							{label} <Text color={theme.accent}>{pad(bar, barWidth)}</Text> {ms(result.totalMs).padStart(valueWidth)}
						</Text>
					);
				}
				const o = outcomeOf(t);
				const color = o.tone === 'error' ? theme.error : o.tone === 'warn' ? theme.warn : theme.muted;
				return (
					<Text key={t.target.index} wrap="truncate">
						{label} <Text color={color}>{o.mark} {result ? o.text : '…'}</Text>
					</Text>
				);
			})}
		</Box>
	);
}

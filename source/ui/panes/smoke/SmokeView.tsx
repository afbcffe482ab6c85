import {Box} from 'ink';
import {tailLines} from '../../../lib/metrics.js';
import {stripTerminalControls} from '../../../lib/sanitize.js';
import {truncate, wrapText} from '../../../lib/text.js';
import {Spinner} from '../../components/Spinner.js';
import {Text} from '../../components/Text.js';
import type {Theme} from '../../theme.js';
import type {SmokeState} from './use-smoke.js';

export interface SmokeViewProps {
	readonly state: SmokeState;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
	/** Seconds since the running test started. */
	readonly elapsed: number | null;
}

/** At most `rows` of `lines`, the last one ending in "…" when some were left out. */
function fitRows(lines: readonly string[], rows: number, width: number): string[] {
	if (rows <= 0) return [];
	if (lines.length <= rows) return [...lines];
	const kept = lines.slice(0, rows);
	kept[rows - 1] = truncate(`${kept[rows - 1]!} ${lines[rows]!}`, width);
	return kept;
}

/** Streamed model output (sanitised and redacted by the provider layer), newest lines at the bottom. */
export function SmokeView({state, width, height, theme, elapsed}: SmokeViewProps) {
	if (state.status === 'idle') {
		return (
			<Text color={theme.muted} wrap="wrap">
				Press s to smoke-test the selected provider (its model and key). Esc cancels.
			</Text>
		);
	}
	// A failure's "try:" hint and its message get their own wrapped lines: at 80×24 the hint must be
	// on screen, not cut off after the message (the flash line repeats the message, so the hint
	// comes first when rows are short). The answer gets what is left.
	const failed = state.error && state.status !== 'cancelled' ? state.error : null;
	const wrapWidth = Math.max(1, width);
	const rows = Math.max(0, height - 1);
	const hintAll = failed?.hint ? wrapText(stripTerminalControls(`try: ${failed.hint}`), wrapWidth) : [];
	const hint = fitRows(hintAll, Math.min(3, rows), wrapWidth);
	const message = failed ? fitRows(wrapText(stripTerminalControls(failed.message), wrapWidth), Math.min(2, rows - hint.length), wrapWidth) : [];
	const lines = tailLines(state.text, wrapWidth, Math.max(0, rows - message.length - hint.length));
	return (
		<Box flexDirection="column">
			{lines.map((line, i) => (
				<Text key={i} wrap="truncate">
					{line || ' '}
				</Text>
			))}
			{state.status === 'running' ? (
				<Spinner frame={state.frame} label={`streaming from ${state.title}${elapsed !== null ? ` · ${elapsed}s` : ''} · Esc cancels`} />
			) : (
				<Text color={state.status === 'ok' ? theme.ok : state.status === 'cancelled' ? theme.warn : theme.error} wrap="truncate">
					{state.summary}
				</Text>
			)}
			{message.map((line, i) => (
				<Text key={`m${i}`} color={theme.error} wrap="truncate">
					{line}
				</Text>
			))}
			{hint.map((line, i) => (
				<Text key={`h${i}`} color={theme.muted} wrap="truncate">
					{line}
				</Text>
			))}
		</Box>
	);
}

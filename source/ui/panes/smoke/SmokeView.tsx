import {Box} from 'ink';
import {tailLines} from '../../../lib/metrics.js';
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

/** Streamed model output (sanitised and redacted by the provider layer), newest lines at the bottom. */
export function SmokeView({state, width, height, theme, elapsed}: SmokeViewProps) {
	if (state.status === 'idle') {
		return (
			<Text color={theme.muted} wrap="wrap">
				Press s to smoke-test the selected provider (its model and key). Esc cancels.
			</Text>
		);
	}
	const statusLines = 1 + (state.error && state.status !== 'cancelled' ? 1 : 0);
	const lines = tailLines(state.text, Math.max(1, width), Math.max(0, height - statusLines));
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
			{state.error && state.status !== 'cancelled' ? (
				<Text wrap="truncate">
					<Text color={theme.error}>{state.error.message}</Text>
					{state.error.hint ? <Text color={theme.muted}> try: {state.error.hint}</Text> : null}
				</Text>
			) : null}
		</Box>
	);
}

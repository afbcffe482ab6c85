import {Box, Text} from 'ink';
import type {Theme} from '../theme.js';
import {tailLines, type SmokeState} from '../use-smoke.js';
import {Spinner} from '../components/Spinner.js';

export interface SmokeViewProps {
	readonly state: SmokeState;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}

/** Streamed model output (already sanitised by the provider layer), newest lines at the bottom. */
export function SmokeView({state, width, height, theme}: SmokeViewProps) {
	if (state.status === 'idle') {
		return <Text color={theme.muted}>Press s to smoke-test the selected provider (its model and key). Esc cancels.</Text>;
	}
	const statusLines = (state.status === 'running' ? 1 : 1) + (state.error ? 1 : 0);
	const lines = tailLines(state.text, Math.max(1, width), Math.max(0, height - statusLines));
	return (
		<Box flexDirection="column">
			{lines.map((line, i) => (
				<Text key={i} wrap="truncate">
					{line || ' '}
				</Text>
			))}
			{state.status === 'running' ? (
				<Spinner label={`streaming from ${state.title} · Esc cancels`} />
			) : (
				<Text color={state.status === 'ok' ? theme.ok : state.status === 'cancelled' ? theme.warn : theme.error} wrap="truncate">
					{state.summary}
				</Text>
			)}
			{state.error && state.status !== 'cancelled' ? (
				<Text wrap="truncate">
					<Text color={theme.error}>{state.error.message}</Text>
					<Text color={theme.muted}> try: {state.error.hint}</Text>
				</Text>
			) : null}
		</Box>
	);
}

import {Box, Text} from 'ink';
import {age, pad, truncate} from '../../lib/text.js';
import type {ProviderSummary} from '../../services/providers.js';
import type {Theme} from '../theme.js';
import {windowStart} from '../state.js';

export interface ProvidersViewProps {
	readonly providers: readonly ProviderSummary[] | undefined;
	readonly error: Error | undefined;
	readonly cursor: number;
	readonly focused: boolean;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
	readonly filter: string;
	readonly now: Date;
}

export function smokeCell(p: ProviderSummary): {text: string; tone: 'ok' | 'error' | 'muted'} {
	if (!p.lastSmoke) return {text: '— never', tone: 'muted'};
	if (p.lastSmoke.outcome === 'ok') return {text: '✓ ok', tone: 'ok'};
	if (p.lastSmoke.outcome === 'cancelled') return {text: '■ cancelled', tone: 'muted'};
	return {text: `✕ ${p.lastSmoke.errorClass ?? 'failed'}`, tone: 'error'};
}

/** The board: one provider per row, only the visible window rendered. */
export function ProvidersView({providers, error, cursor, focused, width, height, theme, filter, now}: ProvidersViewProps) {
	if (error && !providers) return <Text color={theme.error}>✕ {error.message}</Text>;
	if (!providers) return <Text color={theme.muted}>Loading providers…</Text>;
	if (providers.length === 0) {
		return filter ? (
			<Text color={theme.muted}>No provider matches “{filter}”. Esc clears the filter.</Text>
		) : (
			<Box flexDirection="column">
				<Text>No providers yet.</Text>
				<Text color={theme.muted}>Press a to add one, or run eval752 import-env to bring in OPENAI_API_KEY and friends.</Text>
			</Box>
		);
	}
	const rows = Math.max(1, height - 1);
	const start = windowStart(cursor, providers.length, rows);
	const nameWidth = Math.max(8, Math.min(24, width - 58));
	const header = `${pad('NAME', nameWidth)} ${pad('TYPE', 17)} ${pad('ON', 3)} ${pad('KEYS', 5)} ${pad('LAST SMOKE', 15)} ${pad('AGE', 4)} LATENCY`;
	return (
		<Box flexDirection="column">
			<Text color={theme.muted} wrap="truncate">
				{truncate(header, width)}
			</Text>
			{providers.slice(start, start + rows).map((p, i) => {
				const selected = start + i === cursor;
				const smoke = smokeCell(p);
				const latency = p.lastSmoke?.totalMs == null ? '—' : `${p.lastSmoke.totalMs} ms`;
				return (
					<Box key={p.id}>
						<Text inverse={selected && focused} bold={selected} wrap="truncate">
							{selected ? '›' : ' '}
							{pad(truncate(p.name, nameWidth - 1), nameWidth - 1)} {pad(p.type, 17)}
						</Text>
						<Text color={p.enabled ? theme.ok : theme.muted}> {pad(p.enabled ? 'on' : 'off', 3)}</Text>
						<Text color={p.keysActive === 0 ? theme.warn : undefined}> {pad(`${p.keysActive}/${p.keysTotal}`, 5)}</Text>
						<Text color={smoke.tone === 'ok' ? theme.ok : smoke.tone === 'error' ? theme.error : theme.muted}> {pad(truncate(smoke.text, 15), 15)}</Text>
						<Text color={theme.muted}> {pad(age(p.lastSmoke?.at, now), 4)}</Text>
						<Text wrap="truncate"> {latency}</Text>
					</Box>
				);
			})}
		</Box>
	);
}

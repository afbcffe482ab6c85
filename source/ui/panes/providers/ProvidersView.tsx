import {Box} from 'ink';
import {age, layoutColumns, pad, truncate, type ColumnSpec} from '../../../lib/text.js';
import type {ProviderSummary} from '../../../services/providers.js';
import {listStatus} from '../../components/ListStatus.js';
import {Text} from '../../components/Text.js';
import {windowStart} from '../../hooks/use-selection.js';
import type {Theme} from '../../theme.js';

export interface ProvidersViewProps {
	readonly providers: readonly ProviderSummary[] | undefined;
	readonly error: Error | undefined;
	readonly index: number;
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

const columns: readonly ColumnSpec[] = [
	{header: 'NAME', min: 10, max: 24, keep: 9},
	{header: 'TYPE', min: 8, max: 17, keep: 3},
	{header: 'ON', min: 3, max: 3, keep: 7},
	{header: 'KEYS', min: 4, max: 5, keep: 6},
	{header: 'LAST SMOKE', min: 10, max: 15, keep: 8},
	{header: 'AGE', min: 4, max: 4, keep: 5},
	{header: 'LATENCY', min: 7, max: 8, keep: 4},
];

/** The board: one provider per row, only the visible window rendered; columns fit from 60 columns up. */
export function ProvidersView({providers, error, index, focused, width, height, theme, filter, now}: ProvidersViewProps) {
	const empty = filter ? `No provider matches “${filter}”. Esc clears the filter.` : 'No providers yet. Press a to add one, or run eval752 import-env to bring in OPENAI_API_KEY and friends.';
	const status = listStatus({items: providers, error, noun: 'providers', empty, theme});
	if (status || !providers) return status;
	const widths = layoutColumns(width - 1, columns);
	const rows = Math.max(1, height - 1);
	const start = windowStart(index, providers.length, rows);
	const cell = (text: string, i: number) => (widths[i]! > 0 ? ` ${pad(truncate(text, widths[i]!), widths[i]!)}` : '');
	return (
		<Box flexDirection="column">
			<Text color={theme.muted} wrap="truncate">
				{' '}
				{columns
					.map((c, i) => (widths[i]! > 0 ? pad(c.header, widths[i]!) : null))
					.filter((c) => c !== null)
					.join(' ')}
			</Text>
			{providers.slice(start, start + rows).map((p, i) => {
				const selected = start + i === index;
				const smoke = smokeCell(p);
				const latency = p.lastSmoke?.totalMs == null ? '—' : `${p.lastSmoke.totalMs} ms`;
				return (
					<Box key={p.id}>
						<Text inverse={selected && focused} bold={selected} wrap="truncate">
							{selected ? '›' : ' '}
							{pad(truncate(p.name, widths[0]!), widths[0]!)}
							{cell(p.type, 1)}
						</Text>
						<Text color={p.enabled ? theme.ok : theme.muted}>{cell(p.enabled ? 'on' : 'off', 2)}</Text>
						<Text color={p.keysActive === 0 ? theme.warn : undefined}>{cell(`${p.keysActive}/${p.keysTotal}`, 3)}</Text>
						<Text color={smoke.tone === 'ok' ? theme.ok : smoke.tone === 'error' ? theme.error : theme.muted}>{cell(smoke.text, 4)}</Text>
						<Text color={theme.muted}>{cell(age(p.lastSmoke?.at, now), 5)}</Text>
						<Text wrap="truncate">{cell(latency, 6)}</Text>
					</Box>
				);
			})}
		</Box>
	);
}

import {Box} from 'ink';
import {age, layoutColumns, pad, truncate, type ColumnSpec} from '../../../lib/text.js';
import {providerHealth, type HealthVerdict} from '../../../services/health.js';
import type {ProviderSummary} from '../../../services/providers.js';
import {runSparkline, type RunPoint} from '../../../services/runs.js';
import {DEFAULT_MAX_AGE_MS} from '../../../services/status.js';
import {listStatus} from '../../components/ListStatus.js';
import {TableHeader} from '../../components/Table.js';
import {Text} from '../../components/Text.js';
import {healthColor, healthText} from '../../health-cell.js';
import type {Theme} from '../../theme.js';

export interface ProvidersViewProps {
	/** The rows on screen (loaded as a window of the list); undefined before the first load. */
	readonly providers: readonly ProviderSummary[] | undefined;
	/** The position of the first of them, and how many providers match in all. */
	readonly start: number;
	readonly count: number;
	readonly error: Error | undefined;
	readonly index: number;
	readonly focused: boolean;
	readonly width: number;
	readonly theme: Theme;
	readonly filter: string;
	readonly now: Date;
	/** Recent runs per provider id, oldest first, for the trend column (when it fits). */
	readonly trends: ReadonlyMap<string, readonly RunPoint[]> | undefined;
}

/** Rows of providers the board shows in a pane of `height` (a header line, then one per provider). */
export const visibleRows = (height: number) => Math.max(1, height - 1);

/** Points a trend cell shows. */
export const TREND_POINTS = 12;

/** From this width (the pane's inside) the board has a trend column. */
export const TREND_WIDTH = 98;

const columns: readonly ColumnSpec[] = [
	{header: 'NAME', min: 10, max: 24, keep: 9},
	{header: 'TYPE', min: 8, max: 17, keep: 3},
	{header: 'ON', min: 3, max: 3, keep: 6},
	{header: 'KEYS', min: 4, max: 5, keep: 5},
	{header: 'HEALTH', min: 10, max: 15, keep: 8},
	{header: 'AGE', min: 4, max: 4, keep: 4},
	{header: 'LATENCY', min: 7, max: 8, keep: 2},
	{header: 'TREND', min: TREND_POINTS, max: TREND_POINTS, keep: 1},
];

/**
 * The board: one provider per row, only the visible window rendered; columns fit from 60 columns
 * up (the trend, latency and type go first when narrow). Health comes from the one health model
 * `eval752 status` uses: the serving key on the configured models, within the last day.
 */
export function ProvidersView({providers, start, count, error, index, focused, width, theme, filter, now, trends}: ProvidersViewProps) {
	const empty = filter ? `No provider matches “${filter}”. Esc clears the filter.` : 'No providers yet. Press a to add one, or run eval752 import-env to bring in OPENAI_API_KEY and friends.';
	// Rows not loaded yet (a jump past the loaded window) show the spinner, not "no providers".
	const items = providers === undefined ? undefined : count === 0 ? providers : providers.length > 0 ? providers : undefined;
	const status = listStatus({items, error, noun: 'providers', empty, theme});
	if (status || !providers) return status;
	// The trend needs a wide terminal: below that its columns go to the name and the type.
	const widths = layoutColumns(width - 1, width >= TREND_WIDTH ? columns : columns.map((c) => (c.header === 'TREND' ? {...c, min: width, keep: -1} : c)));
	const cell = (text: string, i: number) => (widths[i]! > 0 ? ` ${pad(truncate(text, widths[i]!), widths[i]!)}` : '');
	return (
		<Box flexDirection="column">
			<TableHeader columns={columns} widths={widths} theme={theme} />
			{providers.map((p, i) => {
				const selected = start + i === index;
				const health: HealthVerdict = providerHealth(p, {now, maxAgeMs: DEFAULT_MAX_AGE_MS});
				const last = health.last;
				const latency = last?.totalMs == null ? '—' : `${last.totalMs} ms`;
				const trend = runSparkline(trends?.get(p.id) ?? [], TREND_POINTS);
				return (
					<Box key={p.id}>
						<Text inverse={selected && focused} bold={selected} wrap="truncate">
							{selected ? '›' : ' '}
							{pad(truncate(p.name, widths[0]!), widths[0]!)}
							{cell(p.type, 1)}
						</Text>
						<Text color={p.enabled ? theme.ok : theme.muted}>{cell(p.enabled ? 'on' : 'off', 2)}</Text>
						<Text color={p.keysActive === 0 ? theme.warn : undefined}>{cell(`${p.keysActive}/${p.keysTotal}`, 3)}</Text>
						<Text color={healthColor(health.state, theme)}>{cell(healthText(health), 4)}</Text>
						<Text color={theme.muted}>{cell(age(last?.at, now), 5)}</Text>
						<Text>{cell(latency, 6)}</Text>
						<Text color={theme.accent}>{cell(trend, 7)}</Text>
					</Box>
				);
			})}
		</Box>
	);
}

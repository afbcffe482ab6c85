import {Box} from 'ink';
import {age, layoutColumns, layoutRow, type ColumnSpec} from '../../../lib/text.js';
import {healthExitCodes} from '../../../services/health.js';
import {formatDuration, keyBlocks} from '../../../services/status.js';
import {ErrorText} from '../../components/ListStatus.js';
import {Pane} from '../../components/Pane.js';
import {Spinner} from '../../components/Spinner.js';
import {TableHeader, TableRows} from '../../components/Table.js';
import {Text} from '../../components/Text.js';
import {healthColor, healthText} from '../../health-cell.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useClock, useCommands, useUi} from '../../ui-context.js';
import {providerTables} from '../providers/ProvidersPane.js';

const columns: readonly ColumnSpec[] = [
	{header: 'PROVIDER', min: 10, max: 22, keep: 9},
	{header: 'HEALTH', min: 10, max: 14, keep: 8},
	{header: 'AGE', min: 4, max: 4, keep: 5},
	{header: 'WHY', min: 16, max: Number.POSITIVE_INFINITY, keep: 7},
];

/**
 * `:status`: what `eval752 status` says, in the dashboard — the verdict over every enabled
 * provider (with the exit code a script would get), then each provider's health and why. Enter
 * opens the provider.
 */
export function StatusPane({active, width, height}: {readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const now = useClock();
	const refresh = useLive([...providerTables]);
	const report = useAsyncResource(() => services.statusReport(), [], refresh);
	const providers = report.data?.providers;
	const selection = useSelection(providers, (p) => p.id);
	// The key line wraps to at most two rows at 80 columns.
	const rows = Math.max(1, height - 6 - (keyBlocks(report.data?.key) ? 2 : 0));
	useCommands(
		'status',
		{
			...listCommands(selection, rows),
			open: () => selection.selected && ui.open({kind: 'provider', providerId: selection.selected.id}),
		},
		active,
	);
	const widths = layoutColumns(width - 3, columns);
	const r = report.data;
	return (
		<Pane title="Status" focused theme={ui.theme} width={width} height={height} footer={providers ? `${providers.length === 0 ? 0 : selection.index + 1} of ${providers.length}` : undefined}>
			{report.error && !r ? <ErrorText error={report.error} theme={ui.theme} /> : null}
			{!r && !report.error ? <Spinner label="Judging every provider…" /> : null}
			{r ? (
				<Box flexDirection="column">
					{keyBlocks(r.key) ? (
						<Text color={ui.theme.error} wrap="wrap">
							{`WRONG KEY: ${r.key?.message ?? ''} — every probe would fail; eval752 status exits ${r.exitCode}`}
						</Text>
					) : null}
					<Text color={healthColor(r.state, ui.theme)} wrap="wrap">
						{`${r.state} overall (eval752 status exits ${r.exitCode}; ${healthExitCodes.healthy} healthy, ${healthExitCodes.failing} failing, ${healthExitCodes.degraded} degraded, ${healthExitCodes.unknown} unknown, 6 wrong key) · probes count for ${formatDuration(r.maxAgeMs)}`}
					</Text>
					<Text color={ui.theme.muted} wrap="truncate">
						{(['healthy', 'degraded', 'failing', 'unknown', 'disabled'] as const).map((state) => `${r.counts[state]} ${state}`).join(' · ')}
					</Text>
					<TableHeader columns={columns} widths={widths} theme={ui.theme} />
					<TableRows
						items={providers!}
						index={selection.index}
						rows={rows}
						keyOf={(p) => p.id}
						line={(p) => layoutRow([p.name, healthText(p.health), age(p.health.last?.at, now), [p.health.reason, ...p.health.notes].join('; ')], widths)}
						color={(p, selected) => (selected ? undefined : healthColor(p.health.state, ui.theme))}
					/>
				</Box>
			) : null}
		</Pane>
	);
}

import {Box} from 'ink';
import {milliseconds, plural} from '../../../lib/metrics.js';
import {age, layoutColumns, layoutRow, type ColumnSpec} from '../../../lib/text.js';
import type {RunListItem} from '../../../services/runs.js';
import {listStatus} from '../../components/ListStatus.js';
import {Pane} from '../../components/Pane.js';
import {TableHeader, TableRows} from '../../components/Table.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useClock, useCommands, useUi} from '../../ui-context.js';

/** Runs the history view loads: enough to scroll back through a day of scheduled probes. */
const HISTORY = 200;

const columns: readonly ColumnSpec[] = [
	{header: 'AGE', min: 4, max: 4, keep: 8},
	{header: 'KIND', min: 7, max: 7, keep: 7},
	{header: 'WHAT', min: 14, max: 40, keep: 9},
	{header: 'OUTCOME', min: 10, max: 18, keep: 8},
	{header: 'TOTAL', min: 8, max: 9, keep: 5},
	{header: 'BY', min: 8, max: 20, keep: 2},
];

function cells(run: RunListItem, now: Date): string[] {
	if (run.kind === 'smoke') {
		const outcome = run.outcome === 'ok' ? '✓ ok' : run.outcome === 'cancelled' ? '■ cancelled' : `✕ ${run.errorClass ?? 'failed'}`;
		return [age(run.at, now), run.probeKind, `${run.provider} · ${run.model}`, outcome, milliseconds(run.totalMs), run.actor];
	}
	const outcome = run.status === 'running' ? '● running' : run.status === 'cancelled' ? '■ cancelled' : run.failed > 0 ? `${run.ok} ok, ${run.failed} ✕` : `✓ ${run.ok} ok`;
	return [age(run.at, now), 'compare', `alias ${run.alias} · ${plural(run.targets, 'target')}`, outcome, milliseconds(run.slowestMs), run.actor];
}

/**
 * Run history (h on a provider or an alias, :runs for everything): smoke runs of every probe
 * kind and alias comparisons, newest first; Enter opens one in full.
 */
export function RunsPane({providerId, alias, active, width, height}: {readonly providerId?: string; readonly alias?: string; readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const now = useClock();
	const refresh = useLive(['smoke_runs', 'comparison_runs', 'providers']);
	const runs = useAsyncResource(() => services.listRuns({provider: providerId, alias, limit: HISTORY}), [providerId, alias], refresh);
	const title = useAsyncResource(providerId ? async () => (await services.getProvider(providerId)).name : undefined, [providerId], 0);
	const selection = useSelection(runs.data, (run) => run.id);
	const rows = Math.max(1, height - 4);
	useCommands(
		'runs',
		{
			...listCommands(selection, rows),
			open: () => selection.selected && ui.open({kind: 'run', runId: selection.selected.id, runKind: selection.selected.kind}),
		},
		active,
	);
	const what = providerId ? `provider ${title.data ?? '…'}` : alias ? `alias ${alias}` : 'every provider and alias';
	const list = runs.data;
	const status = listStatus({items: list, error: runs.error, noun: 'runs', empty: `No runs of ${what} yet: s on the board probes a provider, c on an alias compares it.`, theme: ui.theme});
	const widths = layoutColumns(width - 3, columns);
	return (
		<Pane title={`Runs · ${what}`} focused theme={ui.theme} width={width} height={height} footer={list ? `${list.length === 0 ? 0 : selection.index + 1} of ${list.length}${list.length >= HISTORY ? '+' : ''}` : undefined}>
			{status ?? (
				<Box flexDirection="column">
					<TableHeader columns={columns} widths={widths} theme={ui.theme} />
					<TableRows
						items={list!}
						index={selection.index}
						rows={rows}
						keyOf={(run) => run.id}
						line={(run) => layoutRow(cells(run, now), widths)}
						color={(run, selected) => ((run.kind === 'smoke' ? run.outcome === 'failed' : run.failed > 0) && !selected ? ui.theme.error : undefined)}
					/>
				</Box>
			)}
		</Pane>
	);
}

import {memo, useEffect} from 'react';
import {plural} from '../../../lib/metrics.js';
import type {ProviderSummary} from '../../../services/providers.js';
import {Pane} from '../../components/Pane.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {useListWindow} from '../../hooks/use-list-window.js';
import {listCommands} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useClock, useCommands, useUi} from '../../ui-context.js';
import {RotationWizard} from '../rotation/RotationWizard.js';
import {useSmokeControl} from '../smoke/use-smoke.js';
import {ProbePicker} from './ProbePicker.js';
import {ProviderForm} from './ProviderForm.js';
import {ProvidersView, TREND_POINTS, TREND_WIDTH, visibleRows} from './ProvidersView.js';

export interface ProvidersPaneProps {
	readonly focused: boolean;
	/** Takes the board's keys (focused, normal mode). */
	readonly active: boolean;
	readonly width: number;
	readonly height: number;
	readonly filter: string;
	/** `:provider NAME`: select this one. */
	readonly request: {readonly id: string; readonly seq: number} | null;
	readonly onSelect: (provider: ProviderSummary | null) => void;
}

/** What a provider row summarises: it reloads when any of these change. */
export const providerTables = ['providers', 'provider_keys', 'models', 'smoke_runs'] as const;

/** [1] Providers: the board. Loads the provider summaries, owns their keys, reports the selection. */
export const ProvidersPane = memo(function ProvidersPane({focused, active, width, height, filter, request, onSelect}: ProvidersPaneProps) {
	const services = useServices();
	const ui = useUi();
	const now = useClock();
	const smoke = useSmokeControl();
	const refresh = useLive(providerTables);
	// Only the rows on screen (and a few screens' worth around them) are loaded: the board costs the
	// same with 10 providers and with 2,000.
	const rows = visibleRows(height - 3);
	const selection = useListWindow(services.providerWindow, (p) => p.id, {filter, visible: rows, refresh});
	const selected = selection.selected;
	// Trends for the rows on screen only: one query, however long the list.
	const visibleIds = (selection.shown ?? []).map((p) => p.id);
	const trends = useAsyncResource(visibleIds.length > 0 && width - 2 >= TREND_WIDTH ? () => services.recentRuns(visibleIds, TREND_POINTS) : undefined, [visibleIds.join(','), width - 2 >= TREND_WIDTH], refresh);

	// A jump past the loaded rows has no row for a moment: the lower panes keep the provider they show until it arrives.
	const settledEmpty = selection.shown !== undefined && selection.count === 0;
	useEffect(() => {
		if (selected || settledEmpty) onSelect(selected ?? null);
	}, [selected, settledEmpty, onSelect]);
	useEffect(() => {
		if (request) selection.select(request.id);
		// A new request (seq) only.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [request?.seq]);

	const page = Math.max(1, height - 4);
	useCommands(
		'providers',
		{
			...listCommands(selection, page),
			open: () => selected && ui.open({kind: 'provider', providerId: selected.id}),
			filter: () => ui.editFilter(),
			history: () => selected && ui.open({kind: 'runs', providerId: selected.id}),
			add: () =>
				ui.openModal(
					<ProviderForm
						onSaved={(created) => {
							ui.closeModal();
							selection.select(created.id);
						}}
					/>,
				),
			edit: () => {
				if (!selected) return ui.flash('No provider to edit: press a to add one', 'error');
				// The row as it is now is what the form holds until it closes.
				const snapshot = selected;
				ui.openModal(<ProviderForm provider={snapshot} onSaved={() => ui.closeModal()} />);
			},
			toggle: () => {
				if (!selected) return;
				const target = selected;
				ui.act(async () => {
					await services.setProviderEnabled(target.id, !target.enabled, target.version);
					return `Provider ${target.name} ${target.enabled ? 'disabled' : 'enabled'}`;
				});
			},
			delete: () => {
				if (!selected) return;
				const target = selected;
				const parts = [target.keysTotal > 0 ? plural(target.keysTotal, 'key') : null, target.models > 0 ? plural(target.models, 'model') : null].filter(Boolean);
				ui.confirm(`Delete provider ${target.name}${parts.length > 0 ? ` and its ${parts.join(' and ')}` : ''}?`, async () => {
					await services.deleteProvider(target.id);
					return `Provider ${target.name} deleted`;
				});
			},
			smoke: () => {
				if (!selected) return ui.flash('Select a provider to smoke-test', 'error');
				if (selected.models === 0) return ui.flash(`Attach a model to ${selected.name} first (focus [3], press a)`, 'error');
				smoke.start({provider: selected.id}, `${selected.name} · ${selected.probeKind}`);
			},
			probe: () => {
				if (!selected) return ui.flash('Select a provider to probe', 'error');
				if (selected.models === 0) return ui.flash(`Attach a model to ${selected.name} first (focus [3], press a)`, 'error');
				const target = selected;
				ui.openModal(
					<ProbePicker
						providerName={target.name}
						current={target.probeKind}
						onPick={(probe) => {
							ui.closeModal();
							smoke.start({provider: target.id, probe}, `${target.name} · ${probe}`);
						}}
					/>,
				);
			},
			rotate: () => {
				if (!selected) return ui.flash('Add a provider first (focus [1] and press a)', 'error');
				ui.openModal(<RotationWizard providerId={selected.id} providerName={selected.name} />);
			},
		},
		active,
	);

	const {count, total} = selection;
	const footer = selection.shown ? `${count === 0 ? 0 : selection.index + 1} of ${count}${filter ? ` (${total} in all)` : ''}` : undefined;
	return (
		<Pane title={`Providers${filter ? ` /${filter}` : ''}`} number={1} focused={focused} theme={ui.theme} width={width} height={height} footer={footer}>
			<ProvidersView providers={selection.shown} start={selection.start} count={count} error={selection.error} index={selection.index} focused={focused} width={width - 2} theme={ui.theme} filter={filter} now={now} trends={trends.data} />
		</Pane>
	);
});

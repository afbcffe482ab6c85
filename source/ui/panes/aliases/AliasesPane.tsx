import {useEffect} from 'react';
import {Pane} from '../../components/Pane.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useCommands, useUi} from '../../ui-context.js';
import {AliasList} from './AliasList.js';
import {useComparisonControl} from './use-comparison.js';

/** The aliases view (A, :alias NAME): each alias with who serves it and its drift; c compares it. */
export function AliasesPane({active, width, height, query}: {readonly active: boolean; readonly width: number; readonly height: number; readonly query?: string}) {
	const services = useServices();
	const ui = useUi();
	const comparison = useComparisonControl();
	const refresh = useLive(['models', 'providers']);
	const aliases = useAsyncResource(() => services.aliasOverview(), [], refresh);
	const selection = useSelection(aliases.data, (entry) => entry.alias);

	// :alias NAME opens on that alias once the list is loaded.
	useEffect(() => {
		if (!query || !aliases.data) return;
		const wanted = query.toLowerCase();
		const found = aliases.data.find((a) => a.alias === wanted) ?? aliases.data.find((a) => a.alias.startsWith(wanted));
		if (found) selection.select(found.alias);
		else ui.flash(`No alias “${query}” — A lists them`, 'error');
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [query, aliases.data === undefined]);

	const start = (prompt?: string) => {
		const entry = selection.selected;
		if (!entry) return ui.flash('No alias to compare: give models an alias first (focus [3], e)', 'error');
		if (entry.targets === 0) return ui.flash(`No enabled provider serves ${entry.alias}: enable one first (focus [1], t)`, 'error');
		if (comparison.running()) return ui.flash('A comparison is running: Esc cancels it', 'info');
		if (comparison.start(entry.alias, prompt)) ui.open({kind: 'compare'});
	};

	useCommands(
		'aliases',
		{
			...listCommands(selection, Math.max(1, height - 5)),
			compare: () => start(),
			comparePrompt: () => {
				if (!aliases.data?.length) return ui.flash('No alias to compare: give models an alias first (focus [3], e)', 'error');
				ui.askPrompt((prompt) => start(prompt));
			},
			history: () => selection.selected && ui.open({kind: 'runs', alias: selection.selected.alias}),
		},
		active,
	);
	const list = aliases.data;
	return (
		<Pane title="Aliases" focused theme={ui.theme} width={width} height={height} footer={list ? `${list.length === 0 ? 0 : selection.index + 1} of ${list.length}` : undefined}>
			<AliasList aliases={list} error={aliases.error} cursor={selection.index} width={width - 2} height={height - 3} theme={ui.theme} />
		</Pane>
	);
}

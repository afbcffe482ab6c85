import {Box} from 'ink';
import {useCallback, useState} from 'react';
import type {AppState} from '../app-state.js';
import {KeysPane} from '../panes/keys/KeysPane.js';
import {ModelsPane} from '../panes/models/ModelsPane.js';
import {ProvidersPane} from '../panes/providers/ProvidersPane.js';
import {SmokePane} from '../panes/smoke/SmokePane.js';
import {useSmokeStatus} from '../panes/smoke/use-smoke.js';

interface BoardProps {
	readonly state: AppState;
	/** Takes the keys (normal mode, no view or dialog over it). */
	readonly active: boolean;
	/** Hidden under a view or dialog but kept mounted: its selection and data survive them. */
	readonly hidden: boolean;
	readonly width: number;
	readonly height: number;
}

/** The board: providers on top, the selected provider's keys and models, its smoke pane. */
export function Board({state, active, hidden, width, height}: BoardProps) {
	const [selected, setSelected] = useState<{id: string; name: string} | null>(null);
	const onSelect = useCallback((provider: {id: string; name: string} | null) => {
		setSelected((current) => (current?.id === provider?.id && current?.name === provider?.name ? current : provider ? {id: provider.id, name: provider.name} : null));
	}, []);
	// A failed test's message and its whole "try:" hint need a few rows more than the verdict
	// line: the smoke pane takes them from the providers pane, which keeps at least four.
	const failed = useSmokeStatus() === 'failed';
	const middleH = Math.max(4, Math.floor(height * 0.3));
	const baseSmokeH = Math.max(3, Math.floor(height * 0.28));
	const smokeH = failed ? Math.max(baseSmokeH, Math.min(baseSmokeH + 4, height - middleH - 4)) : baseSmokeH;
	const providersH = Math.max(4, height - smokeH - middleH);
	const half = Math.floor(width / 2);
	const pane = (id: AppState['focus']) => ({focused: state.focus === id, active: active && state.focus === id});
	const of = {providerId: selected?.id ?? null, providerName: selected?.name ?? null};
	return (
		<Box flexDirection="column" display={hidden ? 'none' : 'flex'}>
			<ProvidersPane {...pane('providers')} width={width} height={providersH} filter={state.filter} request={state.providerRequest} onSelect={onSelect} />
			<Box>
				<KeysPane {...pane('keys')} width={half} height={middleH} {...of} />
				<ModelsPane {...pane('models')} width={width - half} height={middleH} {...of} />
			</Box>
			<SmokePane {...pane('smoke')} width={width} height={smokeH} {...of} />
		</Box>
	);
}

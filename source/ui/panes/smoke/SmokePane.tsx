import {Pane} from '../../components/Pane.js';
import {useCommands, useUi} from '../../ui-context.js';
import type {BoardPaneProps} from '../board-pane.js';
import {SmokeView} from './SmokeView.js';
import {useSmokeRunner} from './use-smoke.js';

/** [4] The running or last smoke test: its streamed text, then the outcome and metrics. */
export function SmokePane({focused, active, width, height, providerId, providerName}: BoardPaneProps) {
	const ui = useUi();
	const smoke = useSmokeRunner();
	useCommands(
		'smoke',
		{
			smoke: () => {
				if (!providerId || !providerName) return ui.flash('Select a provider to smoke-test (focus [1])', 'error');
				smoke.start({provider: providerId}, providerName);
			},
		},
		active,
	);
	return (
		<Pane title={`Smoke output${smoke.state.title ? ` · ${smoke.state.title}` : ''}`} number={4} focused={focused} theme={ui.theme} width={width} height={height}>
			<SmokeView state={smoke.state} width={width - 2} height={height - 3} theme={ui.theme} elapsed={smoke.running ? smoke.state.elapsed : null} />
		</Pane>
	);
}

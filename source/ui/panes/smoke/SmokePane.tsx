import {useEffect, useState} from 'react';
import {Pane} from '../../components/Pane.js';
import {useCommands, useUi} from '../../ui-context.js';
import type {BoardPaneProps} from '../board-pane.js';
import {SmokeView} from './SmokeView.js';
import {useSmokeRunner} from './use-smoke.js';

/** [4] The running or last smoke test: its streamed text, then the outcome and metrics. */
export function SmokePane({focused, active, width, height, providerId, providerName}: BoardPaneProps) {
	const ui = useUi();
	const smoke = useSmokeRunner();
	const elapsed = useElapsed(smoke.running ? smoke.state.startedAt : null);
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
			<SmokeView state={smoke.state} width={width - 2} height={height - 3} theme={ui.theme} elapsed={elapsed} />
		</Pane>
	);
}

/** Whole seconds since `since`, ticking once a second while set. */
function useElapsed(since: number | null): number | null {
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		if (since === null) return;
		setNow(Date.now());
		const timer = setInterval(() => setNow(Date.now()), 1000);
		return () => clearInterval(timer);
	}, [since]);
	return since === null ? null : Math.max(0, Math.floor((now - since) / 1000));
}

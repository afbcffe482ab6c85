import {plural} from '../../../lib/metrics.js';
import {Pane} from '../../components/Pane.js';
import {useUi} from '../../ui-context.js';
import {ComparisonView} from './ComparisonView.js';
import {useComparisonRunner} from './use-comparison.js';

/** The comparison view: every target of the running (or last) comparison, side by side or stacked. */
export function ComparisonPane({width, height}: {readonly width: number; readonly height: number}) {
	const ui = useUi();
	const {state} = useComparisonRunner();
	return (
		<Pane title={`Compare · ${state.alias}`} focused theme={ui.theme} width={width} height={height} footer={state.targets.length > 0 ? plural(state.targets.length, 'target') : undefined}>
			<ComparisonView state={state} width={width - 2} height={height - 3} theme={ui.theme} />
		</Pane>
	);
}

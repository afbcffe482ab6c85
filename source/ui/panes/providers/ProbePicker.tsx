import {Box} from 'ink';
import {probeKindDescriptions, probeKinds, type ProbeKind} from '../../../domain/probe.js';
import {SelectList} from '../../components/SelectList.js';
import {Text} from '../../components/Text.js';
import {useUi} from '../../ui-context.js';

/**
 * `P`: which check to run on a provider this once — what each sends and costs — then runs it in
 * the smoke pane. The provider's default kind (its form's Probe field) is highlighted first.
 */
export function ProbePicker({providerName, current, onPick}: {readonly providerName: string; readonly current: ProbeKind; readonly onPick: (kind: ProbeKind) => void}) {
	const ui = useUi();
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={ui.theme.accent} paddingX={1}>
			<Text bold wrap="truncate">
				Probe {providerName} with…
			</Text>
			<SelectList items={probeKinds.map((kind) => ({value: kind, label: `${kind.padEnd(7)} ${probeKindDescriptions[kind]}${kind === current ? ' (its default)' : ''}`}))} focus initial={current} theme={ui.theme} onSelect={onPick} onCancel={ui.closeModal} />
			<Text color={ui.theme.muted} wrap="wrap">
				↑/↓ choose · Enter probe · Esc cancel · a provider&apos;s default is set in its form (e)
			</Text>
		</Box>
	);
}

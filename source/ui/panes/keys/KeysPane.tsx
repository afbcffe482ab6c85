import {memo} from 'react';
import {Pane} from '../../components/Pane.js';
import {listCommands} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useClock, useCommands, useUi} from '../../ui-context.js';
import {openAddDialog, positionOf, useProviderRows, type BoardPaneProps} from '../board-pane.js';
import {RotationWizard} from '../rotation/RotationWizard.js';
import {useSmokeControl} from '../smoke/use-smoke.js';
import {KeyEditForm, KeyForm} from './KeyForm.js';
import {KeysView} from './KeysView.js';

/** [2] Keys of the board's selected provider: masks, status, priority, last validation. */
export const KeysPane = memo(function KeysPane({focused, active, width, height, providerId, providerName}: BoardPaneProps) {
	const services = useServices();
	const ui = useUi();
	const now = useClock();
	const smoke = useSmokeControl();
	const {rows: keys, selection} = useProviderRows(providerId, ['provider_keys', 'providers'], services.listKeys);
	const selected = selection.selected;

	useCommands(
		'keys',
		{
			...listCommands(selection, Math.max(1, height - 3)),
			add: () => openAddDialog(ui, {id: providerId, name: providerName}, selection.select, (provider, onSaved) => <KeyForm providerId={provider.id} providerName={provider.name} onSaved={onSaved} />),
			edit: () => {
				if (!selected || !providerName) return ui.flash('No key to edit: press a to add one', 'error');
				const snapshot = selected;
				ui.openModal(<KeyEditForm keySummary={snapshot} providerName={providerName} onSaved={() => ui.closeModal()} />);
			},
			toggle: () => {
				if (!selected) return;
				const key = selected;
				const next = key.status === 'active' ? 'disabled' : 'active';
				ui.act(async () => {
					await services.setKeyStatus(key.id, next, key.version);
					return `Key ${key.displayHint} ${next === 'active' ? 'enabled' : 'disabled'}`;
				});
			},
			delete: () => {
				if (!selected) return;
				const key = selected;
				ui.confirm(`Delete key ${key.displayHint}${key.label ? ` (${key.label})` : ''}${key.status === 'active' ? ' — it is ACTIVE; calls will stop using it' : ''}? This cannot be undone.`, async () => {
					await services.deleteKey(key.id);
					return `Key ${key.displayHint} deleted`;
				});
			},
			priorityUp: () => changePriority(-1),
			priorityDown: () => changePriority(1),
			smoke: () => {
				if (!providerId || !providerName) return ui.flash('Select a provider to smoke-test', 'error');
				smoke.start({provider: providerId, key: selected?.id}, providerName);
			},
			rotate: () => {
				if (!providerId || !providerName) return ui.flash('Add a provider first (focus [1] and press a)', 'error');
				ui.openModal(<RotationWizard providerId={providerId} providerName={providerName} oldKeyId={selected?.id} />);
			},
		},
		active,
	);

	function changePriority(step: 1 | -1) {
		if (!selected) return;
		const key = selected;
		const priority = Math.max(0, key.priority + step);
		if (priority === key.priority) return ui.flash(`Key ${key.displayHint} already has the top priority (0 is used first)`, 'info');
		ui.act(async () => {
			await services.setKeyPriority(key.id, priority, key.version);
			return `Key ${key.displayHint} priority ${priority} (lower is used first)`;
		});
	}

	return (
		<Pane title={`Keys${providerName ? ` · ${providerName}` : ''}`} number={2} focused={focused} theme={ui.theme} width={width} height={height} footer={positionOf(keys.data, selection.index)}>
			<KeysView keys={keys.data} error={keys.error} providerName={providerName} index={selection.index} focused={focused} width={width - 2} height={height - 3} theme={ui.theme} now={now} />
		</Pane>
	);
});

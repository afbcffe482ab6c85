import {memo} from 'react';
import {Pane} from '../../components/Pane.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useClock, useCommands, useUi} from '../../ui-context.js';
import {RotationWizard} from '../rotation/RotationWizard.js';
import {useSmokeRunner} from '../smoke/use-smoke.js';
import {KeyEditForm, KeyForm} from './KeyForm.js';
import {KeysView} from './KeysView.js';

export interface KeysPaneProps {
	readonly focused: boolean;
	readonly active: boolean;
	readonly width: number;
	readonly height: number;
	readonly providerId: string | null;
	readonly providerName: string | null;
}

/** [2] Keys of the board's selected provider: masks, status, priority, last validation. */
export const KeysPane = memo(function KeysPane({focused, active, width, height, providerId, providerName}: KeysPaneProps) {
	const services = useServices();
	const ui = useUi();
	const now = useClock();
	const smoke = useSmokeRunner();
	const refresh = useLive(['provider_keys', 'providers']);
	const keys = useAsyncResource(providerId ? () => services.listKeys(providerId) : undefined, [providerId], refresh);
	const selection = useSelection(keys.data, (k) => k.id);
	const selected = selection.selected;

	useCommands(
		'keys',
		{
			...listCommands(selection, Math.max(1, height - 3)),
			add: () => {
				if (!providerId || !providerName) return ui.flash('Add a provider first (focus [1] and press a)', 'error');
				ui.openModal(
					<KeyForm
						providerId={providerId}
						providerName={providerName}
						onSaved={(key) => {
							ui.closeModal();
							selection.select(key.id);
						}}
					/>,
				);
			},
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
				smoke.start({providerId, keyId: selected?.id}, providerName);
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

	const count = keys.data?.length ?? 0;
	return (
		<Pane title={`Keys${providerName ? ` · ${providerName}` : ''}`} number={2} focused={focused} theme={ui.theme} width={width} height={height} footer={keys.data ? `${count === 0 ? 0 : selection.index + 1} of ${count}` : undefined}>
			<KeysView keys={keys.data} error={keys.error} providerName={providerName} index={selection.index} focused={focused} width={width - 2} height={height - 3} theme={ui.theme} now={now} />
		</Pane>
	);
});

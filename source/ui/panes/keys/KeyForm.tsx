import type {KeySummary} from '../../../domain/key.js';
import type {FormValues} from '../../components/Form.js';
import {Form} from '../../components/Form.js';
import {saveOutcome} from '../../components/form-outcome.js';
import {useServices} from '../../services.js';
import {useUi} from '../../ui-context.js';

/** A new key for a provider: typed into a masked field, encrypted before it is stored, never shown again. */
export function KeyForm({providerId, providerName, onSaved}: {readonly providerId: string; readonly providerName: string; readonly onSaved: (key: KeySummary) => void}) {
	const services = useServices();
	const ui = useUi();
	return (
		<Form
			title={`Add a key to ${providerName}`}
			theme={ui.theme}
			initial={{secret: '', label: ''}}
			fields={[
				{kind: 'text', name: 'secret', label: 'API key', mask: true, placeholder: 'paste the key (shown masked)'},
				{kind: 'text', name: 'label', label: 'Label', placeholder: 'e.g. prod-2026-11'},
			]}
			onCancel={ui.closeModal}
			onSubmit={(values) =>
				saveOutcome(async () => {
					const key = await services.addKey(providerId, {secret: String(values['secret'] ?? ''), label: String(values['label'] ?? '').trim()});
					ui.flash(`Key ${key.displayHint} added to ${providerName} (encrypted)`, 'ok');
					onSaved(key);
				})
			}
			note="Enter save · Esc cancel · the key is encrypted before it is stored and never shown again"
		/>
	);
}

function keyPatch(values: FormValues, changed: readonly string[]): {label?: string; priority?: number | string} {
	const patch: {label?: string; priority?: number | string} = {};
	if (changed.includes('label')) patch.label = String(values['label'] ?? '').trim();
	if (changed.includes('priority')) {
		const text = String(values['priority'] ?? '').trim();
		patch.priority = /^\d+$/.test(text) ? Number(text) : text;
	}
	return patch;
}

/** A key's label and priority, held as they were when the form opened; the secret is never shown or changed. */
export function KeyEditForm({keySummary, providerName, onSaved}: {readonly keySummary: KeySummary; readonly providerName: string; readonly onSaved: () => void}) {
	const services = useServices();
	const ui = useUi();
	return (
		<Form
			title={`Edit key ${keySummary.displayHint} of ${providerName}`}
			theme={ui.theme}
			initial={{label: keySummary.label, priority: String(keySummary.priority)}}
			fields={[
				{kind: 'text', name: 'label', label: 'Label', placeholder: 'e.g. prod-2026-11'},
				{kind: 'text', name: 'priority', label: 'Priority', placeholder: '0 is used first'},
			]}
			onCancel={ui.closeModal}
			onSubmit={(values, changed, over) =>
				saveOutcome(async () => {
					if (changed.length === 0) {
						ui.closeModal();
						return ui.flash('Nothing changed', 'info');
					}
					const patch = keyPatch(values, changed);
					if (over) await services.saveOverConflict(over.error, patch);
					else await services.updateKey(keySummary.id, keySummary.version, patch as {label?: string; priority?: number});
					ui.flash(`Key ${keySummary.displayHint} saved`, 'ok');
					onSaved();
				})
			}
			note="Enter save · Esc cancel · to replace the key itself, rotate it (R)"
		/>
	);
}

import type {KeySummary} from '../../../domain/key.js';
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

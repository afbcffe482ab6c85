import {settingDescriptions, type Settings} from '../../../domain/settings.js';
import {Form} from '../../components/Form.js';
import {saveOutcome} from '../../components/form-outcome.js';
import {useServices} from '../../services.js';
import {useUi} from '../../ui-context.js';

/** One setting, held at the value and version it had when the form opened. */
export function SettingForm({settingKey, value, version}: {readonly settingKey: keyof Settings; readonly value: unknown; readonly version: number | undefined}) {
	const services = useServices();
	const ui = useUi();
	return (
		<Form
			title={`Setting ${settingKey}`}
			theme={ui.theme}
			initial={{value: typeof value === 'string' ? value : JSON.stringify(value)}}
			fields={[{kind: 'text', name: 'value', label: 'Value'}]}
			note={`${settingDescriptions[settingKey]} · Enter save · Esc cancel`}
			onCancel={ui.closeModal}
			onSubmit={async (values, changed, over) => {
				const outcome = await saveOutcome(async () => {
					if (changed.length === 0) {
						ui.closeModal();
						return ui.flash('Nothing changed', 'info');
					}
					const value = String(values['value'] ?? '');
					if (over) await services.saveOverConflict(over.error, value);
					else await services.setSetting(settingKey, value, version ?? 0);
					ui.closeModal();
					ui.flash(`Setting ${settingKey} saved`, 'ok');
				});
				// The service names the setting (or the form); this form has one field for either.
				if (outcome && 'errors' in outcome) return {errors: {value: Object.values(outcome.errors).join('; ') || 'This value is refused'}};
				return outcome;
			}}
		/>
	);
}

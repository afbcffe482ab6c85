import {Box, useInput} from 'ink';
import {useEffect, useState} from 'react';
import type {Model} from '../../../domain/model.js';
import {presentError} from '../../../services/faults.js';
import {Form, type FormValues} from '../../components/Form.js';
import {saveOutcome} from '../../components/form-outcome.js';
import {SelectList} from '../../components/SelectList.js';
import {Spinner} from '../../components/Spinner.js';
import {Text} from '../../components/Text.js';
import {useHold} from '../../input/input-target.js';
import {resolve} from '../../keymap.js';
import {useServices} from '../../services.js';
import {useModalSize, useUi} from '../../ui-context.js';

const TYPE_IT = '';

function patchOf(values: FormValues, changed: readonly string[]): Record<string, unknown> {
	const text = (name: string) => String(values[name] ?? '').trim();
	const patch: Record<string, unknown> = {};
	for (const name of changed) patch[name] = name === 'alias' ? text('alias') || null : text(name);
	return patch;
}

/**
 * Attaching a model starts from what the provider says it serves (a pick list) when it answers,
 * and falls back to typing the id otherwise. Editing holds the model as it was when opened and
 * sends only what the operator changed.
 */
export function ModelForm({providerId, providerName, model, onSaved}: {readonly providerId: string; readonly providerName: string; readonly model?: Model; readonly onSaved: (model: Model) => void}) {
	const services = useServices();
	const ui = useUi();
	const {height} = useModalSize();
	const [discovered, setDiscovered] = useState<{names: string[]; skippedNote: string | null} | {error: string} | 'loading'>(model ? {names: [], skippedNote: null} : 'loading');
	const [picked, setPicked] = useState<string | null>(model ? model.modelName : null);
	useEffect(() => {
		if (model) return;
		const controller = new AbortController();
		services.discoverModels(providerId, controller.signal).then(
			(found) => setDiscovered(found),
			(error: unknown) => setDiscovered({error: presentError(error).message}),
		);
		return () => controller.abort();
	}, [services, providerId, model]);

	// Keys typed while the provider is asked go to the pick list it leads to.
	useHold(discovered === 'loading');
	// While the provider is asked, Esc cancels here; once the list is up, the list has Esc (a filter first).
	useInput(
		(input, key) => {
			if (resolve(input, key, ['picker'])?.id === 'cancel') ui.closeModal();
		},
		{isActive: picked === null && discovered === 'loading'},
	);

	if (picked === null && discovered !== 'loading' && 'names' in discovered && discovered.names.length > 0) {
		const items = [{label: 'Type a model id…', value: TYPE_IT}, ...discovered.names.map((name) => ({label: name, value: name}))];
		return (
			<Box flexDirection="column" borderStyle="round" borderColor={ui.theme.accent} paddingX={1}>
				<Text bold wrap="truncate">
					Attach a model to {providerName}: pick what it serves
				</Text>
				<SelectList items={items} focus limit={Math.max(3, Math.min(10, height - 8))} theme={ui.theme} onSelect={(value) => setPicked(value)} onCancel={ui.closeModal} />
				{discovered.skippedNote ? (
					<Text color={ui.theme.warn} wrap="truncate">
						{discovered.skippedNote}
					</Text>
				) : null}
				<Text color={ui.theme.muted} wrap="truncate">
					↑/↓ choose · PgDn/PgUp page · G/g end/start · / filter · Enter pick · Esc cancel
				</Text>
			</Box>
		);
	}
	if (picked === null && discovered === 'loading') {
		return (
			<Box flexDirection="column" borderStyle="round" borderColor={ui.theme.accent} paddingX={1}>
				<Spinner label={`Asking ${providerName} which models it serves… (Esc cancels)`} />
			</Box>
		);
	}
	const note = typeof discovered === 'object' && 'error' in discovered ? `Model list unavailable (${discovered.error}); type the exact model id · Enter save · Esc cancel` : undefined;
	return (
		<Form
			title={model ? `Edit model ${model.modelName}` : `Attach a model to ${providerName}`}
			theme={ui.theme}
			initial={{modelName: model?.modelName ?? picked ?? '', displayLabel: model?.displayLabel ?? '', alias: model?.alias ?? ''}}
			fields={[
				{kind: 'text', name: 'modelName', label: 'Model id', placeholder: 'exact provider-side id'},
				{kind: 'text', name: 'displayLabel', label: 'Display label', placeholder: 'optional'},
				{kind: 'text', name: 'alias', label: 'Alias', placeholder: 'e.g. llama-3.1-70b (lines up vendors)'},
			]}
			onCancel={ui.closeModal}
			note={note}
			onSubmit={(values, changed, over) =>
				saveOutcome(async () => {
					if (!model) {
						const text = (name: string) => String(values[name] ?? '').trim();
						const saved = await services.addModel(providerId, {modelName: text('modelName'), displayLabel: text('displayLabel'), alias: text('alias') || null});
						ui.flash(`Model ${saved.modelName} attached to ${providerName}`, 'ok');
						return onSaved(saved);
					}
					if (changed.length === 0) {
						ui.closeModal();
						return ui.flash('Nothing changed', 'info');
					}
					const patch = patchOf(values, changed);
					const saved = (over ? await services.saveOverConflict(over.error, patch) : await services.updateModel(model.id, model.version, patch)) as Model;
					ui.flash(`Model ${saved.modelName} saved`, 'ok');
					onSaved(saved);
				})
			}
		/>
	);
}

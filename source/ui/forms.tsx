import {Box, Text} from 'ink';
import {useEffect, useState} from 'react';
import {capabilities, capabilityLabels, families, providerTypes, type ProviderType} from '../domain/families.js';
import type {Model} from '../domain/model.js';
import type {Provider} from '../domain/provider.js';
import {settingDescriptions, type Settings} from '../domain/settings.js';
import {Form, type FormValues} from './components/Form.js';
import {PickList} from './components/PickList.js';
import {useKeys} from './keys.js';
import type {DashboardServices} from './services.js';
import type {Theme} from './theme.js';

/** Turns a service error into field errors (ValidationError.issues) or one form-level message. */
export function fieldErrors(error: unknown): Record<string, string> {
	const issues = (error as {issues?: Record<string, string>}).issues;
	if (issues && typeof issues === 'object') {
		const out: Record<string, string> = {};
		for (const [path, message] of Object.entries(issues)) out[path.split('.').pop()!] = message;
		return out;
	}
	const hint = (error as {hint?: string}).hint;
	return {_form: `${error instanceof Error ? error.message : String(error)}${hint ? ` — ${hint}` : ''}`};
}

interface FormShellProps {
	readonly services: DashboardServices;
	readonly theme: Theme;
	readonly width: number;
	readonly onDone: (message: string) => void;
	readonly onCancel: () => void;
}

const blank = (value: string | readonly string[] | undefined) => (typeof value === 'string' ? value.trim() : '');
const numberOrNull = (value: string | readonly string[] | undefined): number | null | string => {
	const text = blank(value);
	if (text === '') return null;
	return /^\d+$/.test(text) ? Number(text) : text;
};

export function ProviderForm({services, theme, width, onDone, onCancel, provider}: FormShellProps & {readonly provider?: Provider}) {
	const initial: FormValues = provider
		? {
				name: provider.name,
				type: provider.type,
				baseUrl: provider.baseUrl,
				capabilities: provider.capabilities,
				rpm: provider.rateLimits.rpm?.toString() ?? '',
				rps: provider.rateLimits.rps?.toString() ?? '',
				concurrency: provider.rateLimits.concurrency?.toString() ?? '',
			}
		: {name: '', type: 'openai', baseUrl: families.openai.defaultBaseUrl ?? '', capabilities: ['system_prompt', 'streaming'], rpm: '', rps: '', concurrency: ''};
	return (
		<Form
			title={provider ? `Edit provider ${provider.name}` : 'New provider'}
			theme={theme}
			width={width}
			initial={initial}
			fields={[
				{kind: 'text', name: 'name', label: 'Name', placeholder: 'e.g. groq-prod'},
				{kind: 'select', name: 'type', label: 'Family', options: providerTypes.map((t) => ({value: t, label: `${families[t].label} (${t})`}))},
				{kind: 'text', name: 'baseUrl', label: 'Base URL', placeholder: 'https://…/v1'},
				{kind: 'flags', name: 'capabilities', label: 'Capabilities', options: capabilities.map((c) => ({value: c, label: capabilityLabels[c]}))},
				{kind: 'text', name: 'rpm', label: 'Requests/min', placeholder: 'empty: no limit'},
				{kind: 'text', name: 'rps', label: 'Requests/s', placeholder: 'empty: no limit'},
				{kind: 'text', name: 'concurrency', label: 'Concurrency', placeholder: 'empty: no limit'},
			]}
			onChange={(name, values) => {
				if (name !== 'type') return values;
				// Choosing a family fills its base URL unless the operator typed their own.
				const current = blank(values['baseUrl']);
				const isPreset = current === '' || providerTypes.some((t) => families[t].defaultBaseUrl === current);
				return isPreset ? {...values, baseUrl: families[values['type'] as ProviderType].defaultBaseUrl ?? ''} : values;
			}}
			onCancel={onCancel}
			onSubmit={async (values) => {
				const input = {
					name: values['name'],
					type: values['type'],
					baseUrl: blank(values['baseUrl']) || undefined,
					capabilities: values['capabilities'],
					rateLimits: {rpm: numberOrNull(values['rpm']), rps: numberOrNull(values['rps']), concurrency: numberOrNull(values['concurrency'])},
				};
				try {
					const saved = provider ? await services.updateProvider(provider.id, provider.version, input) : await services.createProvider(input);
					onDone(provider ? `Provider ${saved.name} saved` : `Provider ${saved.name} created`);
					return undefined;
				} catch (error) {
					return fieldErrors(error);
				}
			}}
			note={provider ? undefined : 'Enter create · Esc cancel · Tab/↑↓ field · ←/→ family (fills the base URL) · Space toggles'}
		/>
	);
}

export function KeyForm({services, theme, width, onDone, onCancel, providerId, providerName}: FormShellProps & {readonly providerId: string; readonly providerName: string}) {
	return (
		<Form
			title={`Add a key to ${providerName}`}
			theme={theme}
			width={width}
			initial={{secret: '', label: ''}}
			fields={[
				{kind: 'text', name: 'secret', label: 'API key', mask: true, placeholder: 'paste the key (shown masked)'},
				{kind: 'text', name: 'label', label: 'Label', placeholder: 'e.g. prod-2026-11'},
			]}
			onCancel={onCancel}
			onSubmit={async (values) => {
				try {
					const key = await services.addKey(providerId, {secret: String(values['secret'] ?? ''), label: blank(values['label'])});
					onDone(`Key ${key.displayHint} added to ${providerName} (encrypted)`);
					return undefined;
				} catch (error) {
					return fieldErrors(error);
				}
			}}
			note="Enter save · Esc cancel · the key is encrypted before it is stored and never shown again"
		/>
	);
}

/**
 * Attaching a model starts from what the provider says it serves (a pick list) when it answers,
 * and falls back to free text otherwise.
 */
export function ModelForm({services, theme, width, onDone, onCancel, providerId, providerName, model}: FormShellProps & {readonly providerId: string; readonly providerName: string; readonly model?: Model}) {
	const [discovered, setDiscovered] = useState<{names: string[]} | {error: string} | 'loading'>(model ? {names: []} : 'loading');
	const [picked, setPicked] = useState<string | null>(model ? model.modelName : null);
	useEffect(() => {
		if (model) return;
		const controller = new AbortController();
		services.discoverModels(providerId, controller.signal).then(
			(names) => setDiscovered({names}),
			(error: unknown) => setDiscovered({error: error instanceof Error ? error.message : String(error)}),
		);
		return () => controller.abort();
	}, [services, providerId, model]);

	if (picked === null && discovered !== 'loading' && 'names' in discovered && discovered.names.length > 0) {
		const items = [{label: 'Type a model name…', value: ''}, ...discovered.names.slice(0, 200).map((name) => ({label: name, value: name}))];
		return (
			<Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1} width={width}>
				<Text bold>Attach a model to {providerName}: pick what it serves</Text>
				<PickList items={items} limit={10} onSelect={(value) => setPicked(value)} theme={theme} />
				<Text color={theme.muted}>↑/↓ choose · Enter pick · Esc cancel</Text>
				<EscapeListener onEscape={onCancel} />
			</Box>
		);
	}
	if (picked === null && discovered === 'loading') {
		return (
			<Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1} width={width}>
				<Text>Asking {providerName} which models it serves… (Esc cancels)</Text>
				<EscapeListener onEscape={onCancel} />
			</Box>
		);
	}
	const note = typeof discovered === 'object' && 'error' in discovered ? `Model list unavailable (${discovered.error}); type the exact model id` : undefined;
	return (
		<Form
			title={model ? `Edit model ${model.modelName}` : `Attach a model to ${providerName}`}
			theme={theme}
			width={width}
			initial={{modelName: picked ?? '', displayLabel: model?.displayLabel ?? '', alias: model?.alias ?? ''}}
			fields={[
				{kind: 'text', name: 'modelName', label: 'Model id', placeholder: 'exact provider-side id'},
				{kind: 'text', name: 'displayLabel', label: 'Display label', placeholder: 'optional'},
				{kind: 'text', name: 'alias', label: 'Alias', placeholder: 'e.g. llama-3.1-70b (lines up vendors)'},
			]}
			onCancel={onCancel}
			note={note}
			onSubmit={async (values) => {
				const input = {modelName: blank(values['modelName']), displayLabel: blank(values['displayLabel']), alias: blank(values['alias']) || null};
				try {
					const saved = model ? await services.updateModel(model.id, model.version, input) : await services.addModel(providerId, input);
					onDone(model ? `Model ${saved.modelName} saved` : `Model ${saved.modelName} attached to ${providerName}`);
					return undefined;
				} catch (error) {
					return fieldErrors(error);
				}
			}}
		/>
	);
}

export function SettingForm({services, theme, width, onDone, onCancel, settingKey, value, version}: FormShellProps & {readonly settingKey: keyof Settings; readonly value: unknown; readonly version: number | undefined}) {
	return (
		<Form
			title={`Setting ${settingKey}`}
			theme={theme}
			width={width}
			initial={{value: typeof value === 'string' ? value : JSON.stringify(value)}}
			fields={[{kind: 'text', name: 'value', label: 'Value'}]}
			note={`${settingDescriptions[settingKey]} · Enter save · Esc cancel`}
			onCancel={onCancel}
			onSubmit={async (values) => {
				try {
					await services.setSetting(settingKey, String(values['value'] ?? ''), version);
					onDone(`Setting ${settingKey} saved`);
					return undefined;
				} catch (error) {
					// The service names the setting (or the form); this form has one field for either.
					const messages = Object.values(fieldErrors(error));
					return {value: messages.join('; ') || 'This value is refused'};
				}
			}}
		/>
	);
}


function EscapeListener({onEscape}: {readonly onEscape: () => void}) {
	useKeys((_input, key) => {
		if (key.escape) onEscape();
	});
	return null;
}

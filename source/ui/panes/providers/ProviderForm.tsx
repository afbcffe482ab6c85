import {capabilities, capabilityLabels, defaultCapabilities, families, providerTypes, type ProviderType} from '../../../domain/families.js';
import {cleartextRisk} from '../../../domain/destination.js';
import {probeKindDescriptions, probeKinds} from '../../../domain/probe.js';
import type {Provider} from '../../../domain/provider.js';
import {Form, type FormValues} from '../../components/Form.js';
import {saveOutcome} from '../../components/form-outcome.js';
import {useServices} from '../../services.js';
import {useUi} from '../../ui-context.js';

const blank = (value: string | readonly string[] | undefined) => (typeof value === 'string' ? value.trim() : '');
const numberOrNull = (value: string | readonly string[] | undefined): number | null | string => {
	const text = blank(value);
	if (text === '') return null;
	return /^\d+$/.test(text) ? Number(text) : text;
};

/** Saved: said plainly, or — when the base URL is plain http:// to another machine — with the warning, loudly. */
function savedFlash(provider: Provider, done: string): [string, 'ok' | 'error'] {
	const risk = cleartextRisk(provider.type, provider.baseUrl);
	return risk ? [`${done} — warning: ${risk.message}; ${risk.hint}`, 'error'] : [done, 'ok'];
}

const rateFields = {rpm: 'rpm', rps: 'rps', concurrency: 'concurrency'} as const;

function valuesOf(provider: Provider | undefined): FormValues {
	if (!provider) return {name: '', type: 'openai', baseUrl: families.openai.defaultBaseUrl ?? '', capabilities: defaultCapabilities, probeKind: 'stream', rpm: '', rps: '', concurrency: ''};
	return {
		name: provider.name,
		type: provider.type,
		baseUrl: provider.baseUrl,
		capabilities: provider.capabilities,
		probeKind: provider.probeKind,
		rpm: provider.rateLimits.rpm?.toString() ?? '',
		rps: provider.rateLimits.rps?.toString() ?? '',
		concurrency: provider.rateLimits.concurrency?.toString() ?? '',
	};
}

/** Only the fields the operator changed, as a provider patch (rate limits merge per limit). */
export function providerPatch(values: FormValues, changed: readonly string[]): Record<string, unknown> {
	const patch: Record<string, unknown> = {};
	const rateLimits: Record<string, unknown> = {};
	for (const name of changed) {
		if (name in rateFields) rateLimits[name] = numberOrNull(values[name]);
		else if (name === 'baseUrl') patch['baseUrl'] = blank(values['baseUrl']) || undefined;
		else patch[name] = values[name];
	}
	if (Object.keys(rateLimits).length > 0) patch['rateLimits'] = rateLimits;
	return patch;
}

/**
 * A new provider, or an edit of `provider` as it was when the form opened: only the fields the
 * operator changes are sent, with the version it opened with, so another operator's save in the
 * meantime is a conflict to resolve, never silently undone.
 */
export function ProviderForm({provider, onSaved}: {readonly provider?: Provider; readonly onSaved: (saved: Provider) => void}) {
	const services = useServices();
	const ui = useUi();
	return (
		<Form
			title={provider ? `Edit provider ${provider.name}` : 'New provider'}
			theme={ui.theme}
			initial={valuesOf(provider)}
			fields={[
				{kind: 'text', name: 'name', label: 'Name', placeholder: 'e.g. groq-prod'},
				{kind: 'text', name: 'baseUrl', label: 'Base URL', placeholder: 'https://…/v1 (a family below fills its own)'},
				{kind: 'choice', name: 'type', label: 'Family', options: providerTypes.map((t) => ({value: t, label: `${families[t].label} (${t})`}))},
				{kind: 'flags', name: 'capabilities', label: 'Capabilities', options: capabilities.map((c) => ({value: c, label: capabilityLabels[c]}))},
				{kind: 'choice', name: 'probeKind', label: 'Probe kind', options: probeKinds.map((k) => ({value: k, label: `${k} — ${probeKindDescriptions[k]}`}))},
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
			onCancel={ui.closeModal}
			onSubmit={(values, changed, over) =>
				saveOutcome(async () => {
					if (!provider) {
						const created = await services.createProvider({
							name: values['name'],
							type: values['type'],
							baseUrl: blank(values['baseUrl']) || undefined,
							capabilities: values['capabilities'],
							probeKind: values['probeKind'],
							rateLimits: {rpm: numberOrNull(values['rpm']), rps: numberOrNull(values['rps']), concurrency: numberOrNull(values['concurrency'])},
						});
						ui.flash(...savedFlash(created, `Provider ${created.name} created`));
						return onSaved(created);
					}
					if (changed.length === 0) {
						ui.closeModal();
						return ui.flash('Nothing changed', 'info');
					}
					// Saving over another operator's change: only our fields, over the row as the conflict found it.
					const patch = providerPatch(values, changed);
					const saved = (over ? await services.saveOverConflict(over.error, patch) : await services.updateProvider(provider.id, provider.version, patch)) as Provider;
					ui.flash(...savedFlash(saved, `Provider ${saved.name} saved`));
					onSaved(saved);
				})
			}
			note={provider ? 'Enter save · Esc cancel · Tab next field' : 'Enter create · Esc cancel · Tab next field · a family fills its base URL'}
		/>
	);
}

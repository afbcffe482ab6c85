import {families} from '../domain/families.js';
import type {KeySummary} from '../domain/key.js';
import type {Provider} from '../domain/provider.js';
import {insertSmokeRun} from '../db/repositories/smoke-runs.js';
import {UserError} from '../errors.js';
import {listModels, smoke, type ProviderConnection, type SmokeEvent, type SmokeMetrics} from '../providers/index.js';
import {assertWritable, mutate, type ServiceContext} from './context.js';
import {keyForCall, recordValidation} from './keys.js';
import {listModels as listConfiguredModels} from './models.js';
import {getProvider} from './providers.js';
import {getSettings} from './settings.js';

export interface SmokeTarget {
	/** Provider name (case-insensitive) or id. */
	readonly provider: string;
	/** The exact model id; defaults to the provider's first configured model. */
	readonly model?: string;
	/** Key id or unambiguous prefix; defaults to the first active key by priority. */
	readonly key?: string;
	/** Override the settings' smoke prompt (alias comparisons). */
	readonly prompt?: string;
}

export interface SmokeOutcome {
	readonly runId: string;
	readonly provider: string;
	readonly model: string;
	readonly keyHint: string | null;
	readonly outcome: 'ok' | 'failed' | 'cancelled';
	readonly errorClass: string | null;
	readonly message: string | null;
	readonly hint: string | null;
	readonly metrics: SmokeMetrics;
	readonly excerpt: string;
}

export function connectionOf(provider: Provider): ProviderConnection {
	return {id: provider.id, name: provider.name, type: provider.type, baseUrl: provider.baseUrl, extraHeaders: provider.extraHeaders, capabilities: provider.capabilities};
}

/** Which model a smoke test uses: the one asked for, else the provider's first configured model. */
async function chooseModel(ctx: ServiceContext, provider: Provider, requested: string | undefined): Promise<string> {
	if (requested !== undefined) {
		const name = requested.trim();
		if (!name) throw new UserError('The model name is empty', {hint: `eval752 models list ${provider.name} shows the configured ones`, exitCode: 2});
		return name;
	}
	const models = await listConfiguredModels(ctx, provider.id);
	if (models.length === 0) throw new UserError(`Provider ${provider.name} has no models`, {hint: `attach one: eval752 models add ${provider.name} --model MODEL_ID`});
	return models[0]!.modelName;
}

/** The key a call uses, or null for a keyless local server; refuses when a key is needed and none is active. */
async function chooseKey(ctx: ServiceContext, provider: Provider, keyRef: string | undefined): Promise<{key: KeySummary; secret: string} | null> {
	const chosen = await keyForCall(ctx, provider.id, keyRef);
	if (!chosen && families[provider.type].keyRequired) {
		throw new UserError(`Provider ${provider.name} has no active key`, {hint: `add one: eval752 keys add ${provider.name} --from-stdin`});
	}
	return chosen;
}

/**
 * A smoke test as the operator runs it: resolves provider, model and key, streams the provider
 * layer's events through unchanged, then stores the run, audits it and records the key's last
 * validation in one transaction. The plaintext key lives only for the duration of the call.
 */
export async function* runSmoke(ctx: ServiceContext, target: SmokeTarget, signal: AbortSignal, onOutcome?: (outcome: SmokeOutcome) => void): AsyncGenerator<SmokeEvent> {
	assertWritable(ctx);
	const provider = await getProvider(ctx, target.provider);
	const model = await chooseModel(ctx, provider, target.model);
	const chosen = await chooseKey(ctx, provider, target.key);
	const {values: settings} = await getSettings(ctx);
	const startedAt = new Date();
	let last: Extract<SmokeEvent, {type: 'finished' | 'failed'}> | undefined;
	for await (const event of smoke(
		{
			provider: connectionOf(provider),
			apiKey: chosen?.secret ?? null,
			model,
			prompt: target.prompt ?? settings.smoke_prompt,
			maxOutputTokens: settings.max_output_tokens,
			temperature: settings.temperature,
			timeoutMs: settings.timeout_ms,
			maxRetries: settings.max_retries,
		},
		signal,
	)) {
		if (event.type === 'finished' || event.type === 'failed') last = event;
		yield event;
	}
	if (!last) return;
	const outcome: SmokeOutcome['outcome'] = last.type === 'finished' ? 'ok' : last.error.class === 'cancelled' ? 'cancelled' : 'failed';
	const error = last.type === 'failed' ? last.error : null;
	const excerpt = last.type === 'finished' ? last.excerpt : '';
	const finishedAt = new Date();
	const runId = await mutate(ctx, async (tx) => {
		const id = await insertSmokeRun(tx, {
			providerId: provider.id,
			providerName: provider.name,
			keyRowId: chosen?.key.id ?? null,
			modelName: model,
			startedAt,
			finishedAt,
			outcome,
			errorClass: error?.class ?? null,
			ttftMs: last.metrics.ttftMs,
			totalMs: last.metrics.totalMs,
			outputTokens: last.metrics.outputTokens,
			tokensPerSecond: last.metrics.tokensPerSecond,
			excerpt,
			errorMessage: error?.message ?? null,
			actor: ctx.actor,
		});
		// A cancelled run says nothing about the key.
		if (chosen && outcome !== 'cancelled') {
			await recordValidation(tx, chosen.key.id, {outcome, errorClass: error?.class ?? null, message: error?.message ?? null, model, at: finishedAt.toISOString()});
		}
		return {
			value: id,
			audit: {
				action: 'smoke.run',
				targetType: 'provider',
				targetId: provider.id,
				details: {provider: provider.name, model, key: chosen?.key.displayHint ?? null, keyId: chosen?.key.id ?? null, outcome, errorClass: error?.class ?? null, ttftMs: last.metrics.ttftMs, totalMs: last.metrics.totalMs, outputTokens: last.metrics.outputTokens},
			},
			changes: [{table: 'smoke_runs', id}, ...(chosen ? [{table: 'provider_keys', id: chosen.key.id}] : [])],
		};
	});
	onOutcome?.({
		runId,
		provider: provider.name,
		model,
		keyHint: chosen?.key.displayHint ?? null,
		outcome,
		errorClass: error?.class ?? null,
		message: error?.message ?? null,
		hint: error?.hint ?? null,
		metrics: last.metrics,
		excerpt,
	});
}

/** What the provider serves, and which configured models it no longer lists. */
export async function discoverModels(ctx: ServiceContext, providerRef: string, signal?: AbortSignal): Promise<{served: string[]; missing: string[]}> {
	const provider = await getProvider(ctx, providerRef);
	const chosen = await keyForCall(ctx, provider.id);
	if (!chosen && families[provider.type].keyRequired) {
		throw new UserError(`Provider ${provider.name} has no active key to list its models with`, {hint: `add one: eval752 keys add ${provider.name} --from-stdin`});
	}
	const {values: settings} = await getSettings(ctx);
	const served = await listModels(connectionOf(provider), chosen?.secret ?? null, signal, {timeoutMs: settings.timeout_ms});
	const servedSet = new Set(served);
	const configured = await listConfiguredModels(ctx, provider.id);
	return {served, missing: configured.map((m) => m.modelName).filter((name) => !servedSet.has(name))};
}

/**
 * The `models` probe: one GET /models — is the provider reachable, is the key accepted, is the
 * configured model still listed — and no completion, so no tokens. It speaks the same typed
 * events as the smoke test (`started`, `usage` with 0 tokens, then one `finished` or `failed`),
 * so both front ends show it like any other run.
 *
 * One request answers for every configured model of the provider: {@link modelListVerdict}
 * turns the one list into a verdict per model.
 */
import {backoff, sleep} from '../lib/abortable.js';
import {log} from '../log.js';
import {fetchModelList, type ModelListResult, type ProviderConnection} from './client.js';
import {classifyError, hintFor, isRetryable, type ClassifiedError} from './errors.js';
import {MAX_RETRY_WAIT_MS, type SmokeEvent, type SmokeMetrics} from './smoke.js';

export interface ModelsProbeRequest {
	readonly provider: ProviderConnection;
	readonly apiKey: string | null;
	/** Other keys in play: never sent, redacted from everything the answer says (see SmokeRequest). */
	readonly otherSecrets?: readonly string[];
	readonly model: string;
	readonly timeoutMs: number;
	readonly maxRetries: number;
}

/** A `models` probe spends nothing: no prompt, no completion. */
export const ZERO_TOKENS = {inputTokens: 0, outputTokens: 0} as const;

export type ModelVerdict = {readonly ok: true; readonly excerpt: string} | {readonly ok: false; readonly error: ClassifiedError};

/**
 * What one model list says about one model: listed (ok), not listed (`model_not_found`), or the
 * list's own failure. A list that is empty although the request succeeded says nothing about
 * the model — some gateways list nothing — so it is not held against it; nor is Azure's list,
 * which names base models while requests name deployments.
 */
export function modelListVerdict(result: ModelListResult, provider: Pick<ProviderConnection, 'name' | 'type'>, model: string): ModelVerdict {
	if (!result.ok) return {ok: false, error: result.error};
	const served = result.models.length;
	if (served === 0) return {ok: true, excerpt: `the key is accepted; the model list is empty, so ${model} can't be checked there`};
	// Azure's /models lists base models, not the deployments a request names: only the key is checked.
	if (provider.type === 'azure-openai') return {ok: true, excerpt: `the key is accepted; Azure lists base models, not deployments, so deployment ${model} isn't checked (the chat probe checks it)`};
	const listed = result.models.includes(model) || (provider.type === 'gemini' && result.models.includes(model.replace(/^models\//, '')));
	if (listed) return {ok: true, excerpt: `${model} is listed (${served} model${served === 1 ? '' : 's'} served)`};
	const hint = hintFor('model_not_found', {providerName: provider.name, providerType: provider.type, model});
	return {
		ok: false,
		error: {class: 'model_not_found', message: `Provider ${provider.name} doesn't list model ${model} (${served} model${served === 1 ? '' : 's'} served)`, hint},
	};
}

function metricsOf(totalMs: number): SmokeMetrics {
	return {ttftMs: null, totalMs, outputTokens: 0, inputTokens: 0, tokensPerSecond: null};
}

/**
 * GET /models as a probe: `started` before each attempt, retries for failures a retry can fix
 * (rate limits, server and network errors) as the settings allow, then the last result and the
 * wall time of that attempt.
 */
export async function* modelListAttempts(
	req: Omit<ModelsProbeRequest, 'model'> & {readonly model?: string},
	signal: AbortSignal,
): AsyncGenerator<SmokeEvent, {result: ModelListResult; totalMs: number}> {
	const ctx = {providerName: req.provider.name, providerType: req.provider.type, model: req.model ?? '', secret: [req.apiKey, ...(req.otherSecrets ?? [])], baseUrl: req.provider.baseUrl};
	for (let attempt = 1; ; attempt++) {
		yield {type: 'started', provider: req.provider.name, model: req.model ?? '', attempt};
		const started = performance.now();
		const result = await fetchModelList(req.provider, req.apiKey, signal, {timeoutMs: req.timeoutMs, otherSecrets: req.otherSecrets ?? []});
		const totalMs = Math.round(performance.now() - started);
		if (result.ok || !isRetryable(result.error.class) || attempt > req.maxRetries || signal.aborted) return {result, totalMs};
		log.warn('models probe attempt failed', {provider: req.provider.id, attempt, class: result.error.class});
		const wait = result.error.retryAfterMs !== undefined ? Math.min(result.error.retryAfterMs, MAX_RETRY_WAIT_MS) : backoff(attempt);
		if (!(await sleep(wait, signal))) {
			const cancelled = classifyError({error: new DOMException('The probe is cancelled', 'AbortError')}, ctx);
			return {result: {ok: false, error: cancelled, rateHeaders: result.rateHeaders}, totalMs};
		}
	}
}

/** The `models` probe of one model, as smoke-test events. Never throws for a provider failure. */
export async function* modelsProbe(req: ModelsProbeRequest, signal: AbortSignal): AsyncGenerator<SmokeEvent> {
	const {result, totalMs} = yield* modelListAttempts(req, signal);
	yield* verdictEvents(modelListVerdict(result, req.provider, req.model), totalMs, result.rateHeaders);
}

/** The closing events of a `models` probe for one model: 0 tokens, then finished or failed. */
export function* verdictEvents(verdict: ModelVerdict, totalMs: number, rateHeaders: Record<string, string> | null): Generator<SmokeEvent> {
	yield {type: 'usage', ...ZERO_TOKENS};
	if (verdict.ok) yield {type: 'finished', metrics: metricsOf(totalMs), excerpt: verdict.excerpt, rateHeaders};
	else yield {type: 'failed', error: verdict.error, metrics: metricsOf(totalMs), rateHeaders};
}

import type {KeySummary} from '../domain/key.js';
import {families} from '../domain/families.js';
import {normaliseModelName, skippedIdsNote} from '../domain/model.js';
import {chatProbeBudget, type ProbeKind} from '../domain/probe.js';
import {parseProbeKind, type Provider} from '../domain/provider.js';
import {FieldProblem} from '../domain/fields.js';
import type {Settings} from '../domain/settings.js';
import {insertSmokeRun} from '../db/repositories/smoke-runs.js';
import {UserError} from '../errors.js';
import {consume} from '../lib/stream.js';
import {log} from '../log.js';
import {
	createLimiter,
	createRedactor,
	describeLimits,
	redactValues,
	listModels,
	modelListAttempts,
	modelListVerdict,
	modelsProbe,
	smoke,
	verdictEvents,
	type ModelListResult,
	type ProviderConnection,
	type SmokeEvent,
	type SmokeMetrics,
} from '../providers/index.js';
import {assertWritable, mutate, type ServiceContext} from './context.js';
import {keyForCall, missingKeyError, recordValidation} from './keys.js';
import {listModels as listConfiguredModels} from './models.js';
import {getProvider} from './providers.js';
import {getSettings} from './settings.js';

export type {SmokeEvent, SmokeMetrics} from '../providers/index.js';

export interface SmokeTarget {
	/** Provider name (case-insensitive) or id. */
	readonly provider: string;
	/** The exact model id; defaults to the provider's first configured model. */
	readonly model?: string;
	/** Key id or unambiguous prefix; defaults to the first active key by priority. */
	readonly key?: string;
	/** Override the settings' smoke prompt (alias comparisons). */
	readonly prompt?: string;
	/** The check to run; defaults to the provider's probe kind. */
	readonly probe?: ProbeKind;
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
	/** The check that ran: what it proves and what it cost. */
	readonly probeKind: ProbeKind;
	/**
	 * Whether the answer streamed: server-sent events arrived. A `stream` probe on a provider
	 * without the capability does not stream, nor does one the server answered with plain JSON.
	 */
	readonly streamed: boolean;
	/** A `stream` probe asked to stream (the provider has the capability); with `streamed` false the server ignored it. */
	readonly askedToStream: boolean;
	/** What the provider said about its limits in the response, if anything. */
	readonly rateHeaders: Readonly<Record<string, string>> | null;
}

export function connectionOf(provider: Provider): ProviderConnection {
	return {id: provider.id, name: provider.name, type: provider.type, baseUrl: provider.baseUrl, extraHeaders: provider.extraHeaders, capabilities: provider.capabilities};
}

/**
 * The model asked for, checked by the same rule as a configured model: it is sent verbatim and
 * echoed to the terminal and the audit log, so control characters and spaces are refused here
 * rather than discovered as a provider 404 with an escape sequence in it.
 */
function requestedModel(provider: Provider, requested: string): string {
	try {
		return normaliseModelName(requested);
	} catch (error) {
		if (!(error instanceof FieldProblem)) throw error;
		throw new UserError(error.message, {hint: `eval752 models list ${provider.name} shows the configured ones`, exitCode: 2});
	}
}

/** Which model a smoke test uses: the one asked for, else the provider's first configured model. */
async function chooseModel(ctx: ServiceContext, provider: Provider, requested: string | undefined): Promise<string> {
	if (requested !== undefined) return requestedModel(provider, requested);
	const models = await listConfiguredModels(ctx, provider.id);
	if (models.length === 0) throw noModels(provider);
	return models[0]!.modelName;
}

function noModels(provider: Provider): UserError {
	return new UserError(`Provider ${provider.name} has no models`, {hint: `attach one: eval752 models add ${provider.name} --model MODEL_ID`});
}

type ChosenKey = {key: KeySummary; secret: string} | null;

/** The key a call uses, or null for a keyless local server; refuses when a key is needed and none is active. */
async function chooseKey(ctx: ServiceContext, provider: Provider, keyRef: string | undefined): Promise<ChosenKey> {
	const chosen = await keyForCall(ctx, provider.id, keyRef);
	const refusal = missingKeyError(provider, chosen);
	if (refusal) throw refusal;
	return chosen;
}

/** Everything resolved before the request goes out; a batch shares one of these across its models. */
export interface PreparedSmoke {
	readonly provider: Provider;
	readonly chosen: ChosenKey;
	/** The provider's serving key when another key is tested (a rotation's candidate): never sent, redacted. */
	readonly otherSecrets: readonly string[];
	readonly settings: Settings;
	readonly prompt: string;
	readonly kind: ProbeKind;
}

/** The probe kind asked for (checked like any input), else the provider's own. */
export function probeKindFor(provider: Provider, requested: unknown): ProbeKind {
	if (requested === undefined || requested === null) return provider.probeKind;
	try {
		return parseProbeKind(requested);
	} catch (error) {
		if (!(error instanceof FieldProblem)) throw error;
		throw new UserError(error.message, {hint: 'models (no tokens), chat (a few tokens) or stream (the full smoke test)', exitCode: 2});
	}
}

async function prepare(ctx: ServiceContext, provider: Provider, target: Omit<SmokeTarget, 'provider' | 'model'>): Promise<PreparedSmoke> {
	const kind = probeKindFor(provider, target.probe);
	const chosen = await chooseKey(ctx, provider, target.key);
	const {values: settings} = await getSettings(ctx);
	return {provider, chosen, otherSecrets: await servingSecretBesides(ctx, provider, chosen), settings, prompt: target.prompt ?? settings.smoke_prompt, kind};
}

/**
 * The serving key's secret when the run tests another key: the endpoint has seen the serving
 * key (every call uses it) and a hostile one may echo it while the candidate is tested, so it is
 * redacted too. Never sent. A serving key that does not decrypt is left out (its own runs say so).
 */
async function servingSecretBesides(ctx: ServiceContext, provider: Provider, chosen: ChosenKey): Promise<string[]> {
	if (!chosen) return [];
	try {
		const serving = await keyForCall(ctx, provider.id);
		return serving && serving.key.id !== chosen.key.id ? [serving.secret] : [];
	} catch {
		return [];
	}
}

/**
 * What is stored of a run passes the redactor of every key in play, whatever the provider layer
 * already did: the excerpt and the rate headers whole; the error message around eval752's own
 * words in it (the provider's name, the model, the family), which the provider layer wrote and
 * whose quoted provider text it redacted already.
 */
function storedTextRedactor(prepared: PreparedSmoke, model: string): {text: (text: string) => string; message: (text: string) => string; headers: (headers: Record<string, string> | null) => Record<string, string> | null} {
	const inPlay = [prepared.chosen?.secret ?? null, ...prepared.otherSecrets];
	return {
		text: createRedactor(inPlay),
		message: createRedactor(inPlay, {keep: [prepared.provider.name, model, families[prepared.provider.type].label]}),
		headers: (headers) => redactValues(headers, inPlay),
	};
}

/** Whether a `stream` probe streams: only when the provider has the capability. */
function streams(prepared: PreparedSmoke): boolean {
	return prepared.kind === 'stream' && prepared.provider.capabilities.includes('streaming');
}

/**
 * The provider-layer events of one probe: `models` is a GET /models (no tokens); `chat` one
 * non-streaming completion with the smallest budget the model answers in (a reasoning model
 * gets the whole `probe_max_tokens`); `stream` the full smoke test with the settings' budget,
 * streamed when the provider has the `streaming` capability and one plain request otherwise.
 */
function probeEvents(prepared: PreparedSmoke, model: string, signal: AbortSignal): AsyncGenerator<SmokeEvent> {
	const {provider, chosen, settings, otherSecrets} = prepared;
	const connection = connectionOf(provider);
	const apiKey = chosen?.secret ?? null;
	if (prepared.kind === 'models') {
		return modelsProbe({provider: connection, apiKey, otherSecrets, model, timeoutMs: settings.timeout_ms, maxRetries: settings.max_retries}, signal);
	}
	const chat = prepared.kind === 'chat';
	return smoke(
		{
			provider: connection,
			apiKey,
			otherSecrets,
			model,
			prompt: prepared.prompt,
			maxOutputTokens: chat ? chatProbeBudget(settings.probe_max_tokens, provider.capabilities.includes('reasoning')) : settings.max_output_tokens,
			exactBudget: chat,
			temperature: settings.temperature,
			timeoutMs: settings.timeout_ms,
			maxRetries: settings.max_retries,
			stream: streams(prepared),
		},
		signal,
	);
}

/**
 * A probe as the operator runs it — the provider's probe kind unless `target.probe` says
 * otherwise (see {@link probeEvents}): resolves provider, model and key, passes the provider
 * layer's events through unchanged, then stores the run (its kind, tokens spent and the
 * provider's rate-limit headers), audits it and records the key's last validation in one
 * transaction. The plaintext key lives only for the duration of the call.
 *
 * The run is stored also when the consumer stops iterating early (a pane that closes, a
 * consumer that stops at `finished`): the provider layer closes the request then, and a run
 * that reached the provider belongs in the history. It is not stored when iteration throws.
 */
export async function* runSmoke(ctx: ServiceContext, target: SmokeTarget, signal: AbortSignal): AsyncGenerator<SmokeEvent, SmokeOutcome> {
	assertWritable(ctx);
	const provider = await getProvider(ctx, target.provider);
	const model = await chooseModel(ctx, provider, target.model);
	const prepared = await prepare(ctx, provider, target);
	return yield* streamAndStore(ctx, prepared, model, signal);
}

function streamAndStore(ctx: ServiceContext, prepared: PreparedSmoke, model: string, signal: AbortSignal): AsyncGenerator<SmokeEvent, SmokeOutcome> {
	return storeEvents(ctx, prepared, model, probeEvents(prepared, model, signal));
}

/** Passes a probe's events through and stores the run when they end (see {@link runSmoke}). */
async function* storeEvents(
	ctx: ServiceContext,
	prepared: PreparedSmoke,
	model: string,
	events: AsyncIterable<SmokeEvent> | Iterable<SmokeEvent>,
	startedAt: Date = new Date(),
): AsyncGenerator<SmokeEvent, SmokeOutcome> {
	const startedClock = performance.now();
	let last: Extract<SmokeEvent, {type: 'finished' | 'failed'}> | undefined;
	let threw = false;
	let outcome: SmokeOutcome | undefined;
	try {
		const keyHint = prepared.chosen?.key.displayHint ?? null;
		for await (const event of events) {
			if (event.type === 'finished' || event.type === 'failed') last = event;
			// Which key this run uses, for whoever shows it (the smoke pane names it).
			yield event.type === 'started' ? {...event, keyHint} : event;
		}
	} catch (error) {
		threw = true;
		throw error;
	} finally {
		if (!threw) outcome = await store(ctx, prepared, model, startedAt, last ?? stoppedEarly(startedClock));
	}
	return outcome!;
}

/** What a run the consumer abandoned before its last event counts as: cancelled. */
function stoppedEarly(startedClock: number): Extract<SmokeEvent, {type: 'failed'}> {
	return {
		type: 'failed',
		error: {class: 'cancelled', message: 'The smoke test is stopped before it ends', hint: 'run it again'},
		metrics: {ttftMs: null, totalMs: Math.round(performance.now() - startedClock), outputTokens: null, tokensPerSecond: null},
	};
}

async function store(ctx: ServiceContext, prepared: PreparedSmoke, model: string, startedAt: Date, last: Extract<SmokeEvent, {type: 'finished' | 'failed'}>): Promise<SmokeOutcome> {
	const {provider, chosen} = prepared;
	const outcome: SmokeOutcome['outcome'] = last.type === 'finished' ? 'ok' : last.error.class === 'cancelled' ? 'cancelled' : 'failed';
	// Stored text (excerpt, error, rate headers) passes the redactor once more, right before it is written.
	const redact = storedTextRedactor(prepared, model);
	const error = last.type === 'failed' ? {...last.error, message: redact.message(last.error.message)} : null;
	const excerpt = last.type === 'finished' ? redact.text(last.excerpt) : '';
	const finishedAt = new Date();
	const rateHeaders = redact.headers(last.rateHeaders ?? null);
	const estimated = last.metrics.outputTokensEstimated === true;
	// A cancelled run says nothing about the key: its last validation stays what it was.
	const validates = chosen !== null && outcome !== 'cancelled';
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
			probeKind: prepared.kind,
			inputTokens: last.metrics.inputTokens ?? null,
			tokensEstimated: estimated,
			rateHeaders,
		});
		if (validates) {
			await recordValidation(tx, chosen.key.id, {outcome, errorClass: error?.class ?? null, message: error?.message ?? null, model, at: finishedAt.toISOString()});
		}
		return {
			value: id,
			audit: {
				action: 'smoke.run',
				targetType: 'provider',
				targetId: provider.id,
				details: {
					provider: provider.name,
					model,
					probe: prepared.kind,
					key: chosen?.key.displayHint ?? null,
					keyId: chosen?.key.id ?? null,
					outcome,
					errorClass: error?.class ?? null,
					ttftMs: last.metrics.ttftMs,
					totalMs: last.metrics.totalMs,
					inputTokens: last.metrics.inputTokens ?? null,
					outputTokens: last.metrics.outputTokens,
					tokensEstimated: estimated,
				},
			},
			changes: [{table: 'smoke_runs', id}, ...(validates ? [{table: 'provider_keys', id: chosen.key.id}] : [])],
		};
	});
	return {
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
		probeKind: prepared.kind,
		streamed: last.metrics.streamed === true,
		askedToStream: streams(prepared),
		rateHeaders,
	};
}

/** A batch smoke test resolved and ready to run: which models, at what pace. */
export interface SmokeBatch {
	readonly provider: Provider;
	readonly models: readonly string[];
	/** Requests in flight at once: the provider's concurrency, else the `default_concurrency` setting. */
	readonly concurrency: number;
	/** `describeLimits` wording for the pace actually applied. */
	readonly limits: string;
	/** Runs every model; see {@link runSmokeBatch}. */
	readonly prepared: PreparedSmoke;
	/** The check every model gets. A `models` batch is ONE request, whatever the number of models. */
	readonly kind: ProbeKind;
}

/** Resolves provider, key and models for `--all-models` before anything is sent, so a missing key fails once, not per model. */
export async function planSmokeBatch(ctx: ServiceContext, target: {provider: string; key?: string; probe?: ProbeKind}): Promise<SmokeBatch> {
	assertWritable(ctx);
	const provider = await getProvider(ctx, target.provider);
	return planFor(ctx, provider, target);
}

/** {@link planSmokeBatch} for a provider already in hand (`eval752 probe` plans many at once). */
export async function planFor(ctx: ServiceContext, provider: Provider, target: {key?: string; probe?: ProbeKind}): Promise<SmokeBatch> {
	const models = (await listConfiguredModels(ctx, provider.id)).map((model) => model.modelName);
	if (models.length === 0) throw noModels(provider);
	const prepared = await prepare(ctx, provider, target);
	const {settings} = prepared;
	const rates = {...provider.rateLimits, concurrency: provider.rateLimits.concurrency ?? settings.default_concurrency};
	return {provider, models, concurrency: rates.concurrency, limits: describeLimits(rates), prepared, kind: prepared.kind};
}

export interface BatchHandlers {
	/** A model's request is about to go out (it has its limiter slot). */
	readonly onStart?: (model: string) => void;
	readonly onEvent?: (model: string, event: SmokeEvent) => void;
	readonly onOutcome?: (outcome: SmokeOutcome) => void;
}

/** A model that never got a slot because the batch was cancelled while it waited. */
export interface SmokeSkipped {
	readonly model: string;
	readonly outcome: 'cancelled';
	readonly runId: null;
}

/**
 * Every model of the batch through one client-side limiter built from the provider's rate
 * limits (rpm, rps, concurrency): eval752 paces its own requests so a batch does not trip the
 * provider's limits. Each model is its own stored, audited run. Results come back in the
 * batch's model order; models still queued when the signal aborts are reported as skipped and
 * nothing is stored for them (no request went out).
 */
export async function runSmokeBatch(ctx: ServiceContext, batch: SmokeBatch, signal: AbortSignal, handlers: BatchHandlers = {}): Promise<Array<SmokeOutcome | SmokeSkipped>> {
	const limiter = createLimiter({...batch.provider.rateLimits, concurrency: batch.concurrency});
	if (batch.kind === 'models') return runModelsBatch(ctx, batch, limiter, signal, handlers);
	const runOne = async (model: string): Promise<SmokeOutcome | SmokeSkipped> => {
		let release: () => void;
		try {
			release = await limiter.acquire(signal);
		} catch (error) {
			if (signal.aborted) return {model, outcome: 'cancelled', runId: null};
			throw error;
		}
		try {
			handlers.onStart?.(model);
			const result = await consume(streamAndStore(ctx, batch.prepared, model, signal), (event) => handlers.onEvent?.(model, event));
			handlers.onOutcome?.(result);
			return result;
		} finally {
			release();
		}
	};
	const settled = await Promise.allSettled(batch.models.map(runOne));
	const failure = settled.find((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
	if (failure) {
		log.error('smoke batch failed', {provider: batch.provider.id, error: failure.reason instanceof Error ? failure.reason.message : String(failure.reason)});
		throw failure.reason;
	}
	return settled.map((entry) => (entry as PromiseFulfilledResult<SmokeOutcome | SmokeSkipped>).value);
}

/**
 * A `models` batch: ONE GET /models (one limiter slot) answers for every model, and each model
 * is still its own stored, audited run with its own verdict — listed or not.
 */
async function runModelsBatch(ctx: ServiceContext, batch: SmokeBatch, limiter: ReturnType<typeof createLimiter>, signal: AbortSignal, handlers: BatchHandlers): Promise<Array<SmokeOutcome | SmokeSkipped>> {
	let release: () => void;
	try {
		release = await limiter.acquire(signal);
	} catch (error) {
		if (signal.aborted) return batch.models.map((model) => ({model, outcome: 'cancelled', runId: null}));
		throw error;
	}
	const {provider, chosen, settings} = batch.prepared;
	const startedAt = new Date();
	let listed: {result: ModelListResult; totalMs: number};
	try {
		for (const model of batch.models) handlers.onStart?.(model);
		const attempts = modelListAttempts({provider: connectionOf(provider), apiKey: chosen?.secret ?? null, otherSecrets: batch.prepared.otherSecrets, timeoutMs: settings.timeout_ms, maxRetries: settings.max_retries}, signal);
		for (;;) {
			const step = await attempts.next();
			if (step.done) {
				listed = step.value;
				break;
			}
			for (const model of batch.models) handlers.onEvent?.(model, {...step.value, model} as SmokeEvent);
		}
	} finally {
		release();
	}
	const results: SmokeOutcome[] = [];
	for (const model of batch.models) {
		const events = verdictEvents(modelListVerdict(listed.result, provider, model), listed.totalMs, listed.result.rateHeaders);
		const result = await consume(storeEvents(ctx, batch.prepared, model, events, startedAt), (event) => handlers.onEvent?.(model, event));
		handlers.onOutcome?.(result);
		results.push(result);
	}
	return results;
}

/** A provider's model list next to what is configured here, fit to show. */
export interface DiscoveredModels {
	/** Ids the provider serves that pass the model-name rule, any piece of the key redacted; sorted. */
	readonly served: string[];
	/** Configured model names the provider no longer lists. */
	readonly missing: string[];
	/** Ids refused by the model-name rule: counted, never shown. */
	readonly skipped: number;
	/** "3 ids skipped (unsafe characters)" when some were, else null: the line both front ends show under the list. */
	readonly skippedNote: string | null;
}

/**
 * What the provider serves, and which configured models it no longer lists. Ids come through
 * the provider layer's screening: unsafe ones are only counted (`skipped`, `skippedNote`),
 * none is ever returned raw.
 */
export async function discoverModels(ctx: ServiceContext, providerRef: string, signal?: AbortSignal, options: {timeoutMs?: number} = {}): Promise<DiscoveredModels> {
	const provider = await getProvider(ctx, providerRef);
	const chosen = await keyForCall(ctx, provider.id);
	const refusal = missingKeyError(provider, chosen, 'to list its models with');
	if (refusal) throw refusal;
	const timeoutMs = options.timeoutMs ?? (await getSettings(ctx)).values.timeout_ms;
	const {ids: served, skipped} = await listModels(connectionOf(provider), chosen?.secret ?? null, signal, {timeoutMs});
	const servedSet = new Set(served);
	const configured = await listConfiguredModels(ctx, provider.id);
	return {served, missing: configured.map((m) => m.modelName).filter((name) => !servedSet.has(name)), skipped, skippedNote: skippedIdsNote(skipped)};
}

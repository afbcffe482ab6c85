/**
 * The HTTP side of a provider: an `openai` SDK client set up for it, and its model
 * list. The SDK is loaded on first use (`await import`), not at start-up: it is a
 * large module graph and the dashboard must open fast for whoever is on call.
 */
import type OpenAI from 'openai';
import type {Capability, ProviderType} from '../domain/families.js';
import {providerFetch} from './door.js';
import {classifyError, ProviderError, ProviderTimeoutError, type ClassifiedError} from './errors.js';
import {endpointUrl, normaliseModelList, requestHeaders} from './families.js';
import {screenModelIds} from '../domain/model.js';
import {pickRateHeaders} from '../domain/observed-limits.js';
import {createRedactor, redactValues} from './redact.js';

/** A provider as the provider layer needs it: no key (that comes separately, decrypted just in time). */
export interface ProviderConnection {
	readonly id: string;
	readonly name: string;
	readonly type: ProviderType;
	readonly baseUrl: string;
	readonly extraHeaders: Readonly<Record<string, string>>;
	readonly capabilities: readonly Capability[];
}

/**
 * The SDK refuses to build a client without a key, and would otherwise read
 * `OPENAI_API_KEY` from the environment and send it to whichever provider this is.
 * A keyless client gets this placeholder and its `Authorization` header removed.
 */
const KEYLESS_PLACEHOLDER = 'eval752-no-key';

/** How long `listModels` waits for a provider unless told otherwise. */
export const DEFAULT_LIST_TIMEOUT_MS = 30_000;

/** Error bodies are read only this far: enough for any real message, bounded for a hostile one. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * Loads the SDK ahead of the first request: a long-running prober (`eval752 watch`) pays the
 * import once at start, not inside the first interval it has claimed.
 */
export async function preloadClient(): Promise<void> {
	await import('openai');
}

/**
 * An SDK client for one provider and key. Its own retries are off (the smoke
 * settings decide), it logs nothing (it would write to the console, over the
 * dashboard), and every value it would otherwise take from the environment
 * (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, organisation, project) is set explicitly,
 * so nothing of the operator's shell leaks into a request to another provider.
 */
export async function createClient(provider: ProviderConnection, apiKey: string | null): Promise<OpenAI> {
	const {default: OpenAISdk} = await import('openai');
	const headers: Record<string, string | null> = requestHeaders(provider, apiKey);
	// Azure's key goes in `api-key`, a keyless provider gets none: the SDK's own
	// Bearer header (from the placeholder or the key) is removed by an explicit null.
	if (!Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) headers['Authorization'] = null;
	return new OpenAISdk({
		apiKey: apiKey ?? KEYLESS_PLACEHOLDER,
		adminAPIKey: null,
		organization: null,
		project: null,
		webhookSecret: null,
		baseURL: provider.baseUrl,
		defaultHeaders: headers,
		maxRetries: 0,
		logLevel: 'off',
		// Every request leaves through the provider's door: its origin only, no redirects.
		fetch: keepWholeErrors(providerFetch(provider)),
	});
}

/**
 * The SDK keeps only the `error` field of an error body (and nothing of a body that has none:
 * vLLM's and Mistral's flat `{object: "error", message, type, code}`, Gemini's `[{error: …}]`,
 * FastAPI's `{detail}` all become "404 status code (no body)"), and reads a body of any size.
 * This fetch reads an error body up to {@link ERROR_BODY_LIMIT} and hands the SDK one with the
 * whole error under `error`, so classification sees status, type, code and message together.
 */
function keepWholeErrors(inner: typeof fetch): typeof fetch {
	return async (input, init) => {
		const response = await inner(input, init);
		if (response.status < 400) return response;
		const text = await readCapped(response, ERROR_BODY_LIMIT);
		const headers = new Headers(response.headers);
		headers.delete('content-length');
		headers.delete('content-encoding');
		return new Response(errorEnvelope(text), {status: response.status, statusText: response.statusText, headers});
	};
}

/** An error body with everything it said under `error` (text that is not JSON stays as it is). */
export function errorEnvelope(text: string): string {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return text;
	}
	if (Array.isArray(parsed)) parsed = parsed[0];
	if (parsed && typeof parsed === 'object' && 'error' in parsed) return JSON.stringify(parsed);
	if (parsed === undefined || parsed === null) return text;
	return JSON.stringify({error: parsed});
}

export interface ListOptions {
	readonly timeoutMs?: number;
	/** Other keys in play (a rotation's serving key): never sent, redacted from everything the answer says. */
	readonly otherSecrets?: readonly string[];
}

/** A model list as fetched: the ids, or the classified failure; with the response's rate-limit headers either way. */
export type ModelListResult =
	| {readonly ok: true; readonly models: string[]; readonly rateHeaders: Record<string, string> | null; readonly status: number}
	| {readonly ok: false; readonly error: ClassifiedError; readonly rateHeaders: Record<string, string> | null};

/**
 * GET `<baseUrl>/models`, normalised for the family and sorted, without throwing: a failure comes
 * back classified (a 404 here always means the base URL is wrong). Uses a plain GET rather than
 * the SDK's paginated list: Together answers with a bare array the SDK's page class does not read.
 */
export async function fetchModelList(
	provider: ProviderConnection,
	apiKey: string | null,
	signal?: AbortSignal,
	options: ListOptions = {},
): Promise<ModelListResult> {
	const timeoutMs = options.timeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
	const url = endpointUrl(provider.baseUrl, 'models');
	const inPlay = [apiKey, ...(options.otherSecrets ?? [])];
	const ctx = {providerName: provider.name, providerType: provider.type, model: '', secret: inPlay, endpoint: {path: 'models' as const, url}, baseUrl: provider.baseUrl};

	const controller = new AbortController();
	let timedOut = false;
	const onAbort = () => controller.abort();
	signal?.addEventListener('abort', onAbort, {once: true});
	if (signal?.aborted) controller.abort();
	const timer = setTimeout(() => {
		timedOut = true;
		controller.abort();
	}, timeoutMs);
	const failed = (error: ClassifiedError, rateHeaders: Record<string, string> | null = null): ModelListResult => ({ok: false, error, rateHeaders});

	try {
		let response: Response;
		try {
			// The door: this provider's origin only, no redirect followed (a 3xx is refused).
			response = await providerFetch(provider)(url, {
				headers: {Accept: 'application/json', ...requestHeaders(provider, apiKey)},
				signal: controller.signal,
			});
		} catch (error) {
			if (timedOut) return failed(classifyError({error: new ProviderTimeoutError('request', timeoutMs)}, ctx));
			return failed(classifyError({error}, ctx));
		}
		const rateHeaders = redactValues(pickRateHeaders(response.headers), inPlay);

		if (!response.ok) {
			const body = await readCapped(response, ERROR_BODY_LIMIT);
			return failed(classifyError({status: response.status, body, headers: response.headers}, ctx), rateHeaders);
		}

		let text: string;
		try {
			text = await response.text();
		} catch (error) {
			if (timedOut) return failed(classifyError({error: new ProviderTimeoutError('request', timeoutMs)}, ctx), rateHeaders);
			return failed(classifyError({error}, ctx), rateHeaders);
		}
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
			return {ok: true, models: normaliseModelList(provider.type, parsed), rateHeaders, status: response.status};
		} catch (error) {
			// A 200 whose body is an error (LM Studio answers an unknown path so) classifies as one.
			return failed(classifyError({status: response.status, error, body: text.slice(0, ERROR_BODY_LIMIT)}, ctx), rateHeaders);
		}
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', onAbort);
	}
}

/** What a provider's `/models` list gives, fit to show. */
export interface ServedModels {
	/** Ids that pass the model-name rule, with any piece of the key redacted; sorted, each once. */
	readonly ids: string[];
	/** Ids refused by the model-name rule (control, escape or invisible characters, spaces…): counted, never shown. */
	readonly skipped: number;
}

/**
 * The provider's model ids, normalised for its family, screened and sorted (see
 * {@link fetchModelList}). An id is provider text like any other: ids that fail the model-name
 * rule (`screenModelIds`) are only counted, and an id that echoes the key (`keyecho-sk-…`) is
 * redacted like an error body would be. Failures throw a {@link ProviderError} carrying the
 * classified error.
 */
export async function listModels(
	provider: ProviderConnection,
	apiKey: string | null,
	signal?: AbortSignal,
	options: ListOptions = {},
): Promise<ServedModels> {
	const result = await fetchModelList(provider, apiKey, signal, options);
	if (!result.ok) throw new ProviderError(result.error);
	const {valid, skipped} = screenModelIds(result.models);
	const redact = createRedactor([apiKey, ...(options.otherSecrets ?? [])]);
	const ids = [...new Set(valid.map((id) => redact(id)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	return {ids, skipped};
}

async function readCapped(response: Response, limit: number): Promise<string> {
	if (!response.body) return '';
	const reader = response.body.getReader();
	const decoder = new TextDecoder();
	let text = '';
	try {
		while (text.length < limit) {
			const {value, done} = await reader.read();
			if (done) break;
			text += decoder.decode(value, {stream: true});
		}
		text += decoder.decode();
	} catch {
		// A body cut short still classifies by its status.
	} finally {
		reader.cancel().catch(() => {});
	}
	return text.slice(0, limit);
}

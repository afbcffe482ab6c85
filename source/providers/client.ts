/**
 * The HTTP side of a provider: an `openai` SDK client set up for it, and its model
 * list. The SDK is loaded on first use (`await import`), not at start-up: it is a
 * large module graph and the dashboard must open fast for whoever is on call.
 */
import type OpenAI from 'openai';
import type {Capability, ProviderType} from '../domain/families.js';
import {screenModelIds} from '../domain/model.js';
import {classifyError, ProviderError, ProviderTimeoutError, type ClassifiedError} from './errors.js';
import {endpointUrl, normaliseModelList, requestHeaders} from './families.js';
import {redactSecret} from './redact.js';
import {sanitizeText} from '../lib/sanitize.js';

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
	});
}

/** What a provider's `/models` list gives, fit to show. */
export interface ServedModels {
	/** Ids that pass the model-name rule, with any piece of the key redacted; sorted, each once. */
	readonly ids: string[];
	/** Ids refused by the model-name rule (control, escape or invisible characters, spaces…): counted, never shown. */
	readonly skipped: number;
}

/**
 * The provider's model ids, normalised for its family, screened and sorted. An id is
 * provider text like any other: ids that fail the model-name rule (`screenModelIds`) are
 * only counted, and an id that echoes the key (`keyecho-sk-…`) is redacted like an error
 * body would be. Uses a plain GET rather than the SDK's paginated list: Together answers
 * with a bare array the SDK's page class does not read. Failures throw a
 * {@link ProviderError} carrying the classified error.
 */
export async function listModels(
	provider: ProviderConnection,
	apiKey: string | null,
	signal?: AbortSignal,
	options: {timeoutMs?: number} = {},
): Promise<ServedModels> {
	const timeoutMs = options.timeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
	const url = endpointUrl(provider.baseUrl, 'models');
	const ctx = {providerName: provider.name, providerType: provider.type, model: '', secret: apiKey};
	const fail = (classified: ClassifiedError): never => {
		throw new ProviderError(classified);
	};

	const controller = new AbortController();
	let timedOut = false;
	const onAbort = () => controller.abort();
	signal?.addEventListener('abort', onAbort, {once: true});
	if (signal?.aborted) controller.abort();
	const timer = setTimeout(() => {
		timedOut = true;
		controller.abort();
	}, timeoutMs);

	try {
		let response: Response;
		try {
			response = await fetch(url, {
				headers: {Accept: 'application/json', ...requestHeaders(provider, apiKey)},
				signal: controller.signal,
			});
		} catch (error) {
			if (timedOut) return fail(classifyError({error: new ProviderTimeoutError('request', timeoutMs)}, ctx));
			return fail(classifyError({error}, ctx));
		}

		if (!response.ok) {
			const body = await readCapped(response, ERROR_BODY_LIMIT);
			const classified = classifyError({status: response.status, body, headers: response.headers}, ctx);
			if (response.status === 404) {
				// On /models a 404 means the base URL is wrong, not the model.
				return fail({
					...classified,
					class: 'protocol',
					message: `Provider ${provider.name} has no model list at ${sanitizeText(url)} (404)`,
					hint: 'Check the base URL: it usually ends in /v1 (for Gemini: /v1beta/openai)',
				});
			}
			return fail(classified);
		}

		let text: string;
		try {
			text = await response.text();
		} catch (error) {
			if (timedOut) return fail(classifyError({error: new ProviderTimeoutError('request', timeoutMs)}, ctx));
			return fail(classifyError({error}, ctx));
		}
		let listed: string[];
		try {
			listed = normaliseModelList(provider.type, JSON.parse(text));
		} catch (error) {
			return fail(classifyError({error, body: text.slice(0, ERROR_BODY_LIMIT)}, ctx));
		}
		const {valid, skipped} = screenModelIds(listed);
		const ids = [...new Set(valid.map((id) => redactSecret(id, apiKey)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		return {ids, skipped};
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', onAbort);
	}
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

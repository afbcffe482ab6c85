/**
 * Per-family quirks of talking to a provider, on top of the pure data in
 * `domain/families.ts`: which header carries the key and how each family's model
 * list is shaped (whether a key is needed at all is `keyRequired` there). Everything else about
 * a provider is the plain OpenAI-compatible API.
 */
import type {ProviderType} from '../domain/families.js';

/** What the client needs to know about a provider to send it a request. */
export interface ProviderEndpoint {
	readonly name: string;
	readonly type: ProviderType;
	readonly baseUrl: string;
	/** Non-secret headers the operator configured (an OpenRouter `HTTP-Referer`, a gateway tag). */
	readonly extraHeaders: Readonly<Record<string, string>>;
}

/** Header names that carry a key in some family; never taken from `extraHeaders` when we send a key. */
const authHeaderNames = ['authorization', 'api-key', 'x-api-key'];

/**
 * The headers that carry the key. Most families take `Authorization: Bearer`;
 * Azure OpenAI takes `api-key` (a Bearer header there means an Entra token, and a
 * key in it is rejected); Anthropic's OpenAI-compatible endpoint takes Bearer for
 * chat, but its `/models` only answers to `x-api-key` plus a version header.
 */
export function authHeaders(type: ProviderType, apiKey: string | null): Record<string, string> {
	if (!apiKey) return {};
	switch (type) {
		case 'azure-openai':
			return {'api-key': apiKey};
		case 'anthropic':
			return {Authorization: `Bearer ${apiKey}`, 'x-api-key': apiKey, 'anthropic-version': '2023-06-01'};
		default:
			return {Authorization: `Bearer ${apiKey}`};
	}
}

/**
 * Every header a request to this provider carries besides the SDK's own: the
 * operator's extra headers, then the key's. When a key is sent, an auth header of
 * the same name in `extraHeaders` is overridden, so a stale value there cannot
 * shadow the key being tested.
 */
export function requestHeaders(provider: ProviderEndpoint, apiKey: string | null): Record<string, string> {
	const headers: Record<string, string> = {};
	const auth = authHeaders(provider.type, apiKey);
	const overridden = new Set(Object.keys(auth).map((name) => name.toLowerCase()));
	if (apiKey) for (const name of authHeaderNames) overridden.add(name);
	for (const [name, value] of Object.entries(provider.extraHeaders)) {
		if (!overridden.has(name.toLowerCase())) headers[name] = value;
	}
	return {...headers, ...auth};
}

/**
 * The model id sent in a request. On Azure OpenAI the "model" is the deployment
 * name the operator chose, not the underlying model; every other family takes the
 * id as listed. Kept as a function so the rule lives in one place.
 */
export function requestModel(_type: ProviderType, model: string): string {
	return model;
}

/** `<baseUrl>/<path>` without doubled or missing slashes. */
export function endpointUrl(baseUrl: string, path: string): string {
	return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Model ids from a `/models` body, whatever its shape: the OpenAI `{data: [{id}]}`,
 * Together's bare array, Gemini's `models/…` ids (the chat endpoint wants them
 * without the prefix) or Gemini's native `{models: [{name}]}`. Deduplicated and
 * sorted. Throws a `SyntaxError` when the body has no list at all, which the
 * error classifier reports as a protocol problem.
 */
export function normaliseModelList(type: ProviderType, body: unknown): string[] {
	const items = listItems(body);
	if (!items) throw new SyntaxError('the model list has neither a `data` array nor a bare array');
	const ids = new Set<string>();
	for (const item of items) {
		let id: unknown = item;
		if (item && typeof item === 'object') {
			const record = item as Record<string, unknown>;
			id = record['id'] ?? record['name'];
		}
		if (typeof id !== 'string' || id.trim() === '') continue;
		ids.add(type === 'gemini' ? id.replace(/^models\//, '') : id);
	}
	// Code-unit order, not locale order: the same list sorts the same on every machine.
	return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function listItems(body: unknown): unknown[] | undefined {
	if (Array.isArray(body)) return body;
	if (body && typeof body === 'object') {
		const record = body as Record<string, unknown>;
		if (Array.isArray(record['data'])) return record['data'];
		if (Array.isArray(record['models'])) return record['models'];
	}
	return undefined;
}

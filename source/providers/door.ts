/**
 * The one door every request to a provider leaves through — the SDK's (chat completions) and our
 * own (`GET /models`) alike. The family decides which header carries the key
 * (`families.ts`); the door decides where a request may go:
 *
 * - only to the origin (scheme, host, port) of the provider's stored base URL;
 * - never by a redirect: every request goes out with `redirect: 'manual'`, and a 3xx answer is
 *   refused as a configuration error naming the `Location` origin. fetch would follow a
 *   redirect to another origin and drop only `Authorization` — Azure's `api-key` and
 *   Anthropic's `x-api-key` would go along — and a probe would then report `ok` for a server
 *   that is not the configured one;
 * - never in cleartext to a public vendor (`domain/destination.ts`); plain http to a
 *   self-hosted server on another machine goes out, and is logged once per origin.
 *
 * Keyless requests (a local server without a key) pass the same door: a probe that follows a
 * redirect says nothing true about the configured server either.
 */
import {cleartextRisk, originOf} from '../domain/destination.js';
import type {ProviderType} from '../domain/families.js';
import {log} from '../log.js';

/** What the door needs to know about a provider. */
export interface Destination {
	readonly name: string;
	readonly type: ProviderType;
	readonly baseUrl: string;
}

export type RefusalKind = 'redirect' | 'cleartext' | 'origin';

/**
 * A request the door did not let through, or a redirect it did not follow. Nothing after the
 * refusal was sent anywhere. Carries origins only (never a path or query, which a hostile
 * server could fill with anything); the error classifier words it for the operator.
 */
export class DestinationRefused extends Error {
	readonly kind: RefusalKind;
	/** The base URL's origin: where keys for this provider go. */
	readonly allowed: string;
	/** redirect: the `Location` origin ('' when there was none or it is not a URL); origin: where the request was headed. */
	readonly target: string;
	/** redirect: the HTTP status. */
	readonly status: number | undefined;
	/** redirect: the Location points at another path of the same origin. */
	readonly sameOrigin: boolean;

	constructor(kind: RefusalKind, fields: {allowed: string; target?: string; status?: number; sameOrigin?: boolean}) {
		super(kind === 'redirect' ? `redirect (${fields.status}) refused` : kind === 'cleartext' ? 'cleartext request refused' : 'request to another origin refused');
		this.name = 'DestinationRefused';
		this.kind = kind;
		this.allowed = fields.allowed;
		this.target = fields.target ?? '';
		this.status = fields.status;
		this.sameOrigin = fields.sameOrigin ?? false;
	}
}

/** Cleartext origins already warned about in this process: the warning is loud once, not on every probe. */
const warned = new Set<string>();

function requestUrl(input: Parameters<typeof fetch>[0]): URL {
	if (input instanceof URL) return input;
	if (typeof input === 'string') return new URL(input);
	return new URL(input.url);
}

/** A 3xx that asks the client to go elsewhere (304 is a cache answer, not a redirect). */
function isRedirect(response: Response): boolean {
	return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400 && response.status !== 304);
}

/** The origin a Location header points at, resolved against the request; '' when it is missing or not a URL. */
function locationOrigin(location: string | null, from: URL): URL | undefined {
	if (location === null || location.trim() === '') return undefined;
	try {
		return new URL(location, from);
	} catch {
		return undefined;
	}
}

/**
 * Checks a provider's base URL before anything is sent: throws {@link DestinationRefused}
 * when a key for it would travel in cleartext to a public vendor.
 */
export function checkDestination(provider: Destination): URL {
	const base = new URL(provider.baseUrl);
	const risk = cleartextRisk(provider.type, provider.baseUrl);
	if (risk?.refused) throw new DestinationRefused('cleartext', {allowed: originOf(base)});
	if (risk && !warned.has(originOf(base))) {
		warned.add(originOf(base));
		log.warn('provider base URL is plain http to another machine', {provider: provider.name, origin: originOf(base)});
	}
	return base;
}

/**
 * A fetch for one provider that lets requests through only to its base URL's origin, never
 * follows a redirect, and refuses cleartext to a public vendor (see the module comment).
 * Refusals throw {@link DestinationRefused}; the SDK wraps it as the cause of its connection
 * error, and `classifyError` finds it there.
 */
export function providerFetch(provider: Destination, inner: typeof fetch = globalThis.fetch): typeof fetch {
	const allowed = originOf(checkDestination(provider));
	return async (input, init) => {
		const url = requestUrl(input);
		if (originOf(url) !== allowed) throw new DestinationRefused('origin', {allowed, target: originOf(url)});
		checkDestination(provider);
		const request = input instanceof Request ? new Request(input, {redirect: 'manual'}) : input;
		const response = await inner(request, {...init, redirect: 'manual'});
		if (!isRedirect(response)) return response;
		// Nothing of a redirect's body is needed; its connection is released.
		await response.body?.cancel().catch(() => undefined);
		const next = locationOrigin(response.headers.get('location'), url);
		throw new DestinationRefused('redirect', {allowed, target: next ? originOf(next) : '', status: response.status, sameOrigin: next !== undefined && originOf(next) === allowed});
	};
}

/**
 * Provider failures, classified. Whatever went wrong — an HTTP status with a JSON
 * body, a refused connection deep in an `error.cause` chain, a malformed SSE line,
 * one of our own timers — ends up as one {@link ClassifiedError}: a class the
 * services can act on (retry or not), a one-line message that names the provider
 * in present tense, and a hint that says what to try for this provider family.
 *
 * The message quotes provider text, so every piece of it that came from outside —
 * the body's message, an error's own text — is redacted (the key and long
 * fragments of it) and sanitised (no escape sequences) before it is quoted; the
 * whole line is then sanitised once more and cut short. eval752's own words around
 * it (the provider's name, the model) are never redacted: a placeholder key that
 * shares a few characters with a provider's name must not turn "Provider peering"
 * into "Provider peer[redacted]". The result is shown, logged and stored as it is.
 */
import {families, type ProviderType} from '../domain/families.js';
import {UserError} from '../errors.js';
import {DestinationRefused} from './door.js';
import {redactSecret, type Secrets} from './redact.js';
import {sanitizeText} from '../lib/sanitize.js';

export const errorClasses = [
	'auth',
	'permission',
	'quota',
	'rate_limited',
	'model_not_found',
	'bad_request',
	'context',
	'server',
	'timeout',
	'network',
	'protocol',
	'redirect',
	'insecure',
	'cancelled',
] as const;

export type ErrorClass = (typeof errorClasses)[number];

export interface ClassifiedError {
	readonly class: ErrorClass;
	/** HTTP status when the provider answered with one. */
	readonly status?: number;
	/** One line, present tense, naming the provider; redacted and sanitised. */
	readonly message: string;
	/** One line: what to try next, for this provider family. */
	readonly hint: string;
	/** From `retry-after` / `retry-after-ms` (or Gemini's `retryDelay`) on a 429. */
	readonly retryAfterMs?: number;
}

export interface ErrorInput {
	readonly status?: number;
	readonly body?: string;
	readonly headers?: Headers | Readonly<Record<string, string>>;
	readonly error?: unknown;
}

export interface ErrorContext {
	readonly providerName: string;
	readonly providerType: ProviderType;
	readonly model: string;
	/** The keys in play (the one sent, and any other a hostile endpoint may have seen); every trace of them is removed from message and hint. */
	readonly secret: Secrets;
	/**
	 * The endpoint the request went to. A 404 from `models` always means the base URL is wrong;
	 * from `chat/completions` it does unless the error is about the model.
	 */
	readonly endpoint?: {readonly path: 'models' | 'chat/completions'; readonly url: string};
	/** The provider's stored base URL: a hint about a wrong address looks at what is there already. */
	readonly baseUrl?: string;
}

export const MESSAGE_LIMIT = 300;

/** Classes worth another attempt: the same request may well succeed a moment later. */
export function isRetryable(errorClass: ErrorClass): boolean {
	return errorClass === 'rate_limited' || errorClass === 'server' || errorClass === 'network';
}

/**
 * A classified provider failure as an exception, for calls that return a value
 * (`listModels`) rather than a stream of events. It is a `UserError`: the CLI
 * prints its message and hint, and nothing treats it as a bug.
 */
export class ProviderError extends UserError {
	readonly classified: ClassifiedError;

	constructor(classified: ClassifiedError) {
		super(classified.message, {hint: classified.hint});
		this.classified = classified;
	}
}

/**
 * Thrown (or passed to {@link classifyError}) when one of our own timers fires:
 * the SDK's timeout stops at the response headers, so a stream that stalls later
 * is only caught by ours.
 */
export class ProviderTimeoutError extends Error {
	readonly phase: 'first-byte' | 'idle' | 'request';
	readonly timeoutMs: number;

	constructor(phase: 'first-byte' | 'idle' | 'request', timeoutMs: number) {
		super(`no ${phase === 'idle' ? 'chunk' : 'answer'} within ${timeoutMs} ms`);
		this.name = 'ProviderTimeoutError';
		this.phase = phase;
		this.timeoutMs = timeoutMs;
	}
}

/** Turns any provider failure into a {@link ClassifiedError}; never throws. */
export function classifyError(input: ErrorInput, ctx: ErrorContext): ClassifiedError {
	const classified = classify(input, ctx);
	// Outside text in the message is already cleaned where it is quoted (cleanDetail);
	// hints are ours. Both are made one safe line, not redacted again.
	return {
		...classified,
		message: oneLine(classified.message, MESSAGE_LIMIT),
		hint: oneLine(classified.hint, MESSAGE_LIMIT),
	};
}

type Draft = {class: ErrorClass; status?: number; message: string; hint: string; retryAfterMs?: number};

function classify(input: ErrorInput, ctx: ErrorContext): Draft {
	const name = ctx.providerName;
	const error = input.error;

	const refused = findInChain(error, (link) => (link instanceof DestinationRefused ? link : undefined));
	if (refused) return destinationRefused(refused, ctx);

	const timeout = findInChain(error, (link) => (link instanceof ProviderTimeoutError ? link : undefined));
	if (timeout) {
		const limit = formatDuration(timeout.timeoutMs);
		const message =
			timeout.phase === 'first-byte' ? `Provider ${name} sends nothing within ${limit}`
			: timeout.phase === 'idle' ? `Provider ${name} stops streaming for more than ${limit}`
			: `Provider ${name} doesn't answer within ${limit}`;
		return {class: 'timeout', message, hint: hintFor('timeout', situationOf(ctx))};
	}

	if (isAbort(error)) {
		return {class: 'cancelled', message: `Request to provider ${name} is cancelled`, hint: hintFor('cancelled', situationOf(ctx))};
	}

	const api = apiErrorParts(error);
	const status = input.status ?? api?.status;
	const headers = input.headers ?? api?.headers;
	const body = input.body ?? api?.body;
	const details = readBody(body);

	if (status !== undefined && (status < 200 || status >= 300)) {
		return classifyFacts({status, where: 'http'}, headers, details, ctx);
	}

	// An error without an HTTP error status: an SSE `error` event inside a stream that answered
	// 200 (the SDK throws it with no status), or a 200 whose JSON body is an error (LM Studio
	// answers an unknown path that way). Classified from the same facts as an HTTP error.
	if (details.isError) {
		return classifyFacts({status: details.embeddedStatus, where: api && api.status === undefined ? 'stream' : 'body'}, headers, details, ctx);
	}

	if (error !== undefined) {
		const syntax = findInChain(error, (link) => (link instanceof SyntaxError ? link : undefined));
		if (syntax) {
			const why = cleanDetail(syntax.message, ctx.secret);
			return {class: 'protocol', message: `Provider ${name} sends a response eval752 can't read${why ? `: ${why}` : ''}`, hint: hintFor('protocol', situationOf(ctx))};
		}
		const network = networkProblem(error, ctx.secret);
		if (network) {
			const message = network.midResponse ? `Provider ${name} closes the connection before the response is complete` : `Can't reach provider ${name}: ${network.phrase}`;
			return {class: 'network', message, hint: network.tls ? tlsHint : hintFor('network', situationOf(ctx))};
		}
	}

	if (body !== undefined) {
		const detail = cleanDetail(details.message, ctx.secret);
		return {class: 'protocol', status, message: `Provider ${name} sends a response eval752 can't read${detail ? `: ${detail}` : ''}`, hint: hintFor('protocol', situationOf(ctx))};
	}

	const text = error instanceof Error ? error.message : error === undefined ? '' : String(error);
	const why = cleanDetail(text, ctx.secret);
	return {class: 'protocol', message: `Provider ${name} fails in an unexpected way${why ? `: ${why}` : ''}`, hint: hintFor('protocol', situationOf(ctx))};
}

/**
 * Where the error was found: an HTTP error status; an SSE error event inside a 200 stream; a
 * 200 body that is an error. `status` is the HTTP status, or for the other two the status the
 * body names itself (OpenRouter's and vLLM's `code: 429`, Gemini's `code: 400`), if any.
 */
interface Origin {
	readonly status: number | undefined;
	readonly where: 'http' | 'stream' | 'body';
}

/**
 * The class from everything the error says at once — status, `type`, `code`, `param` and the
 * message — so a shape classifies the same whether it came as an HTTP error or inside a stream:
 *
 * 1. Statuses that say it all: 401 auth, 403 permission, 402 quota, 429 rate limit (quota when
 *    the body says so), 408 timeout, 5xx server.
 * 2. A 404 (or a not-found code, or an "unknown URL" wording) is about the model only when the
 *    body says so (a model code, `param: "model"`, model wording, or the model id itself);
 *    otherwise the route is wrong and the base URL is to blame.
 * 3. Other 4xx, and errors without a status: the body's code (more specific) or type, then its
 *    wording: auth, quota, model, context; then `bad_request` for 4xx and for request-error
 *    types such as `invalid_request_error` (also with `code: null`); an error event that names
 *    nothing is a server error.
 */
function classifyFacts(origin: Origin, headers: ErrorInput['headers'], details: BodyDetails, ctx: ErrorContext): Draft {
	const name = ctx.providerName;
	const status = origin.status;
	const detail = cleanDetail(details.message, ctx.secret);
	const label =
		origin.where === 'http' ? String(status)
		: origin.where === 'stream' ? (status === undefined ? 'in the stream' : `${status} in the stream`)
		: status === undefined ? 'in a 200 response' : `${status} in a 200 response`;
	const suffix = ` (${label})${detail ? `: ${detail}` : ''}`;
	const httpStatus = origin.where === 'http' ? status : undefined;
	const draft = (errorClass: ErrorClass, message: string, extra: Partial<Draft> = {}): Draft => {
		const result: Draft = {class: errorClass, message, hint: hintFor(errorClass, situationOf(ctx, details)), ...extra};
		if (httpStatus !== undefined) result.status = httpStatus;
		return result;
	};
	const named = namedClass(details);
	const auth = () => draft('auth', `Provider ${name} rejects the key${suffix}`);
	const quota = () =>
		draft('quota', status === 402 ? `Provider ${name} reports the account is out of credit${suffix}` : `Provider ${name} reports the quota is used up${suffix}`);
	const rateLimited = () => {
		const retryAfterMs = readRetryAfter(headers, details.haystack);
		const after = retryAfterMs === undefined ? '' : `, retry after ${formatDuration(retryAfterMs)}`;
		return draft('rate_limited', `Provider ${name} is rate limiting requests${after}${suffix}`, retryAfterMs === undefined ? {} : {retryAfterMs});
	};
	const modelNotFound = () => draft('model_not_found', `Provider ${name} doesn't know model ${ctx.model}${suffix}`);
	const server = () =>
		status === 529 || named === 'overloaded' || overloadedWords.test(details.haystack)
			? draft('server', `Provider ${name} is overloaded${suffix}`, {hint: overloadedHint(ctx)})
			: draft('server', `Provider ${name} has a server error${suffix}`);

	if (status === 401) return auth();
	if (status === 403) return draft('permission', `Provider ${name} denies access${suffix}`);
	if (status === 402) return quota();
	if (status === 429) return named === 'quota' || quotaWords.test(details.haystack) ? quota() : rateLimited();
	if (status === 408) return draft('timeout', `Provider ${name} times out the request${suffix}`);

	const notFound =
		status === 404 || named === 'not_found' || named === 'route' || (httpStatus === undefined && routeWords.test(details.haystack));
	if (notFound && !(ctx.endpoint?.path === 'models' && status === 404) && aboutTheModel(details, ctx, named)) return modelNotFound();
	if (notFound) return routeMissing(draft, details, ctx, label);

	if (status !== undefined && status >= 500) return server();

	if (named === 'auth' || authWords.test(details.haystack)) return auth();
	if (named === 'quota' || quotaWords.test(details.haystack)) return quota();
	if (named === 'model' || modelNotFoundWords.test(details.haystack)) return modelNotFound();
	if (named === 'context' || status === 413 || contextWords.test(details.haystack)) {
		return draft('context', `Provider ${name} says the request is over the context length of ${ctx.model}${suffix}`);
	}
	if (status === undefined || origin.where !== 'http') {
		if (named === 'rate' || /rate[ _-]?limit/i.test(details.haystack)) return rateLimited();
		if (named === 'permission') return draft('permission', `Provider ${name} denies access${suffix}`);
		if (named === 'timeout') return draft('timeout', `Provider ${name} times out the request${suffix}`);
		if (named === 'bad_request' || (status !== undefined && status >= 400 && status < 500)) return draft('bad_request', `Provider ${name} rejects the request${suffix}`);
		// An error event that names nothing we know: the provider failed while answering.
		return server();
	}
	if (status >= 400 && status < 500) return draft('bad_request', `Provider ${name} rejects the request${suffix}`);
	return draft('protocol', `Provider ${name} answers with unexpected status${suffix}`);
}

/**
 * A request the door stopped (providers/door.ts): a redirect not followed, cleartext to a public
 * vendor, another origin. The origins come from the base URL and a Location header — the latter
 * is the provider's text, so it is cleaned like any detail before it is quoted.
 */
function destinationRefused(refused: DestinationRefused, ctx: ErrorContext): Draft {
	const name = ctx.providerName;
	const edit = `eval752 providers edit ${name} --base-url URL`;
	if (refused.kind === 'redirect') {
		const where = refused.sameOrigin ? `another path on ${refused.allowed}` : refused.target ? cleanDetail(refused.target, ctx.secret) : 'an address it does not give (no usable Location)';
		return {
			class: 'redirect',
			status: refused.status,
			message: `Provider ${name} answers ${refused.status} redirect to ${where}: eval752 sends keys only to ${refused.allowed} and follows no redirect, so nothing was sent there`,
			hint: refused.sameOrigin || !refused.target
				? `Set the base URL to the address the provider really answers on (${edit})`
				: `If ${cleanDetail(refused.target, ctx.secret)} is the provider's real address, make it the base URL (${edit}); if not, find out who redirects these requests`,
		};
	}
	if (refused.kind === 'cleartext') {
		return {
			class: 'insecure',
			message: `Provider ${name}'s base URL is plain http:// to ${families[ctx.providerType].label}, a public service: the key would travel in cleartext, so nothing was sent`,
			hint: `Use https:// (${edit}); a gateway on your own network is the openai-compatible family`,
		};
	}
	return {
		class: 'insecure',
		message: `A request for provider ${name} is headed to ${cleanDetail(refused.target, ctx.secret)}, not to its base URL's origin ${refused.allowed}: nothing was sent`,
		hint: 'Check the base URL; this is a bug if the base URL is right (the log has details)',
	};
}

/** A 404 on the route: the path does not exist there, so the base URL (or a proxy) is wrong. */
function routeMissing(draft: (errorClass: ErrorClass, message: string, extra?: Partial<Draft>) => Draft, details: BodyDetails, ctx: ErrorContext, label: string): Draft {
	const detail = cleanDetail(details.message, ctx.secret);
	const what = ctx.endpoint?.path === 'models' ? 'model list' : 'chat endpoint';
	const where = ctx.endpoint ? ` at ${ctx.endpoint.url}` : '';
	const message = `Provider ${ctx.providerName} has no ${what}${where} (${label})${detail ? `: ${detail}` : ''}`;
	return draft('protocol', message, {hint: baseUrlHint(situationOf(ctx))});
}

/** The path a family's base URL ends in, as a person would check it. */
function expectedSuffix(type: ProviderType): string {
	if (type === 'gemini') return '/v1beta/openai';
	if (type === 'azure-openai') return '/openai/v1';
	if (type === 'groq') return '/openai/v1';
	return '/v1';
}

function pathOf(baseUrl: string | undefined): string | undefined {
	if (!baseUrl) return undefined;
	try {
		return new URL(baseUrl).pathname.replace(/\/+$/, '');
	} catch {
		return undefined;
	}
}

/**
 * What to do about an address that has no such endpoint, from what the base URL already is:
 * the family's usual ending when it lacks it; when it has it, the advice to add it would be
 * wrong ("it usually ends in /v1" to a URL that does), so the host and a gateway's path prefix
 * are what to check.
 */
export function baseUrlHint(situation: HintSituation | ProviderType): string {
	const s: HintSituation = typeof situation === 'string' ? {providerName: 'PROVIDER', providerType: situation, model: ''} : situation;
	const suffix = expectedSuffix(s.providerType);
	const edit = `eval752 providers edit ${s.providerName} --base-url URL`;
	const path = pathOf(s.baseUrl);
	if (path !== undefined && path.toLowerCase().endsWith(suffix.toLowerCase())) {
		return `The base URL already ends in ${suffix}, so the host or a gateway's path prefix is wrong: check it against the provider's documentation (${edit})`;
	}
	if (s.providerType === 'azure-openai') return `Set the base URL to https://<resource>.openai.azure.com/openai/v1 (${edit})`;
	const family = s.providerType === 'gemini' ? 'for Gemini it ends' : s.providerType === 'groq' ? 'for Groq it ends' : 'it usually ends';
	return `Check the base URL: ${family} in ${suffix} (${edit})`;
}

/** Whether a not-found error is about the model rather than the path. */
function aboutTheModel(details: BodyDetails, ctx: ErrorContext, named: Named | undefined): boolean {
	if (named === 'model') return true;
	if (details.param.toLowerCase() === 'model') return true;
	if (modelNotFoundWords.test(details.haystack)) return true;
	// Anthropic's "model: claude-x", Ollama's `model "x" not found`: the message names the model.
	return ctx.model.length >= 2 && details.message.includes(ctx.model);
}

type Named = 'auth' | 'permission' | 'quota' | 'rate' | 'model' | 'not_found' | 'route' | 'context' | 'server' | 'overloaded' | 'timeout' | 'bad_request';

/**
 * Codes and types providers use, lower-cased, and what they mean here. Sources: OpenAI's error
 * codes guide, Anthropic's errors page, Google's Gemini troubleshooting guide (gRPC status names),
 * Mistral, Groq, DeepSeek, OpenRouter, Together, Ollama (openai/openai.go `NewError`) and vLLM
 * (`ErrorResponse`); test/support/error-shapes.ts records one shape of each, and error-shapes.test.ts
 * classifies them.
 */
const names: ReadonlyArray<readonly [Named, readonly string[]]> = [
	['auth', ['invalid_api_key', 'incorrect_api_key', 'authentication_error', 'authenticationerror', 'invalid_authentication', 'unauthenticated', 'api_key_invalid', 'unauthorized']],
	['permission', ['permission_error', 'permission_denied', 'permissiondeniederror', 'forbidden', 'access_denied']],
	['quota', ['insufficient_quota', 'billing_error', 'billing_not_active', 'payment_required', 'insufficient_balance', 'insufficient_credits', 'credit_balance_exhausted', 'credit_limit']],
	['rate', ['rate_limit_exceeded', 'rate_limit_error', 'ratelimiterror', 'rate_limited', 'rate_limit', 'too_many_requests', 'requests', 'tokens']],
	['model', ['model_not_found', 'deploymentnotfound', 'invalid_model', 'unknown_model', 'model_not_available']],
	['not_found', ['not_found_error', 'notfounderror', 'not_found']],
	['route', ['unknown_url', 'invalid_url']],
	['context', ['context_length_exceeded', 'context_window_exceeded', 'request_too_large', 'string_above_max_length']],
	['overloaded', ['overloaded_error', 'engine_overloaded', 'server_is_overloaded']],
	['server', ['server_error', 'api_error', 'internal', 'internal_error', 'internalservererror', 'unavailable', 'service_unavailable', 'service_unavailable_error']],
	['timeout', ['deadline_exceeded', 'timeout', 'timeout_error']],
	[
		'bad_request',
		['invalid_request_error', 'invalid_argument', 'failed_precondition', 'badrequesterror', 'invalid_request', 'unprocessableentityerror', 'invalid_value', 'unsupported_parameter', 'unsupported_value', 'invalid_type', 'validation_error'],
	],
];

function nameOfCode(value: string): Named | undefined {
	const lower = value.trim().toLowerCase();
	if (!lower) return undefined;
	return names.find(([, list]) => list.includes(lower))?.[0];
}

const generic: ReadonlySet<Named> = new Set(['bad_request', 'server', 'not_found']);

/**
 * What the body's `code` and `type` name: the code first (usually the more specific of the two,
 * like OpenAI's `model_not_found` under `invalid_request_error`), but a specific name beats a
 * generic one whichever field it is in (DeepSeek sends `type: authentication_error` with
 * `code: invalid_request_error`).
 */
function namedClass(details: BodyDetails): Named | undefined {
	const found = [nameOfCode(details.code), nameOfCode(details.type)].filter((name): name is Named => name !== undefined);
	return found.find((name) => !generic.has(name)) ?? found[0];
}

const quotaWords =
	/insufficient_quota|exceeded your current quota|quota (?:is )?exceeded|out of quota|billing|credit|payment required|insufficient (?:balance|funds)/i;
const contextWords =
	/context_length_exceeded|maximum context length|context length|context window|too many tokens|prompt is too long|input is too long|reduce the length of the messages/i;
const modelNotFoundWords =
	/model_not_found|\bmodels?\b[^.\n]{0,120}(?:not found|does ?n[o']t exist|not exist|is not a valid model)|(?:unknown|invalid|no such) model|not a valid model|DeploymentNotFound|deployment[^.\n]{0,80}(?:does ?n[o']t exist|not found)|unable to access model/i;
const authWords = /api key not valid|api_key_invalid|invalid[ _]api[ _]key|incorrect api key/i;
const overloadedWords = /overloaded/i;
/** How servers word a path that does not exist (OpenAI, Groq, LM Studio, Express, Go, FastAPI). */
const routeWords = /invalid url \(|unknown request url|unknown_url|unexpected endpoint|cannot (?:get|post) \/|404 page not found/i;

// ————————————————————————————————————————— bodies

interface BodyDetails {
	/** The provider's own message, raw (cleaned by the caller). */
	readonly message: string;
	/** Everything searchable for wording rules: the raw body plus the extracted message. */
	readonly haystack: string;
	/** The error's `type` (Gemini: its `status`, like INVALID_ARGUMENT); '' when none. */
	readonly type: string;
	/** The error's `code` as text ('' when none or null). */
	readonly code: string;
	/** The error's `param` ('' when none). */
	readonly param: string;
	/** A status the body names itself: a numeric `code` (OpenRouter, vLLM, Gemini) or "429" (Azure). */
	readonly embeddedStatus?: number;
	/** The body is an error object (not a completion or a page): `{error: …}`, `{object: "error"}`, `{type: "error"}`. */
	readonly isError: boolean;
}

const noDetails: BodyDetails = {message: '', haystack: '', type: '', code: '', param: '', isError: false};

/**
 * The parts of an error body. Providers disagree on the shape: OpenAI `{error: {message, type,
 * param, code}}`, Anthropic `{type: "error", error: {type, message}}`, Gemini
 * `[{error: {code: 400, message, status}}]`, OpenRouter `{error: {code: 429, message}}`, Mistral
 * and older vLLM flat `{object: "error", message, type, code}`, Ollama and LM Studio
 * `{error: "…"}`, FastAPI `{detail}`, or plain text.
 */
function readBody(body: string | undefined): BodyDetails {
	if (body === undefined || body.trim() === '') return noDetails;
	let parsed: unknown;
	try {
		parsed = JSON.parse(body);
	} catch {
		return {...noDetails, message: looksLikeHtml(body) ? htmlText(body) : body, haystack: body};
	}
	if (Array.isArray(parsed)) parsed = parsed[0];
	const message = messageOf(parsed) ?? body;
	const base = {...noDetails, message, haystack: `${body}\n${message}`};
	if (!parsed || typeof parsed !== 'object') return base;
	const record = parsed as Record<string, unknown>;
	const wrapped = record['error'];
	const inner = wrapped && typeof wrapped === 'object' && !Array.isArray(wrapped) ? (wrapped as Record<string, unknown>) : record;
	const isError = (wrapped !== undefined && wrapped !== null && wrapped !== false) || record['object'] === 'error' || record['type'] === 'error';
	const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '');
	const innerType = text(inner['type']);
	// Gemini puts a gRPC status name in `status` (INVALID_ARGUMENT); Azure's content filter a number.
	const status = inner['status'];
	const type = innerType && innerType !== 'error' ? innerType : typeof status === 'string' ? status : '';
	const code = text(inner['code']);
	const numeric = /^\d{3}$/.test(code) ? Number(code) : typeof status === 'number' ? status : undefined;
	const details: BodyDetails = {...base, type, code, param: text(inner['param']), isError};
	return numeric !== undefined && numeric >= 400 && numeric < 600 ? {...details, embeddedStatus: numeric} : details;
}

function looksLikeHtml(body: string): boolean {
	return /^\s*<(?:!doctype|html|head|body)\b/i.test(body);
}

/** A proxy's error page: its title, or its text without tags ("502 Bad Gateway"). */
function htmlText(body: string): string {
	const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
	if (title) return title;
	return body
		.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
		.replace(/<[^>]*>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
}

function messageOf(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (!value || typeof value !== 'object') return undefined;
	const record = value as Record<string, unknown>;
	for (const field of ['error', 'message', 'detail', 'error_description']) {
		const inner = record[field];
		if (typeof inner === 'string' && inner.trim()) return inner;
		if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
			const nested = messageOf(inner);
			if (nested) return nested;
		}
		if (Array.isArray(inner) && inner.length > 0) {
			// FastAPI validation errors: [{loc, msg, type}].
			const first = inner[0] as Record<string, unknown> | undefined;
			if (first && typeof first['msg'] === 'string') return first['msg'];
		}
	}
	return undefined;
}

/**
 * Status, headers and body of an `openai` SDK `APIError`, read by shape so this
 * module does not load the SDK (it is imported lazily for start-up time). The
 * SDK keeps only the body's `error` field, or the raw text with the status in
 * front when the body is not JSON.
 */
function apiErrorParts(error: unknown): {status?: number; headers?: Headers; body?: string} | undefined {
	if (!(error instanceof Error) || !('status' in error) || !('error' in error) || !('headers' in error)) return undefined;
	const status = typeof error.status === 'number' ? error.status : undefined;
	const headers = error.headers instanceof Headers ? error.headers : undefined;
	const inner = error.error;
	let body: string | undefined;
	if (inner !== undefined && inner !== null) {
		body = JSON.stringify({error: inner});
	} else if (status !== undefined) {
		const text = error.message.replace(/^\d{3}\s*/, '');
		body = /^status code \(no body\)$/.test(text) ? '' : text;
	}
	const parts: {status?: number; headers?: Headers; body?: string} = {};
	if (status !== undefined) parts.status = status;
	if (headers) parts.headers = headers;
	if (body !== undefined) parts.body = body;
	return parts;
}

function header(headers: ErrorInput['headers'], name: string): string | undefined {
	if (!headers) return undefined;
	if (headers instanceof Headers) return headers.get(name) ?? undefined;
	for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
	return undefined;
}

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date), then Gemini's `retryDelay: "23s"` in the body. */
export function readRetryAfter(headers: ErrorInput['headers'], body = ''): number | undefined {
	const milliseconds = header(headers, 'retry-after-ms');
	if (milliseconds !== undefined && /^\s*\d+(?:\.\d+)?\s*$/.test(milliseconds)) return Math.round(Number(milliseconds));
	const after = header(headers, 'retry-after');
	if (after !== undefined) {
		if (/^\s*\d+(?:\.\d+)?\s*$/.test(after)) return Math.round(Number(after) * 1000);
		const date = Date.parse(after);
		if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
	}
	const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(body);
	if (delay?.[1]) return Math.round(Number(delay[1]) * 1000);
	return undefined;
}

// ————————————————————————————————————————— thrown errors

function* chain(error: unknown): Generator<unknown> {
	const seen = new Set<unknown>();
	let link = error;
	while (link !== undefined && link !== null && !seen.has(link) && seen.size < 16) {
		seen.add(link);
		yield link;
		link = typeof link === 'object' && 'cause' in link ? (link as {cause?: unknown}).cause : undefined;
	}
}

function findInChain<T>(error: unknown, pick: (link: unknown) => T | undefined): T | undefined {
	for (const link of chain(error)) {
		const found = pick(link);
		if (found !== undefined) return found;
	}
	return undefined;
}

function nameOf(link: unknown): string {
	if (!link || typeof link !== 'object') return '';
	const named = link as {name?: unknown; constructor?: {name?: unknown}};
	const ctor = typeof named.constructor?.name === 'string' ? named.constructor.name : '';
	return `${typeof named.name === 'string' ? named.name : ''} ${ctor}`;
}

/** A cancellation: the DOM `AbortError`, the SDK's `APIUserAbortError`, Node's `ABORT_ERR`. */
function isAbort(error: unknown): boolean {
	if (error === undefined) return false;
	const first = chain(error).next().value;
	if (/\bAbortError\b|APIUserAbortError/.test(nameOf(first))) return true;
	return typeof first === 'object' && first !== null && (first as {code?: unknown}).code === 'ABORT_ERR';
}

const networkPhrases: Readonly<Record<string, string>> = {
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'DNS lookup fails (EAI_AGAIN)',
	ECONNRESET: 'connection reset',
	ETIMEDOUT: 'connection timed out',
	UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	EPIPE: 'connection closed while sending',
	UND_ERR_SOCKET: 'connection closed mid-response',
	UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
	UND_ERR_BODY_TIMEOUT: 'response body stalls',
};

const tlsHint = "The server's TLS certificate isn't trusted: check the scheme and host of the base URL; for a private CA set NODE_EXTRA_CA_CERTS";

function isTlsCode(code: string): boolean {
	return /^(?:CERT_|ERR_TLS_|ERR_SSL_|EPROTO$|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/.test(code);
}

/**
 * A connection-level failure anywhere in the cause chain, as a short phrase.
 * `midResponse`: the provider accepted the connection and then closed it (undici's
 * "terminated" / `UND_ERR_SOCKET`) — the host is reachable, so "can't reach" would mislead.
 */
function networkProblem(error: unknown, secret: Secrets): {phrase: string; tls: boolean; midResponse?: boolean} | undefined {
	const broken = findInChain(error, (link) => {
		const code = typeof link === 'object' && link !== null ? (link as {code?: unknown}).code : undefined;
		return (link instanceof TypeError && link.message === 'terminated') || code === 'UND_ERR_SOCKET' ? true : undefined;
	});
	if (broken) return {phrase: 'connection closed mid-response', tls: false, midResponse: true};
	let sdkConnection: 'timeout' | 'error' | undefined;
	let fetchFailure = false;
	for (const link of chain(error)) {
		const code = typeof link === 'object' && link !== null ? (link as {code?: unknown}).code : undefined;
		if (typeof code === 'string') {
			if (isTlsCode(code)) return {phrase: `TLS handshake fails (${code})`, tls: true};
			const phrase = networkPhrases[code];
			if (phrase) return {phrase, tls: false};
		}
		const names = nameOf(link);
		if (/APIConnectionTimeoutError/.test(names)) sdkConnection = 'timeout';
		else if (/APIConnectionError/.test(names)) sdkConnection ??= 'error';
		if (link instanceof TypeError && /fetch failed|terminated|network/i.test(link.message)) fetchFailure = true;
	}
	if (sdkConnection === 'timeout') return {phrase: 'connection timed out', tls: false};
	if (sdkConnection === 'error' || fetchFailure) {
		const last = [...chain(error)].at(-1);
		const raw = last instanceof Error ? cleanDetail(last.message, secret) : '';
		return {phrase: raw && !/^(?:Connection error|fetch failed)$/.test(raw) ? `connection error (${raw})` : 'connection error', tls: false};
	}
	return undefined;
}

// ————————————————————————————————————————— text

/** Sanitised, on one line, capped: for a line of our own words (which may quote cleaned outside text). */
function oneLine(text: string, limit: number): string {
	let line = sanitizeText(text).replace(/\s+/g, ' ').trim();
	if (line.length > limit) line = `${line.slice(0, limit - 1).trimEnd()}…`;
	return line;
}

/**
 * Text from outside (a provider's error message, an exception's text), before it is quoted:
 * redacted, sanitised, redacted again (sanitising can join two halves of a key), one line,
 * capped, without a trailing full stop.
 */
function cleanDetail(text: string, secret: Secrets): string {
	const line = oneLine(redactSecret(sanitizeText(redactSecret(text, secret)), secret), 200);
	return line.replace(/[.\s]+$/, '');
}

function formatDuration(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)} ms`;
	const seconds = ms / 1000;
	return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

// ————————————————————————————————————————— hints

/**
 * Everything a hint is computed from: the provider (its name, family, stored base URL), the
 * model, whether a key was sent (undefined when unknown: a stored run), the endpoint, and what
 * the error body mentioned. One sentence of advice each, naming the command to run — the same
 * words in the dashboard, where the command also works and its key follows in brackets.
 */
export interface HintSituation {
	readonly providerName: string;
	readonly providerType: ProviderType;
	readonly model: string;
	readonly baseUrl?: string;
	readonly hasKey?: boolean;
	readonly endpointPath?: 'models' | 'chat/completions';
	/** The error body names max_tokens / max_completion_tokens. */
	readonly aboutMaxTokens?: boolean;
}

/** Whether the request carried a key: the first of the keys in play is the one sent. */
function sentKey(secrets: Secrets): boolean {
	const sent = typeof secrets === 'string' || secrets === null || secrets === undefined ? secrets : secrets[0];
	return typeof sent === 'string' && sent !== '';
}

function situationOf(ctx: ErrorContext, details?: BodyDetails): HintSituation {
	return {
		providerName: ctx.providerName,
		providerType: ctx.providerType,
		model: ctx.model,
		...(ctx.baseUrl !== undefined ? {baseUrl: ctx.baseUrl} : {}),
		hasKey: sentKey(ctx.secret),
		...(ctx.endpoint ? {endpointPath: ctx.endpoint.path} : {}),
		...(details && /max_tokens|max_completion_tokens/i.test(details.haystack) ? {aboutMaxTokens: true} : {}),
	};
}

/**
 * The hint a stored run's error class gets in history views: the same wording a live failure of
 * that class gets for this provider (details of the body and whether a key was sent are not
 * stored, so those hints fall back to the class's general one). Null for a class this eval752
 * does not know.
 */
export function hintForClass(errorClass: string, situation: HintSituation): string | null {
	if (!(errorClasses as readonly string[]).includes(errorClass)) return null;
	return oneLine(hintFor(errorClass as ErrorClass, situation), MESSAGE_LIMIT);
}

function overloadedHint(ctx: ErrorContext): string {
	return families[ctx.providerType].local
		? `The server is overloaded: wait for running requests to finish, or lower provider ${ctx.providerName}'s concurrency (eval752 providers edit ${ctx.providerName} --concurrency N)`
		: 'The provider is overloaded right now: try again in a minute';
}

function hostOf(baseUrl: string | undefined): string | undefined {
	if (!baseUrl) return undefined;
	try {
		return new URL(baseUrl).host;
	} catch {
		return undefined;
	}
}

/**
 * One sentence per class and situation: what an operator in front of this provider tries next,
 * and the command that does it. It names the provider (the operator's name for it), never only
 * the family: an "OpenAI-compatible" gateway has no vendor to check with.
 */
export function hintFor(errorClass: ErrorClass, s: HintSituation): string {
	const type = s.providerType;
	const family = families[type];
	const name = s.providerName;
	const addKey = `eval752 keys add ${name} --from-stdin`;
	const rotate = `eval752 keys rotate ${name} --from-stdin`;
	switch (errorClass) {
		case 'auth':
			if (s.hasKey === false) {
				return family.local
					? `This server expects a key and provider ${name} has none: add the one it was started with, e.g. vLLM's --api-key (${addKey}; a on the keys pane)`
					: `Provider ${name} has no active key and the server wants one: add it (${addKey}; a on the keys pane)`;
			}
			if (family.local) return `This server expects another key: store the one it was started with, e.g. vLLM's --api-key (${rotate}; R in the dashboard)`;
			if (type === 'azure-openai') return `Azure keys belong to one resource: rotate in a key of the resource in the base URL, from Keys and Endpoint (${rotate})`;
			if (type === 'gemini') return `Use a Gemini API key from Google AI Studio of a project with the Generative Language API on (${rotate})`;
			return `The key is revoked, mistyped or of another organisation or project: issue a new one where it came from and rotate it in (${rotate})`;
		case 'permission':
			if (type === 'openai') return "The key works but may not use this model or endpoint: check the project's model access and the key's permissions (restricted keys) on platform.openai.com";
			if (type === 'azure-openai') return "The key works but the resource refuses the call: check the resource's network rules and role assignments in the Azure portal";
			if (type === 'gemini') return "The Generative Language API may be off for the key's project, or unavailable in your region: check the project in Google Cloud";
			return `The key works but has no access to model ${s.model}: check the account's permissions and the model's availability where the key was issued`;
		case 'quota':
			if (type === 'openrouter') return "The account or key is out of credits: add credits on openrouter.ai, or raise the key's credit limit";
			if (type === 'openai') return 'The account is out of credit or over its spend limit: check Billing and Limits on platform.openai.com';
			return `The account behind provider ${name} is out of credit or quota: check its billing and plan limits`;
		case 'rate_limited':
			return `Wait and try again, or let eval752 pace its own requests slower (eval752 providers edit ${name} --rpm N --concurrency N)`;
		case 'model_not_found':
			if (type === 'azure-openai') return `On Azure the model is the deployment name: attach the deployment's name from Azure portal → Deployments (eval752 models add ${name} --model DEPLOYMENT)`;
			if (type === 'gemini') return `Gemini model ids go without the models/ prefix, e.g. gemini-2.0-flash: see what it serves (eval752 models discover ${name})`;
			if (type === 'ollama') return `Pull the model on the server first (ollama pull ${s.model}), or pick one it has (eval752 models discover ${name})`;
			return `See the models this key can use and attach one of them (eval752 models discover ${name})`;
		case 'context':
			return 'The request is larger than the model accepts: shorten the smoke prompt or lower the output budget (eval752 settings set max_output_tokens 128; S in the dashboard)';
		case 'bad_request':
			if (s.aboutMaxTokens) return `The reasoning capability decides max_completion_tokens or max_tokens: set it to what the model is (eval752 providers edit ${name} --capabilities …), or lower max_output_tokens (eval752 settings set max_output_tokens 128)`;
			return `The provider rejects a parameter: set provider ${name}'s capabilities to what the model supports (eval752 providers edit ${name} --capabilities system_prompt,streaming)`;
		case 'server':
			if (family.local) return "Check the server's log: the model may have failed to load or run out of memory";
			return `The problem is on provider ${name}'s side: try again later, and check its status page if it lasts`;
		case 'timeout':
			if (family.local) return 'The model may still be loading: try again, or give it longer (eval752 settings set timeout_ms 120000; S in the dashboard)';
			return `Provider ${name} is slow or stuck: give it longer (eval752 settings set timeout_ms 120000; S in the dashboard), or check its status page`;
		case 'network': {
			if (family.local) return 'Is the server running at the base URL? From a container use host.docker.internal instead of localhost';
			const host = hostOf(s.baseUrl);
			return `Check that ${host ?? 'the base URL\'s host'} is the right host and reachable from here (proxy, firewall, DNS; eval752 providers edit ${name} --base-url URL)`;
		}
		case 'protocol': {
			const path = pathOf(s.baseUrl);
			if (path !== undefined && path.toLowerCase().endsWith(expectedSuffix(type).toLowerCase())) {
				return `The base URL looks right, so something else answers there: check that no proxy, login page or other service sits in front of provider ${name}'s API`;
			}
			return baseUrlHint(s);
		}
		case 'redirect':
			return `Set the base URL to the address the provider really answers on (eval752 providers edit ${name} --base-url URL): eval752 follows no redirect with a key`;
		case 'insecure':
			return `Use https:// for provider ${name} (eval752 providers edit ${name} --base-url URL): a key never travels in cleartext to a public service`;
		case 'cancelled':
			return 'Cancelled before the provider finished: run it again when ready';
	}
}

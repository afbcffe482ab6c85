import {describe, expect, it} from 'vitest';
import type {ProviderType} from '../domain/families.js';
import {families, type ProviderType as FamilyType} from '../domain/families.js';
import {classifyError, errorClasses, hintFor, isRetryable, MESSAGE_LIMIT, ProviderError, ProviderTimeoutError, readRetryAfter, type ErrorInput} from './errors.js';
import {DestinationRefused} from './door.js';

const secret = 'sk-live-7f3K9qLm2Xv8Rt4Wz1Yb6Nc0Pd5Hs';

function ctx(providerType: ProviderType = 'openai', providerName = 'groq') {
	return {providerName, providerType, model: 'llama-3.1-8b', secret};
}

function classify(input: ErrorInput, type: ProviderType = 'openai') {
	return classifyError(input, ctx(type));
}

const json = (value: unknown) => JSON.stringify(value);

/** Node's fetch failure: TypeError('fetch failed') caused by a system error with a code. */
function fetchFailure(code: string, message = `connect ${code} 127.0.0.1:9`): TypeError {
	const cause = Object.assign(new Error(message), {code});
	return new TypeError('fetch failed', {cause});
}

describe('classifyError by status', () => {
	it('401 → auth, naming the provider, with a key hint', () => {
		const result = classify({status: 401, body: json({error: {message: 'Invalid API Key', code: 'invalid_api_key'}})});
		expect(result.class).toBe('auth');
		expect(result.status).toBe(401);
		expect(result.message).toBe('Provider groq rejects the key (401): Invalid API Key');
		expect(result.hint).toMatch(/revoked|organisation|project/);
	});

	it('403 → permission', () => {
		expect(classify({status: 403, body: json({error: {message: 'Project does not have access to model', code: 'model_not_found'}})}).class).toBe('permission');
	});

	it('429 insufficient_quota → quota, other 429 → rate_limited with retry-after', () => {
		expect(classify({status: 429, body: json({error: {message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota'}})}).class).toBe('quota');
		expect(classify({status: 429, body: json({error: {message: 'Your credit balance is too low'}})}).class).toBe('quota');
		expect(classify({status: 402, body: json({error: {message: 'Insufficient credits'}})}).class).toBe('quota');
		const limited = classify({status: 429, body: json({error: {message: 'Rate limit reached'}}), headers: {'Retry-After': '7'}});
		expect(limited.class).toBe('rate_limited');
		expect(limited.retryAfterMs).toBe(7000);
	});

	it('404 and "model does not exist" → model_not_found, with family hints', () => {
		const openai = classify({status: 404, body: json({error: {message: 'The model `gpt-9` does not exist or you do not have access to it.', code: 'model_not_found'}})});
		expect(openai.class).toBe('model_not_found');
		expect(openai.hint).toContain('eval752 models discover groq');
		expect(classify({status: 400, body: json({error: {message: 'Invalid model: foo'}})}).class).toBe('model_not_found');
		expect(classify({status: 404, body: json({error: {code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.'}})}, 'azure-openai').hint).toMatch(/deployment name/);
		const gemini = json([{error: {code: 404, message: 'models/gemini-9 is not found for API version v1main', status: 'NOT_FOUND'}}]);
		expect(classify({status: 404, body: gemini}, 'gemini').hint).toContain('models/');
		expect(classify({status: 404, body: json({error: 'model "llama9" not found, try pulling it first'})}, 'ollama').class).toBe('model_not_found');
	});

	it('400/413/422 with context wording → context; other 4xx → bad_request', () => {
		expect(classify({status: 400, body: json({error: {message: "This model's maximum context length is 8192 tokens.", code: 'context_length_exceeded'}})}).class).toBe('context');
		expect(classify({status: 413, body: 'too many tokens in the request'}).class).toBe('context');
		expect(classify({status: 422, body: json({detail: 'prompt is too long: 300000 tokens > 200000 maximum'})}).class).toBe('context');
		expect(classify({status: 400, body: json({error: {message: 'Unrecognized request argument supplied: foo'}})}).class).toBe('bad_request');
		expect(classify({status: 409, body: ''}).class).toBe('bad_request');
	});

	it("Gemini's 400 for a bad key → auth", () => {
		const body = json([{error: {code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT'}}]);
		const result = classify({status: 400, body}, 'gemini');
		expect(result.class).toBe('auth');
		expect(result.message).toContain('API key not valid');
	});

	it('5xx and 529 → server', () => {
		expect(classify({status: 500, body: json({error: {message: 'boom'}})}).class).toBe('server');
		expect(classify({status: 503, body: 'upstream unavailable'}).class).toBe('server');
		const overloaded = classify({status: 529, body: json({type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}})}, 'anthropic');
		expect(overloaded.class).toBe('server');
		expect(overloaded.message).toContain('overloaded');
	});
});

describe('classifyError by thrown error', () => {
	it('our timers → timeout', () => {
		expect(classify({error: new ProviderTimeoutError('first-byte', 300)})).toMatchObject({class: 'timeout', message: 'Provider groq sends nothing within 300 ms'});
		expect(classify({error: new ProviderTimeoutError('idle', 1500)}).message).toBe('Provider groq stops streaming for more than 1.5 s');
	});

	it('AbortError → cancelled', () => {
		expect(classify({error: new DOMException('aborted', 'AbortError')}).class).toBe('cancelled');
		class APIUserAbortError extends Error {}
		expect(classify({error: new APIUserAbortError('Request was aborted.')}).class).toBe('cancelled');
	});

	it('connection failures through cause chains → network', () => {
		const refused = classify({error: fetchFailure('ECONNREFUSED')});
		expect(refused).toMatchObject({class: 'network', message: "Can't reach provider groq: connection refused"});
		expect(refused.hint).toMatch(/base URL/);
		expect(classify({error: fetchFailure('ENOTFOUND')}).message).toContain('host not found');
		expect(classify({error: fetchFailure('EAI_AGAIN')}).class).toBe('network');
		expect(classify({error: fetchFailure('ECONNRESET')}).message).toContain('connection reset');
		const tls = classify({error: fetchFailure('CERT_HAS_EXPIRED', 'certificate has expired')});
		expect(tls.class).toBe('network');
		expect(tls.message).toContain('TLS');
		expect(tls.hint).toContain('NODE_EXTRA_CA_CERTS');
	});

	it("the SDK's connection errors → network", () => {
		class APIConnectionError extends Error {}
		class APIConnectionTimeoutError extends APIConnectionError {}
		const wrapped = new APIConnectionError('Connection error.', {cause: fetchFailure('ECONNREFUSED')});
		expect(classify({error: wrapped}).message).toContain('connection refused');
		expect(classify({error: new APIConnectionTimeoutError('Request timed out.')}).message).toContain('timed out');
	});

	it('local families get a server-running hint', () => {
		const result = classifyError({error: fetchFailure('ECONNREFUSED')}, ctx('ollama', 'laptop'));
		expect(result.hint).toContain('host.docker.internal');
	});

	it('SyntaxError and non-JSON 200 bodies → protocol', () => {
		let syntax: unknown;
		try {
			JSON.parse('{not json');
		} catch (error) {
			syntax = error;
		}
		expect(classify({error: syntax}).class).toBe('protocol');
		expect(classify({status: 200, body: '<html>login page</html>'}).class).toBe('protocol');
	});

	it('an SDK APIError carries its status, headers and body', () => {
		class RateLimitError extends Error {
			readonly status = 429;
			readonly headers = new Headers({'retry-after-ms': '1500'});
			readonly error = {message: 'Rate limit reached', code: 'rate_limit_exceeded'};
		}
		const result = classify({error: new RateLimitError('429 Rate limit reached')});
		expect(result).toMatchObject({class: 'rate_limited', status: 429, retryAfterMs: 1500});
	});

	it('an empty 404 is the route, not the model: it points at the base URL', () => {
		const result = classify({status: 404, body: ''});
		expect(result.class).toBe('protocol');
		expect(result.hint).toBe('Check the base URL: it usually ends in /v1 (eval752 providers edit groq --base-url URL)');
		expect(result.hint).not.toContain('models discover');
		expect(classify({status: 404, body: ''}, 'gemini').hint).toContain('/v1beta/openai');
	});

	it('an invalid_request_error event mid-stream (code null) is a bad request, never retried', () => {
		class APIError extends Error {
			readonly status = undefined;
			readonly headers = undefined;
			readonly error = {message: "Invalid value for 'temperature'", type: 'invalid_request_error', param: 'temperature', code: null};
		}
		const result = classify({error: new APIError('x')});
		expect(result.class).toBe('bad_request');
		expect(isRetryable(result.class)).toBe(false);
	});

	it('an error event mid-stream is classified by its words', () => {
		class APIError extends Error {
			readonly status = undefined;
			readonly headers = undefined;
			readonly error = {message: 'Rate limit exceeded for this model', type: 'rate_limit_error'};
		}
		expect(classify({error: new APIError('Rate limit exceeded')}).class).toBe('rate_limited');
	});
});

describe('messages', () => {
	it('are one line, sanitised, redacted and capped', () => {
		const body = json({error: {message: `Bad key ${secret}\n\u001b]52;c;aGk=\u0007second line\r\n${'x'.repeat(2000)}`}});
		const result = classify({status: 401, body});
		expect(result.message).not.toContain(secret.slice(0, 8));
		expect(result.message).toContain('[redacted]');
		expect(result.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
		expect(result.message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
	});

	it('redact what the provider said, never eval752\'s own words around it', () => {
		// A placeholder key that shares 8+ characters with the provider's name and the model.
		const placeholder = 'peeringpartner-model-x-0000';
		const context = {providerName: 'peeringpartner', providerType: 'openai' as const, model: 'peeringpartner-model-x', secret: placeholder};
		const result = classifyError({status: 404, body: json({error: {message: `no model; your key ${placeholder} is fine`}})}, context);
		expect(result.message).toBe("Provider peeringpartner doesn't know model peeringpartner-model-x (404): no model; your key [redacted] is fine");
		expect(result.hint).toContain('eval752 models discover peeringpartner');
	});

	it('redact a key echoed percent-encoded or with zero-width characters inside', () => {
		const encoded = [...secret].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');
		const hidden = [...secret].join('\u200b');
		for (const echo of [encoded, hidden, secret.replace(/-/g, '%2D')]) {
			const result = classify({status: 401, body: json({error: {message: `Incorrect API key provided: ${echo}.`}})});
			expect(result.message).toBe('Provider groq rejects the key (401): Incorrect API key provided: [redacted]');
		}
	});

	it('a network error\'s own text is cleaned before it is quoted', () => {
		const error = new TypeError('fetch failed', {cause: new Error(`socket hang up near ${secret}\u001b[2J`)});
		Object.defineProperty(error, 'name', {value: 'TypeError'});
		const result = classify({error});
		expect(result.class).toBe('network');
		expect(result.message).not.toContain(secret.slice(4, 12));
		expect(result.message).not.toContain('\u001b');
	});

	it('every class has a non-empty hint', () => {
		const inputs: Record<(typeof errorClasses)[number], ErrorInput> = {
			auth: {status: 401},
			permission: {status: 403},
			quota: {status: 402},
			rate_limited: {status: 429},
			model_not_found: {status: 404, body: json({error: {message: 'The model `x` does not exist', code: 'model_not_found'}})},
			bad_request: {status: 400},
			context: {status: 400, body: 'maximum context length exceeded'},
			server: {status: 500},
			timeout: {error: new ProviderTimeoutError('first-byte', 1000)},
			network: {error: fetchFailure('ECONNREFUSED')},
			protocol: {error: new SyntaxError('Unexpected token')},
			redirect: {error: new TypeError('fetch failed', {cause: new DestinationRefused('redirect', {allowed: 'https://api.example.com', target: 'https://elsewhere.example', status: 307})})},
			insecure: {error: new DestinationRefused('cleartext', {allowed: 'http://api.example.com'})},
			cancelled: {error: new DOMException('x', 'AbortError')},
		};
		for (const errorClass of errorClasses) {
			for (const type of ['openai', 'azure-openai', 'gemini', 'ollama', 'openrouter'] as const) {
				const result = classifyError(inputs[errorClass], ctx(type));
				expect(result.class, `${errorClass} for ${type}`).toBe(errorClass);
				expect(result.hint.length).toBeGreaterThan(10);
				expect(result.message).toMatch(/groq/);
			}
		}
	});

	it('ProviderError carries the classification as a UserError', () => {
		const classified = classify({status: 401});
		const error = new ProviderError(classified);
		expect(error.message).toBe(classified.message);
		expect(error.hint).toBe(classified.hint);
		expect(error.classified.class).toBe('auth');
	});
});

describe('readRetryAfter', () => {
	it('reads milliseconds, seconds and HTTP dates', () => {
		expect(readRetryAfter({'retry-after-ms': '250'})).toBe(250);
		expect(readRetryAfter(new Headers({'retry-after': '2'}))).toBe(2000);
		const date = new Date(Date.now() + 5000).toUTCString();
		const fromDate = readRetryAfter({'retry-after': date});
		expect(fromDate).toBeGreaterThan(3000);
		expect(fromDate).toBeLessThanOrEqual(5000);
		expect(readRetryAfter({}, '{"retryDelay": "23s"}')).toBe(23_000);
		expect(readRetryAfter({'retry-after': 'soon'})).toBeUndefined();
	});
});

describe('classifyError wording', () => {
	it('a connection closed mid-response is not "can\'t reach"', () => {
		const cause = Object.assign(new Error('other side closed'), {code: 'UND_ERR_SOCKET'});
		const result = classify({error: new TypeError('terminated', {cause})});
		expect(result.class).toBe('network');
		expect(result.message).toBe('Provider groq closes the connection before the response is complete');
	});

	it("a proxy's HTML error page is reduced to its title", () => {
		const page = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502</h1><script>x()</script></body></html>';
		expect(classify({status: 502, body: page}).message).toBe('Provider groq has a server error (502): 502 Bad Gateway');
	});
});

describe('hints from the whole situation', () => {
	const chat = (url: string) => ({path: 'chat/completions' as const, url: `${url}/chat/completions`});
	const situation = (baseUrl: string, extra: {secret?: string | null; type?: ProviderType} = {}) => ({
		providerName: 'gw',
		providerType: extra.type ?? ('openai-compatible' as ProviderType),
		model: 'm1',
		secret: extra.secret === undefined ? secret : extra.secret,
		endpoint: chat(baseUrl),
		baseUrl,
	});

	it('a 404 from a base URL that already ends in /v1 never says "it usually ends in /v1": it sends you to the host and the gateway prefix', () => {
		const result = classifyError({status: 404, body: ''}, situation('https://gw.example/v1'));
		expect(result.class).toBe('protocol');
		expect(result.hint).toBe("The base URL already ends in /v1, so the host or a gateway's path prefix is wrong: check it against the provider's documentation (eval752 providers edit gw --base-url URL)");
		expect(result.hint).not.toContain('usually ends in');
	});

	it('a 404 from a base URL without /v1 says to add it, with the command', () => {
		expect(classifyError({status: 404, body: ''}, situation('https://gw.example')).hint).toBe('Check the base URL: it usually ends in /v1 (eval752 providers edit gw --base-url URL)');
		expect(classifyError({status: 404, body: ''}, situation('https://api.groq.com/openai/v1', {type: 'groq'})).hint).toMatch(/^The base URL already ends in \/openai\/v1/);
		expect(classifyError({status: 404, body: ''}, situation('https://api.groq.com/v1', {type: 'groq'})).hint).toBe('Check the base URL: for Groq it ends in /openai/v1 (eval752 providers edit gw --base-url URL)');
		expect(classifyError({status: 404, body: ''}, situation('https://generativelanguage.googleapis.com/v1beta', {type: 'gemini'})).hint).toMatch(/^Check the base URL: for Gemini it ends in \/v1beta\/openai/);
	});

	it('a 401 for a provider with no key says to add one, not to rotate it', () => {
		const none = classifyError({status: 401, body: json({error: {message: 'Missing bearer token'}})}, situation('https://gw.example/v1', {secret: null}));
		expect(none.class).toBe('auth');
		expect(none.hint).toBe('Provider gw has no active key and the server wants one: add it (eval752 keys add gw --from-stdin; a on the keys pane)');
		expect(none.hint).not.toMatch(/rotate/);
		const local = classifyError({status: 401, body: ''}, situation('http://localhost:8000/v1', {secret: null, type: 'vllm'}));
		expect(local.hint).toMatch(/^This server expects a key and provider gw has none: .*\(eval752 keys add gw --from-stdin; a on the keys pane\)$/);
	});

	it('a 401 with a key says to rotate it, naming the command', () => {
		const rejected = classifyError({status: 401, body: json({error: {message: 'Invalid API key', code: 'invalid_api_key'}})}, situation('https://gw.example/v1'));
		expect(rejected.hint).toBe('The key is revoked, mistyped or of another organisation or project: issue a new one where it came from and rotate it in (eval752 keys rotate gw --from-stdin)');
	});

	it('a network failure names the host of the base URL and the command that changes it', () => {
		const result = classifyError({error: fetchFailure('ENOTFOUND')}, situation('https://gw.internal.example:8443/v1'));
		expect(result.class).toBe('network');
		expect(result.hint).toBe('Check that gw.internal.example:8443 is the right host and reachable from here (proxy, firewall, DNS; eval752 providers edit gw --base-url URL)');
	});

	it('settings are named by the command that changes them, never by a dashboard word alone', () => {
		const timedOut = classifyError({error: new ProviderTimeoutError('first-byte', 1000)}, situation('https://gw.example/v1'));
		expect(timedOut.hint).toBe('Provider gw is slow or stuck: give it longer (eval752 settings set timeout_ms 120000; S in the dashboard), or check its status page');
		const context = classifyError({status: 400, body: json({error: {message: 'maximum context length exceeded', code: 'context_length_exceeded'}})}, situation('https://gw.example/v1'));
		expect(context.hint).toContain('eval752 settings set max_output_tokens');
		const maxTokens = classifyError({status: 400, body: json({error: {message: "Unsupported parameter: 'max_tokens'", type: 'invalid_request_error'}})}, situation('https://gw.example/v1'));
		expect(maxTokens.hint).toContain('eval752 providers edit gw --capabilities');
	});

	it('every hint, for every class, family and situation, is one sentence of advice that names no dashboard word alone', () => {
		const types = Object.keys(families) as FamilyType[];
		for (const errorClass of errorClasses) {
			for (const providerType of types) {
				for (const hasKey of [true, false, undefined]) {
					for (const baseUrl of ['https://h.example/v1', 'https://h.example', undefined]) {
						const hint = hintFor(errorClass, {providerName: 'p', providerType, model: 'm', hasKey, ...(baseUrl ? {baseUrl} : {})});
						const where = `${errorClass} ${providerType} key=${hasKey} ${baseUrl}`;
						expect(hint, where).not.toMatch(/\.\s+[A-Z]/);
						expect(hint, where).not.toMatch(/\.$/);
						expect(hint, where).not.toMatch(/\bin Settings\b/);
						expect(hint.length, where).toBeLessThanOrEqual(MESSAGE_LIMIT);
					}
				}
			}
		}
	});
});

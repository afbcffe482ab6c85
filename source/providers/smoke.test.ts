import {afterEach, describe, expect, it} from 'vitest';
import type {Capability, ProviderType} from '../domain/families.js';
import {
	createGate,
	escapeCases,
	mockErrors,
	startMockProvider,
	unterminatedOscCase,
	type BehaviourSource,
	type MockProvider,
} from '../../test/support/mock-provider.js';
import type {ProviderConnection} from './client.js';
import type {ErrorClass} from './errors.js';
import {smoke, type SmokeEvent, type SmokeRequest} from './smoke.js';

const key = 'sk-proj-T8uV3wX6yZ9aB2cD5eF8gH1iJ4kL7mN0pQ3r';

const servers: MockProvider[] = [];
async function server(): Promise<MockProvider> {
	const started = await startMockProvider();
	servers.push(started);
	return started;
}

afterEach(async () => {
	await Promise.all(servers.splice(0).map((mock) => mock.close()));
});

function request(
	baseUrl: string,
	overrides: Partial<SmokeRequest> = {},
	provider: {type?: ProviderType; capabilities?: Capability[]} = {},
): SmokeRequest {
	const connection: ProviderConnection = {
		id: 'prov-1',
		name: 'mockai',
		type: provider.type ?? 'openai-compatible',
		baseUrl,
		extraHeaders: {},
		capabilities: provider.capabilities ?? ['streaming', 'system_prompt'],
	};
	return {
		provider: connection,
		apiKey: key,
		model: 'mock-small',
		prompt: 'Say hello.',
		maxOutputTokens: 64,
		temperature: 0.2,
		timeoutMs: 5000,
		maxRetries: 0,
		...overrides,
	};
}

async function run(req: SmokeRequest, signal: AbortSignal = new AbortController().signal): Promise<SmokeEvent[]> {
	const events: SmokeEvent[] = [];
	for await (const event of smoke(req, signal)) events.push(event);
	return events;
}

function deltaText(events: readonly SmokeEvent[]): string {
	return events.map((event) => (event.type === 'delta' ? event.text : '')).join('');
}

function last(events: readonly SmokeEvent[]): SmokeEvent {
	const event = events.at(-1);
	if (!event) throw new Error('no events');
	return event;
}

function failure(events: readonly SmokeEvent[]) {
	const event = last(events);
	if (event.type !== 'failed') throw new Error(`expected failed, got ${JSON.stringify(event)}`);
	return event;
}

/** Every string in every event, however deep. */
function allStrings(value: unknown, into: string[] = []): string[] {
	if (typeof value === 'string') into.push(value);
	else if (Array.isArray(value)) for (const item of value) allStrings(item, into);
	else if (value && typeof value === 'object') for (const item of Object.values(value)) allStrings(item, into);
	return into;
}

function expectOneTerminal(events: readonly SmokeEvent[]): void {
	const terminals = events.filter((event) => event.type === 'finished' || event.type === 'failed');
	expect(terminals).toHaveLength(1);
	expect(terminals[0]).toBe(events.at(-1));
}

describe('smoke: a good stream', () => {
	it('streams deltas, then usage, then finished with metrics and excerpt', async () => {
		const mock = await server();
		mock.script({kind: 'stream', text: 'Hello there, operator. All systems nominal.'});
		const events = await run(request(mock.baseUrl, {systemPrompt: 'Be brief.'}));
		expectOneTerminal(events);
		expect(events[0]).toEqual({type: 'started', provider: 'mockai', model: 'mock-small', attempt: 1});
		expect(deltaText(events)).toBe('Hello there, operator. All systems nominal.');
		const usage = events.find((event) => event.type === 'usage');
		expect(usage).toMatchObject({type: 'usage', outputTokens: 6});
		const finished = last(events);
		expect(finished.type).toBe('finished');
		if (finished.type !== 'finished') return;
		expect(finished.excerpt).toBe('Hello there, operator. All systems nominal.');
		expect(finished.metrics.outputTokens).toBe(6);
		expect(finished.metrics.ttftMs).not.toBeNull();
		expect(finished.metrics.totalMs).toBeGreaterThanOrEqual(finished.metrics.ttftMs ?? 0);

		const body = mock.chatRequests[0]?.body as Record<string, unknown>;
		expect(body).toMatchObject({model: 'mock-small', stream: true, stream_options: {include_usage: true}, max_tokens: 64, temperature: 0.2});
		expect(body['messages']).toEqual([
			{role: 'system', content: 'Be brief.'},
			{role: 'user', content: 'Say hello.'},
		]);
	});

	it('leaves out the system prompt without the capability; reasoning gets a bigger budget and no temperature', async () => {
		const mock = await server();
		await run(request(mock.baseUrl, {systemPrompt: 'Be brief.'}, {type: 'openai', capabilities: ['streaming', 'reasoning']}));
		const body = mock.chatRequests[0]?.body as Record<string, unknown>;
		expect(body['messages']).toEqual([{role: 'user', content: 'Say hello.'}]);
		expect(body['max_completion_tokens']).toBe(2048);
		expect(body['max_tokens']).toBeUndefined();
		expect(body['temperature']).toBeUndefined();
	});

	it('estimates from the characters when the provider reports no usage (never a count of chunks), and says so', async () => {
		const mock = await server();
		// 47 characters in five chunks: ~12 tokens, not ~5.
		const chunks = ['The quick ', 'brown fox ', 'jumps over ', 'the lazy ', 'dog ok.'];
		expect(chunks.join('')).toHaveLength(47);
		mock.script({kind: 'stream', tokens: chunks, usage: false});
		const events = await run(request(mock.baseUrl));
		expect(events.find((event) => event.type === 'usage')).toEqual({type: 'usage', inputTokens: null, outputTokens: 12, estimated: true});
		const finished = last(events);
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.metrics).toMatchObject({outputTokens: 12, outputTokensEstimated: true, streamed: true});
		expect(finished.metrics.usageImplausible).toBeUndefined();
	});

	it('usage that can not be true — negative, or millions for a two-word answer — is ignored for an estimate from the text', async () => {
		const mock = await server();
		for (const [reportedInputTokens, reportedOutputTokens] of [
			[64_311_401, -48_726_140],
			[12, -1],
			[12, 5_000_000],
			[90_000_000, 3],
			[12.5, 3],
		] as const) {
			mock.script({kind: 'stream', tokens: ['Hello ', 'there.'], reportedInputTokens, reportedOutputTokens});
			const events = await run(request(mock.baseUrl));
			const finished = last(events);
			if (finished.type !== 'finished') throw new Error('expected finished');
			expect(finished.metrics, `${reportedInputTokens} in, ${reportedOutputTokens} out`).toMatchObject({inputTokens: null, outputTokens: 3, outputTokensEstimated: true, usageImplausible: true});
			expect(events.find((event) => event.type === 'usage')).toEqual({type: 'usage', inputTokens: null, outputTokens: 3, estimated: true});
		}
		// Plausible usage is believed as reported.
		mock.script({kind: 'stream', tokens: ['Hello ', 'there.'], reportedInputTokens: 12, reportedOutputTokens: 2});
		const finished = last(await run(request(mock.baseUrl)));
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.metrics).toMatchObject({inputTokens: 12, outputTokens: 2});
		expect(finished.metrics.outputTokensEstimated).toBeUndefined();
	});

	it('reasoning tokens the answer does not show are believed up to the budget asked for', async () => {
		const mock = await server();
		mock.script({kind: 'stream', tokens: ['ok'], reportedOutputTokens: 60});
		const finished = last(await run(request(mock.baseUrl, {maxOutputTokens: 64})));
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.metrics).toMatchObject({outputTokens: 60});
		expect(finished.metrics.usageImplausible).toBeUndefined();
	});

	it('streams 10,000 tokens incrementally and reports the server usage', async () => {
		const mock = await server();
		const gate = createGate();
		const tokens = Array.from({length: 10_000}, (_, index) => `t${index} `);
		mock.script({kind: 'stream', tokens, holdAfterChunks: 1, release: gate.promise});
		const events: SmokeEvent[] = [];
		let firstDeltaBeforeLastChunk: boolean | undefined;
		for await (const event of smoke(request(mock.baseUrl, {maxOutputTokens: 10_000}), new AbortController().signal)) {
			events.push(event);
			if (event.type === 'delta' && firstDeltaBeforeLastChunk === undefined) {
				// The server holds the other 9,999 chunks until the client has seen the first.
				firstDeltaBeforeLastChunk = mock.chatRequests[0]?.chunksWritten === 1;
				gate.open();
			}
		}
		expect(firstDeltaBeforeLastChunk).toBe(true);
		const finished = last(events);
		if (finished.type !== 'finished') throw new Error(`expected finished, got ${finished.type}`);
		expect(finished.metrics.outputTokens).toBe(10_000);
		expect(finished.metrics.outputTokensEstimated).toBeUndefined();
		expect(finished.metrics.streamed).toBe(true);
		expect(finished.metrics.tokensPerSecond).toBeGreaterThan(0);
		expect(finished.excerpt.length).toBe(500);
		expect(deltaText(events)).toBe(tokens.join(''));
	});
});

describe('smoke: escape sequences in model output', () => {
	for (const escapeCase of [...escapeCases, unterminatedOscCase()]) {
		it(`neutralises ${escapeCase.name}`, async () => {
			const mock = await server();
			mock.script({kind: 'stream', tokens: escapeCase.tokens});
			const events = await run(request(mock.baseUrl));
			expect(last(events).type).toBe('finished');
			const text = deltaText(events);
			expect(text).not.toContain('\u001b');
			expect(text).not.toMatch(/[\u0080-\u009f]/);
			expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/);
			for (const visible of escapeCase.visible) expect(text).toContain(visible);
			for (const hidden of escapeCase.hidden ?? []) expect(text).not.toContain(hidden);
			for (const value of allStrings(events)) expect(value).not.toContain('\u001b');
		});
	}
});

describe('smoke: provider failures', () => {
	const cases: Array<[string, BehaviourSource, ErrorClass]> = [
		['401 bad key', mockErrors.unauthorized('full'), 'auth'],
		['403 no access to the model', mockErrors.forbidden(), 'permission'],
		['429 insufficient_quota', mockErrors.insufficientQuota(), 'quota'],
		['429 rate limit', mockErrors.rateLimited(1), 'rate_limited'],
		['404 unknown model', mockErrors.modelNotFound(), 'model_not_found'],
		['400 unknown parameter', mockErrors.badRequest(), 'bad_request'],
		['400 context_length_exceeded', mockErrors.contextLength(), 'context'],
		['500 server error', mockErrors.serverError(), 'server'],
		['529 overloaded', mockErrors.overloaded(), 'server'],
		['malformed SSE line', {kind: 'stream', tokens: ['a', 'b', 'c'], malformedAfterChunks: 1}, 'protocol'],
		['stream cut mid-way', {kind: 'stream', tokens: ['a', 'b', 'c'], cutAfterChunks: 1}, 'network'],
		['error event mid-stream', {kind: 'stream', tokens: ['a', 'b'], errorEventAfterChunks: 1}, 'server'],
		[
			'rate limit event mid-stream (OpenRouter)',
			{kind: 'stream', tokens: ['a', 'b'], errorEventAfterChunks: 0, errorEvent: {code: 429, message: 'Rate limit exceeded: free-models-per-min'}},
			'rate_limited',
		],
		['200 with an HTML page instead of a stream', {kind: 'error', status: 200, body: '<html><title>Sign in</title></html>'}, 'protocol'],
	];
	it.each(cases)('%s', async (_name, behaviour, expected) => {
		const mock = await server();
		mock.script(behaviour);
		const events = await run(request(mock.baseUrl));
		expectOneTerminal(events);
		const failed = failure(events);
		expect(failed.error.class).toBe(expected);
		expect(failed.error.message).toContain('mockai');
		expect(failed.error.message).not.toMatch(/[\n\r\u001b]/);
		expect(failed.error.hint.length).toBeGreaterThan(0);
	});

	it('a rate limit carries retry-after', async () => {
		const mock = await server();
		mock.script(mockErrors.rateLimited(3));
		const failed = failure(await run(request(mock.baseUrl)));
		expect(failed.error.retryAfterMs).toBe(3000);
	});

	it('a refused connection → network with a server-running hint for local families', async () => {
		const mock = await server();
		const baseUrl = mock.baseUrl;
		await mock.close();
		servers.length = 0;
		const failed = failure(await run(request(baseUrl, {apiKey: null}, {type: 'ollama'})));
		expect(failed.error.class).toBe('network');
		expect(failed.error.message).toBe("Can't reach provider mockai: connection refused");
		expect(failed.error.hint).toContain('host.docker.internal');
	});

	it.each([
		['the whole key', 'full' as const],
		['a 10-character fragment of it', 'fragment' as const],
	])('a 401 echoing %s leaks nothing into any event', async (_name, echo) => {
		const mock = await server();
		mock.script(mockErrors.unauthorized(echo));
		const events = await run(request(mock.baseUrl));
		const failed = failure(events);
		expect(failed.error.class).toBe('auth');
		expect(failed.error.message).toContain('[redacted]');
		const strings = allStrings(events);
		for (const value of strings) {
			expect(value).not.toContain(key);
			for (let start = 0; start + 8 <= key.length; start++) expect(value).not.toContain(key.slice(start, start + 8));
		}
	});
});

describe('smoke: timeouts and cancellation', () => {
	it('times out when the first byte is late', async () => {
		const mock = await server();
		mock.script({kind: 'stream', text: 'late', firstByteDelayMs: 3000});
		const started = performance.now();
		const failed = failure(await run(request(mock.baseUrl, {timeoutMs: 300})));
		expect(failed.error.class).toBe('timeout');
		expect(failed.error.message).toContain('sends nothing within 300 ms');
		expect(performance.now() - started).toBeLessThan(2500);
	});

	it('times out when the stream stalls mid-way, and closes the request', async () => {
		const mock = await server();
		mock.script({kind: 'stream', tokens: ['one ', 'two ', 'three'], stallAfterChunks: 2});
		const started = performance.now();
		const events = await run(request(mock.baseUrl, {timeoutMs: 300, maxRetries: 2}));
		const failed = failure(events);
		expect(failed.error.class).toBe('timeout');
		expect(failed.error.message).toContain('stops streaming');
		expect(deltaText(events)).toBe('one two ');
		expect(failed.metrics.ttftMs).not.toBeNull();
		expect(performance.now() - started).toBeLessThan(2500);
		// Output had started: no retry.
		expect(events.filter((event) => event.type === 'started')).toHaveLength(1);
		await expect.poll(() => mock.chatRequests[0]?.disconnected).toBe(true);
	});

	it('a cancel mid-stream → cancelled, and the server sees the disconnect', async () => {
		const mock = await server();
		mock.script({kind: 'stream', tokens: Array.from({length: 50}, (_, index) => `w${index} `), chunkDelayMs: 50});
		const controller = new AbortController();
		const events: SmokeEvent[] = [];
		for await (const event of smoke(request(mock.baseUrl), controller.signal)) {
			events.push(event);
			if (event.type === 'delta') controller.abort();
		}
		expectOneTerminal(events);
		expect(failure(events).error.class).toBe('cancelled');
		await expect.poll(() => mock.chatRequests[0]?.disconnected).toBe(true);
		expect(mock.chatRequests[0]?.chunksWritten).toBeLessThan(50);
	});

	it('a cancel before the answer → cancelled', async () => {
		const mock = await server();
		mock.script({kind: 'hang'});
		const controller = new AbortController();
		const pending = run(request(mock.baseUrl), controller.signal);
		await mock.waitForRequests(1);
		controller.abort();
		const events = await pending;
		expect(failure(events).error.class).toBe('cancelled');
		await expect.poll(() => mock.chatRequests[0]?.disconnected).toBe(true);
	});

	it('an already aborted signal → cancelled without a request', async () => {
		const mock = await server();
		const controller = new AbortController();
		controller.abort();
		const events = await run(request(mock.baseUrl), controller.signal);
		expect(events).toHaveLength(1);
		expect(failure(events).error.class).toBe('cancelled');
		expect(mock.requests).toHaveLength(0);
	});
});

describe('smoke: retries', () => {
	it('a 529 then a good stream with maxRetries 1 → finished after two attempts', async () => {
		const mock = await server();
		mock.script(mockErrors.overloaded(), {kind: 'stream', text: 'second time lucky'});
		const events = await run(request(mock.baseUrl, {maxRetries: 1}));
		expectOneTerminal(events);
		expect(last(events).type).toBe('finished');
		expect(events.filter((event) => event.type === 'started').map((event) => (event.type === 'started' ? event.attempt : 0))).toEqual([1, 2]);
		expect(deltaText(events)).toBe('second time lucky');
	});

	it('a 529 with maxRetries 0 → failed server', async () => {
		const mock = await server();
		mock.script(mockErrors.overloaded(), {kind: 'stream', text: 'never reached'});
		const events = await run(request(mock.baseUrl, {maxRetries: 0}));
		expect(failure(events).error.class).toBe('server');
		expect(mock.chatRequests).toHaveLength(1);
	});

	it('waits as long as retry-after-ms says before the next attempt', async () => {
		const mock = await server();
		mock.script({kind: 'error', status: 429, headers: {'retry-after-ms': '200'}, body: {error: {message: 'slow down'}}}, {kind: 'stream', text: 'ok'});
		const events = await run(request(mock.baseUrl, {maxRetries: 2}));
		expect(last(events).type).toBe('finished');
		const [first, second] = mock.chatRequests;
		expect(second!.startedAt - first!.startedAt).toBeGreaterThanOrEqual(190);
	});

	it('does not retry what a retry cannot fix', async () => {
		const mock = await server();
		mock.script(mockErrors.unauthorized((presented) => `${presented.slice(0, 3)}…${presented.slice(-4)}`), {kind: 'stream', text: 'never reached'});
		const events = await run(request(mock.baseUrl, {maxRetries: 3}));
		expect(failure(events).error.class).toBe('auth');
		expect(mock.chatRequests).toHaveLength(1);
	});

	it('gives up after maxRetries and reports the last failure', async () => {
		const mock = await server();
		mock.setDefault(mockErrors.serverError());
		const events = await run(request(mock.baseUrl, {maxRetries: 2}));
		expect(failure(events).error.class).toBe('server');
		expect(events.filter((event) => event.type === 'started')).toHaveLength(3);
	});
});

describe('smoke: one non-streaming request (no streaming capability, or the chat probe)', () => {
	it('sends stream: false, takes the whole answer through the same text step, with the usage it reports', async () => {
		const mock = await server();
		mock.script({kind: 'stream', tokens: ['po', 'ng', ` \u001b]52;c;aGk=\u0007${key}`], headers: {'x-ratelimit-remaining-requests': '41', 'x-ratelimit-limit-requests': '60'}});
		const events = await run(request(mock.baseUrl, {stream: false}));
		expectOneTerminal(events);
		const body = mock.chatRequests[0]?.body as Record<string, unknown>;
		expect(body['stream']).toBe(false);
		expect(body['stream_options']).toBeUndefined();
		// One answer, shown as it passes the stage: the rolling-window redactor may hold back an end
		// that could still be the start of the key and let it go at the end, as a second delta.
		expect(events.filter((event) => event.type === 'delta').length).toBeGreaterThanOrEqual(1);
		// The answer passes the same sanitise-and-redact step as a streamed delta.
		expect(deltaText(events)).toBe('pong [redacted]');
		for (const value of allStrings(events)) {
			expect(value).not.toContain('\u001b');
			expect(value).not.toContain(key.slice(4, 14));
		}
		const finished = last(events);
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.metrics.outputTokens).toBe(3);
		expect(finished.metrics.inputTokens).toBeGreaterThan(0);
		expect(finished.metrics.outputTokensEstimated).toBeUndefined();
		expect(finished.metrics.ttftMs).toBe(finished.metrics.totalMs);
		expect(finished.rateHeaders).toEqual({'x-ratelimit-remaining-requests': '41', 'x-ratelimit-limit-requests': '60'});
	});

	it('without usage data the tokens are estimated from the length of the answer, and say so', async () => {
		const mock = await server();
		mock.script({kind: 'stream', text: 'a twenty char answer', usage: false});
		const finished = last(await run(request(mock.baseUrl, {stream: false})));
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.metrics).toMatchObject({outputTokens: 5, outputTokensEstimated: true, inputTokens: null, streamed: false, tokensPerSecond: null});
	});

	it('a reasoning answer counts its reasoning as output: a budget spent thinking still answers', async () => {
		const mock = await server();
		mock.script({kind: 'stream', tokens: [], reasoning: 'the user wants one word', finishReason: 'length', usage: false});
		const finished = last(await run(request(mock.baseUrl, {stream: false})));
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.excerpt).toBe('');
		expect(finished.metrics.ttftMs).not.toBeNull();
		expect(finished.metrics.outputTokens).toBe(6);
	});

	it('exactBudget sends the budget as given, also for a reasoning model', async () => {
		const mock = await server();
		await run(request(mock.baseUrl, {stream: false, maxOutputTokens: 16, exactBudget: true}, {type: 'openai', capabilities: ['reasoning']}));
		expect((mock.chatRequests[0]?.body as Record<string, unknown>)['max_completion_tokens']).toBe(16);
	});

	it('a 200 whose JSON body is an error (LM Studio on a path without /v1) → the base URL, not a model', async () => {
		const mock = await server();
		mock.script({kind: 'error', status: 200, body: {error: 'Unexpected endpoint or method. (POST /chat/completions)'}});
		const failed = failure(await run(request(mock.baseUrl, {stream: false})));
		expect(failed.error.class).toBe('protocol');
		// The mock's base URL already ends in /v1: the hint says what else to check, not to add it.
		expect(failed.error.hint).toMatch(/^The base URL already ends in \/v1, so the host or a gateway's path prefix is wrong/);
	});

	it('a rate limit keeps the headers the provider sent with it', async () => {
		const mock = await server();
		mock.script({kind: 'error', status: 429, headers: {'retry-after': '3', 'x-ratelimit-remaining-tokens': '0', 'x-request-id': 'req_1'}, body: {error: {message: 'slow down', type: 'tokens', code: 'rate_limit_exceeded'}}});
		const failed = failure(await run(request(mock.baseUrl, {stream: false})));
		expect(failed.error.class).toBe('rate_limited');
		expect(failed.rateHeaders).toEqual({'retry-after': '3', 'x-ratelimit-remaining-tokens': '0'});
	});
});

describe('smoke: a streaming request answered with plain JSON', () => {
	it('reads the JSON completion instead of failing with "no chunk"', async () => {
		const mock = await server();
		mock.script({kind: 'stream', text: 'pong', jsonEvenIfStreamed: true});
		const events = await run(request(mock.baseUrl));
		const finished = last(events);
		if (finished.type !== 'finished') throw new Error(`expected finished, got ${JSON.stringify(finished)}`);
		expect((mock.chatRequests[0]?.body as Record<string, unknown>)['stream']).toBe(true);
		expect(finished.excerpt).toBe('pong');
		expect(finished.metrics.outputTokens).toBe(1);
		// Asked to stream, answered whole: it did not stream, its first token is its end, and no rate is made up.
		expect(finished.metrics.streamed).toBe(false);
		expect(finished.metrics.ttftMs).toBe(finished.metrics.totalMs);
		expect(finished.metrics.tokensPerSecond).toBeNull();
	});

	it('a streamed answer whose chunks come over time has a rate; one whose every chunk came at once (under 10 ms) has none', async () => {
		const mock = await server();
		mock.script({kind: 'stream', tokens: ['a ', 'b ', 'c ', 'd '], chunkDelayMs: 40});
		const paced = last(await run(request(mock.baseUrl)));
		if (paced.type !== 'finished') throw new Error('expected finished');
		expect(paced.metrics.streamed).toBe(true);
		expect(paced.metrics.tokensPerSecond).toBeGreaterThan(0);
		expect(paced.metrics.tokensPerSecond!).toBeLessThan(1000);
	});

	it('a hostile provider echoing the key in a rate-limit header: redacted; an endless value capped', async () => {
		const mock = await server();
		mock.script({kind: 'stream', text: 'pong', headers: {'x-ratelimit-limit-requests': `limit for ${key}`, 'x-ratelimit-remaining-tokens': '9'.repeat(500)}});
		const finished = last(await run(request(mock.baseUrl)));
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.rateHeaders!['x-ratelimit-limit-requests']).toBe('limit for [redacted]');
		expect(finished.rateHeaders!['x-ratelimit-remaining-tokens']).toHaveLength(100);
		for (const value of allStrings(finished)) expect(value).not.toContain(key.slice(10, 20));
	});

	it('keeps the rate-limit headers of a streamed answer', async () => {
		const mock = await server();
		mock.script({kind: 'stream', text: 'pong', headers: {'anthropic-ratelimit-requests-remaining': '49', 'anthropic-ratelimit-requests-limit': '50', 'set-cookie': 'x=1'}});
		const finished = last(await run(request(mock.baseUrl)));
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.rateHeaders).toEqual({'anthropic-ratelimit-requests-remaining': '49', 'anthropic-ratelimit-requests-limit': '50'});
	});
});

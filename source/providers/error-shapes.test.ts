import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {errorShapes, streamedError, type ErrorShape} from '../../test/support/error-shapes.js';
import {startMockProvider, type MockProvider} from '../../test/support/mock-provider.js';
import type {ProviderConnection} from './client.js';
import {classifyError, isRetryable} from './errors.js';
import {smoke, type SmokeEvent} from './smoke.js';

/**
 * Classification from the whole error, over the documented error shapes of twelve providers
 * (sources in test/support/error-shapes.ts): each shape classifies the same whether it is read
 * straight from an HTTP error, through the SDK on a real chat request, or as an SSE error event
 * inside a stream that answered 200. A 404 on the path points at the base URL, never at
 * `models discover`; `invalid_request_error` is a bad request and is not retried.
 */

let mock: MockProvider;
beforeAll(async () => {
	mock = await startMockProvider();
});
afterAll(async () => {
	await mock?.close();
});

function bodyText(shape: ErrorShape): string {
	return typeof shape.body === 'string' ? shape.body : JSON.stringify(shape.body);
}

function connection(shape: ErrorShape): ProviderConnection {
	return {id: 'p-1', name: 'acme', type: shape.type, baseUrl: mock.baseUrl, extraHeaders: {}, capabilities: ['streaming']};
}

async function failedSmoke(shape: ErrorShape): Promise<Extract<SmokeEvent, {type: 'failed'}>> {
	let last: SmokeEvent | undefined;
	const before = mock.chatRequests.length;
	// A class a retry can fix would be retried (and the next request gets the mock's default
	// answer): only the others are given retries, to prove none is made.
	const retries = isRetryable(shape.expected) ? 0 : 2;
	for await (const event of smoke(
		{provider: connection(shape), apiKey: 'sk-test-0123456789abcdef', model: shape.model, prompt: 'ping', maxOutputTokens: 8, temperature: 0, timeoutMs: 5000, maxRetries: retries},
		new AbortController().signal,
	)) {
		last = event;
	}
	if (last?.type !== 'failed') throw new Error(`expected a failure for ${shape.provider} ${shape.name}, got ${JSON.stringify(last)}`);
	// Never retried: a bad request, a bad key, a wrong path, a missing model — one request only.
	expect(mock.chatRequests.length - before).toBe(1);
	return last;
}

function expectHint(shape: ErrorShape, error: {class: string; hint: string; message: string}): void {
	expect(error.class).toBe(shape.expected);
	// A wrong route's hint is about the base URL (what to add, or — when it already has the usual ending — what else to check).
	const aboutBaseUrl = /^(?:Check the base URL|The base URL already ends in|Set the base URL)/;
	if (shape.route) {
		expect(error.hint).toMatch(aboutBaseUrl);
		expect(error.message).not.toMatch(/doesn't know model/);
	} else {
		expect(error.hint).not.toMatch(aboutBaseUrl);
	}
	if (error.class !== 'model_not_found') expect(error.hint).not.toContain('models discover');
	expect(error.message).toContain('acme');
}

describe('error shapes of real providers', () => {
	it.each(errorShapes.map((shape) => [`${shape.provider}: ${shape.name}`, shape] as const))('%s — read from the HTTP error', (_name, shape) => {
		const result = classifyError({status: shape.status, body: bodyText(shape), headers: shape.headers}, {providerName: 'acme', providerType: shape.type, model: shape.model, secret: null, endpoint: {path: 'chat/completions', url: `${mock.baseUrl}/chat/completions`}});
		expectHint(shape, result);
		if (shape.headers?.['retry-after']) expect(result.retryAfterMs).toBe(Number(shape.headers['retry-after']) * 1000);
	});

	it.each(errorShapes.map((shape) => [`${shape.provider}: ${shape.name}`, shape] as const))('%s — through the SDK on a chat request', async (_name, shape) => {
		mock.script({kind: 'error', status: shape.status, body: shape.body, headers: shape.headers});
		const failed = await failedSmoke(shape);
		expectHint(shape, failed.error);
		if (shape.status >= 400) expect(failed.error.status).toBe(shape.status);
	});

	const streamed = errorShapes.filter((shape) => streamedError(shape) !== null);
	it.each(streamed.map((shape) => [`${shape.provider}: ${shape.name}`, shape] as const))('%s — as an error event inside a 200 stream', async (_name, shape) => {
		mock.script({kind: 'stream', tokens: ['a', 'b'], errorEventAfterChunks: 0, errorEvent: streamedError(shape) as Record<string, unknown>});
		const failed = await failedSmoke(shape);
		expect(failed.error.class).toBe(shape.expected);
		expect(failed.error.message).toMatch(/in the stream/);
	});

	it('covers the twelve providers named in the issue, each with its source', () => {
		const providers = new Set(errorShapes.map((shape) => shape.provider));
		expect([...providers].sort()).toEqual(['Anthropic', 'Azure OpenAI', 'DeepSeek', 'Gemini', 'Groq', 'LM Studio', 'Mistral', 'Ollama', 'OpenAI', 'OpenRouter', 'Together', 'vLLM']);
		for (const shape of errorShapes) expect(shape.source.length, `${shape.provider} ${shape.name}`).toBeGreaterThan(10);
	});
});

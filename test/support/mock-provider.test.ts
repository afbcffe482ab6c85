import {afterEach, describe, expect, it} from 'vitest';
import {createGate, mockErrors, startMockProvider, type MockProvider} from './mock-provider.js';

const servers: MockProvider[] = [];
async function server(...args: Parameters<typeof startMockProvider>): Promise<MockProvider> {
	const started = await startMockProvider(...args);
	servers.push(started);
	return started;
}

afterEach(async () => {
	await Promise.all(servers.splice(0).map((mock) => mock.close()));
});

function chat(baseUrl: string, init: {key?: string; signal?: AbortSignal; headers?: Record<string, string>} = {}) {
	return fetch(`${baseUrl}/chat/completions`, {
		method: 'POST',
		headers: {'content-type': 'application/json', ...(init.key ? {authorization: `Bearer ${init.key}`} : {}), ...init.headers},
		body: JSON.stringify({model: 'mock-small', messages: [{role: 'user', content: 'hi'}], stream: true, stream_options: {include_usage: true}}),
		signal: init.signal,
	});
}

describe('mock provider', () => {
	it('listens on 127.0.0.1 under /v1', async () => {
		const mock = await server();
		expect(mock.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
	});

	it('streams incrementally: the first chunk arrives while the server still holds the rest', async () => {
		const mock = await server();
		const gate = createGate();
		mock.script({kind: 'stream', tokens: ['a', 'b', 'c'], holdAfterChunks: 1, release: gate.promise});
		const response = await chat(mock.baseUrl);
		const reader = response.body!.getReader();
		const decoder = new TextDecoder();
		let text = '';
		while (!text.includes('"content":"a"')) text += decoder.decode((await reader.read()).value);
		expect(mock.chatRequests[0]?.chunksWritten).toBe(1);
		gate.open();
		for (;;) {
			const {value, done} = await reader.read();
			if (done) break;
			text += decoder.decode(value);
		}
		expect(text).toContain('"completion_tokens":3');
		expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
		await expect.poll(() => mock.chatRequests[0]?.endedAt).toBeDefined();
		expect(mock.chatRequests[0]?.disconnected).toBe(false);
	});

	it('records a client that goes away as disconnected', async () => {
		const mock = await server();
		mock.script({kind: 'hang'});
		const controller = new AbortController();
		const pending = chat(mock.baseUrl, {signal: controller.signal}).catch((error: unknown) => error);
		await mock.waitForRequests(1);
		expect(mock.inFlight).toBe(1);
		controller.abort();
		await pending;
		await expect.poll(() => mock.chatRequests[0]?.disconnected).toBe(true);
		expect(mock.inFlight).toBe(0);
	});

	it('takes scripted behaviours in order, then the default', async () => {
		const mock = await server();
		mock.script(mockErrors.serverError(), mockErrors.overloaded());
		mock.setDefault(() => mockErrors.rateLimited(2));
		const statuses = [];
		for (let index = 0; index < 3; index++) statuses.push((await chat(mock.baseUrl)).status);
		expect(statuses).toEqual([500, 529, 429]);
		const limited = await chat(mock.baseUrl);
		expect(limited.headers.get('retry-after')).toBe('2');
	});

	it('echoes the presented key in a 401, whole or in part', async () => {
		const mock = await server();
		const key = 'sk-abcdefghijklmnopqrstuvwxyz';
		mock.script(mockErrors.unauthorized('full'), mockErrors.unauthorized('fragment'));
		expect(await (await chat(mock.baseUrl, {key})).text()).toContain(key);
		const fragment = await (await chat(mock.baseUrl, {key})).text();
		expect(fragment).not.toContain(key);
		expect(fragment).toContain(key.slice(6, 16));
	});

	it('serves the model list in each shape', async () => {
		const openai = await server({models: ['m1']});
		expect(await (await fetch(`${openai.baseUrl}/models`)).json()).toMatchObject({data: [{id: 'm1'}]});
		const together = await server({models: ['m1'], modelsShape: 'bare-array'});
		expect(await (await fetch(`${together.baseUrl}/models`)).json()).toMatchObject([{id: 'm1'}]);
		const gemini = await server({models: ['m1'], modelsShape: 'gemini'});
		expect(await (await fetch(`${gemini.baseUrl}/models`)).json()).toMatchObject({data: [{id: 'models/m1'}]});
	});

	it('keeps separate instances apart', async () => {
		const first = await server();
		const second = await server();
		first.script(mockErrors.serverError());
		expect((await chat(second.baseUrl)).status).toBe(200);
		expect((await chat(first.baseUrl)).status).toBe(500);
		expect(first.requests).toHaveLength(1);
		expect(second.requests).toHaveLength(1);
	});
});

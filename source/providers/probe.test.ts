import {afterEach, describe, expect, it} from 'vitest';
import {startMockProvider, type MockProvider} from '../../test/support/mock-provider.js';
import type {ProviderConnection} from './client.js';
import {modelsProbe} from './probe.js';
import type {SmokeEvent} from './smoke.js';

const servers: MockProvider[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((mock) => mock.close()));
});

async function server(models?: string[]): Promise<MockProvider> {
	const mock = await startMockProvider(models ? {models} : {});
	servers.push(mock);
	return mock;
}

function connection(baseUrl: string, type: ProviderConnection['type'] = 'openai-compatible'): ProviderConnection {
	return {id: 'p-1', name: 'mockai', type, baseUrl, extraHeaders: {}, capabilities: []};
}

async function probe(baseUrl: string, model: string, type?: ProviderConnection['type']): Promise<SmokeEvent[]> {
	const events: SmokeEvent[] = [];
	for await (const event of modelsProbe({provider: connection(baseUrl, type), apiKey: 'sk-probe-0123456789', model, timeoutMs: 5000, maxRetries: 0}, new AbortController().signal)) {
		events.push(event);
	}
	return events;
}

describe('the models probe', () => {
	it('one GET /models, no chat request, 0 tokens; the model is listed', async () => {
		const mock = await server();
		mock.setModelsHeaders({'x-ratelimit-remaining-requests': '99'});
		const events = await probe(mock.baseUrl, 'mock-small');
		expect(events.map((event) => event.type)).toEqual(['started', 'usage', 'finished']);
		expect(events[1]).toEqual({type: 'usage', inputTokens: 0, outputTokens: 0});
		const finished = events.at(-1)!;
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.excerpt).toBe('mock-small is listed (2 models served)');
		expect(finished.metrics).toMatchObject({outputTokens: 0, inputTokens: 0, ttftMs: null});
		expect(finished.rateHeaders).toEqual({'x-ratelimit-remaining-requests': '99'});
		expect(mock.modelRequests).toHaveLength(1);
		expect(mock.chatRequests).toHaveLength(0);
		expect(mock.modelRequests[0]!.headers['authorization']).toBe('Bearer sk-probe-0123456789');
	});

	it("the model list's rate-limit headers are redacted like any provider text", async () => {
		const mock = await server();
		mock.setModelsHeaders({'x-ratelimit-remaining-requests': 'left for sk-probe-0123456789'});
		const finished = (await probe(mock.baseUrl, 'mock-small')).at(-1)!;
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.rateHeaders).toEqual({'x-ratelimit-remaining-requests': 'left for [redacted]'});
	});

	it('a model no longer listed → model_not_found with a discover hint', async () => {
		const mock = await server(['other-model']);
		const failed = (await probe(mock.baseUrl, 'mock-small')).at(-1)!;
		if (failed.type !== 'failed') throw new Error('expected failed');
		expect(failed.error).toMatchObject({class: 'model_not_found', message: "Provider mockai doesn't list model mock-small (1 model served)"});
		expect(failed.error.hint).toContain('eval752 models discover mockai');
		expect(failed.metrics.outputTokens).toBe(0);
	});

	it('a rejected key → auth; a wrong base URL → the base URL hint', async () => {
		const mock = await server();
		mock.setModelsBehaviour({kind: 'error', status: 401, body: {error: {message: 'Invalid API key', type: 'invalid_request_error', code: 'invalid_api_key'}}});
		const auth = (await probe(mock.baseUrl, 'mock-small')).at(-1)!;
		expect(auth.type === 'failed' && auth.error.class).toBe('auth');

		const wrong = (await probe(mock.baseUrl.replace(/\/v1$/, ''), 'mock-small')).at(-1)!;
		if (wrong.type !== 'failed') throw new Error('expected failed');
		expect(wrong.error.class).toBe('protocol');
		expect(wrong.error.message).toContain('has no model list at');
		expect(wrong.error.hint).toBe('Check the base URL: it usually ends in /v1 (eval752 providers edit mockai --base-url URL)');
	});

	it('Azure lists base models, not deployments: only the key is checked', async () => {
		const mock = await server(['gpt-4o']);
		const finished = (await probe(mock.baseUrl, 'my-deployment', 'azure-openai')).at(-1)!;
		if (finished.type !== 'finished') throw new Error('expected finished');
		expect(finished.excerpt).toContain("deployment my-deployment isn't checked");
	});
});

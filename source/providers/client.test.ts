import {afterEach, describe, expect, it} from 'vitest';
import type {ProviderType} from '../domain/families.js';
import {hostileModelIds, hostileModelList, mockErrors, startMockProvider, type MockProvider} from '../../test/support/mock-provider.js';
import {createClient, listModels, type ProviderConnection} from './client.js';
import {ProviderError} from './errors.js';

const key = 'sk-test-AbCdEfGhIjKlMnOpQrStUvWxYz012345';

function connection(baseUrl: string, type: ProviderType = 'openai', extraHeaders: Record<string, string> = {}): ProviderConnection {
	return {id: 'p1', name: 'mock', type, baseUrl, extraHeaders, capabilities: ['streaming']};
}

const servers: MockProvider[] = [];
async function server(options?: Parameters<typeof startMockProvider>[0]): Promise<MockProvider> {
	const started = await startMockProvider(options);
	servers.push(started);
	return started;
}

afterEach(async () => {
	await Promise.all(servers.splice(0).map((mock) => mock.close()));
});

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(ProviderError);
		return error as ProviderError;
	}
	throw new Error('expected a ProviderError');
}

describe('listModels', () => {
	it('reads the OpenAI shape, sorted, with a Bearer key', async () => {
		const mock = await server({models: ['gpt-4o-mini', 'gpt-4o', 'o3']});
		expect(await listModels(connection(mock.baseUrl), key)).toEqual({ids: ['gpt-4o', 'gpt-4o-mini', 'o3'], skipped: 0});
		expect(mock.requests[0]?.path).toBe('/v1/models');
		expect(mock.requests[0]?.headers['authorization']).toBe(`Bearer ${key}`);
	});

	it("reads Together's bare array", async () => {
		const mock = await server({models: ['meta-llama/Llama-3-70b', 'deepseek-ai/DeepSeek-R1'], modelsShape: 'bare-array'});
		expect(await listModels(connection(mock.baseUrl, 'together'), key)).toEqual({ids: ['deepseek-ai/DeepSeek-R1', 'meta-llama/Llama-3-70b'], skipped: 0});
	});

	it("strips Gemini's models/ prefix", async () => {
		const mock = await server({models: ['gemini-2.0-flash', 'gemini-1.5-pro'], modelsShape: 'gemini'});
		expect(await listModels(connection(`${mock.baseUrl}/`, 'gemini'), key)).toEqual({ids: ['gemini-1.5-pro', 'gemini-2.0-flash'], skipped: 0});
	});

	it('counts ids that fail the model-name rule instead of returning them, and redacts one that quotes the key', async () => {
		const mock = await server({models: hostileModelList});
		const listed = await listModels(connection(mock.baseUrl), key);
		expect(listed).toEqual({ids: ['keyecho-[redacted]', 'mock-large', 'mock-small'], skipped: hostileModelIds.length});
	});

	it('sends api-key and no Authorization to Azure', async () => {
		const mock = await server();
		await listModels(connection(mock.baseUrl, 'azure-openai'), key);
		expect(mock.requests[0]?.headers['api-key']).toBe(key);
		expect(mock.requests[0]?.headers['authorization']).toBeUndefined();
	});

	it('sends no Authorization to a keyless Ollama, and the extra headers', async () => {
		const mock = await server();
		await listModels(connection(mock.baseUrl, 'ollama', {'X-Team': 'ops'}), null);
		expect(mock.requests[0]?.headers['authorization']).toBeUndefined();
		expect(mock.requests[0]?.headers['x-team']).toBe('ops');
	});

	it('throws a classified, redacted ProviderError on a 401 echoing the key', async () => {
		const mock = await server();
		mock.setModelsBehaviour(mockErrors.unauthorized('full'));
		const error = await rejection(listModels(connection(mock.baseUrl), key));
		expect(error.classified.class).toBe('auth');
		expect(error.message).not.toContain(key.slice(0, 8));
		expect(error.message).toContain('[redacted]');
	});

	it('reports a 404 on /models as a wrong base URL', async () => {
		const mock = await server();
		const error = await rejection(listModels(connection(mock.baseUrl.replace(/\/v1$/, '/nope')), key));
		expect(error.classified).toMatchObject({class: 'protocol', status: 404});
		expect(error.classified.hint).toContain('/v1');
	});

	it('reports a body that is not a model list as protocol', async () => {
		const mock = await server();
		mock.setModelsBehaviour({kind: 'error', status: 200, body: '<html>sign in</html>'});
		expect((await rejection(listModels(connection(mock.baseUrl), key))).classified.class).toBe('protocol');
	});

	it('reports a refused connection as network', async () => {
		const mock = await server();
		const baseUrl = mock.baseUrl;
		await mock.close();
		servers.length = 0;
		const error = await rejection(listModels(connection(baseUrl, 'vllm'), null));
		expect(error.classified.class).toBe('network');
		expect(error.classified.message).toContain('connection refused');
		expect(error.classified.hint).toContain('host.docker.internal');
	});

	it('times out on a server that never answers, and cancels on abort', async () => {
		const mock = await server();
		mock.setModelsBehaviour({kind: 'hang'});
		const timedOut = await rejection(listModels(connection(mock.baseUrl), key, undefined, {timeoutMs: 200}));
		expect(timedOut.classified.class).toBe('timeout');
		const controller = new AbortController();
		const pending = listModels(connection(mock.baseUrl), key, controller.signal);
		await mock.waitForRequests(2);
		controller.abort();
		expect((await rejection(pending)).classified.class).toBe('cancelled');
	});
});

describe('createClient', () => {
	it('sends the headers of the family through the SDK', async () => {
		const mock = await server();
		const azure = await createClient(connection(mock.baseUrl, 'azure-openai', {'X-Team': 'ops'}), key);
		await azure.models.list();
		const ollama = await createClient(connection(mock.baseUrl, 'ollama'), null);
		await ollama.models.list();
		const [first, second] = mock.requests;
		expect(first?.headers['api-key']).toBe(key);
		expect(first?.headers['authorization']).toBeUndefined();
		expect(first?.headers['x-team']).toBe('ops');
		expect(second?.headers['authorization']).toBeUndefined();
		expect(azure.maxRetries).toBe(0);
	});

	it('never sends OPENAI_API_KEY from the environment', async () => {
		const mock = await server();
		const previous = process.env['OPENAI_API_KEY'];
		process.env['OPENAI_API_KEY'] = 'sk-from-the-environment';
		try {
			const client = await createClient(connection(mock.baseUrl, 'lmstudio'), null);
			await client.models.list();
		} finally {
			if (previous === undefined) delete process.env['OPENAI_API_KEY'];
			else process.env['OPENAI_API_KEY'] = previous;
		}
		expect(JSON.stringify(mock.requests[0]?.headers)).not.toContain('sk-from-the-environment');
	});
});

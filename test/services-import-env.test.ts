import {randomBytes} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {tailAudit} from '../source/services/audit.js';
import {azureBaseUrl, importFromEnv, ollamaBaseUrl} from '../source/services/import-env.js';
import {addKey, listKeys} from '../source/services/keys.js';
import {createProvider, getProvider, listProviders} from '../source/services/providers.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {runCli} from './support/cli.js';

let c: TestContext;

beforeAll(async () => {
	c = await testContext();
});

afterAll(async () => {
	await c.t.drop();
});

function key(prefix: string): string {
	return `${prefix}${randomBytes(16).toString('hex')}`;
}

describe(`import-env (${databaseKind})`, () => {
	it('turns the usual variables into base URLs', () => {
		expect(azureBaseUrl('https://res.openai.azure.com/')).toBe('https://res.openai.azure.com/openai/v1');
		expect(azureBaseUrl('https://res.openai.azure.com/openai')).toBe('https://res.openai.azure.com/openai/v1');
		expect(ollamaBaseUrl('0.0.0.0')).toBe('http://localhost:11434/v1');
		expect(ollamaBaseUrl('http://gpu-box:11500')).toBe('http://gpu-box:11500/v1');
	});

	it('a dry run shows masked actions and writes nothing', async () => {
		const openai = key('sk-proj-');
		const env = {OPENAI_API_KEY: openai, GROQ_API_KEY: key('gsk_'), AZURE_OPENAI_API_KEY: key('az'), OLLAMA_HOST: '127.0.0.1:11434', PATH: '/usr/bin'};
		const before = await rowCounts(c.ctx);
		const {actions} = await importFromEnv(c.ctx, env, {dryRun: true});
		expect(await rowCounts(c.ctx)).toEqual(before);
		expect(actions).toEqual([
			{provider: 'openai', type: 'openai', action: 'create-provider', baseUrl: 'https://api.openai.com/v1', variable: 'OPENAI_API_KEY'},
			{provider: 'openai', type: 'openai', action: 'add-key', baseUrl: 'https://api.openai.com/v1', variable: 'OPENAI_API_KEY', keyHint: `sk-proj-…${openai.slice(-4)}`},
			expect.objectContaining({provider: 'azure-openai', action: 'skip-incomplete', variable: 'AZURE_OPENAI_API_KEY', reason: expect.stringMatching(/AZURE_OPENAI_ENDPOINT is not set/)}),
			{provider: 'groq', type: 'groq', action: 'create-provider', baseUrl: 'https://api.groq.com/openai/v1', variable: 'GROQ_API_KEY'},
			expect.objectContaining({provider: 'groq', action: 'add-key', baseUrl: 'https://api.groq.com/openai/v1'}),
			{provider: 'ollama', type: 'ollama', action: 'create-provider', baseUrl: 'http://127.0.0.1:11434/v1', variable: 'OLLAMA_HOST'},
		]);
		expect(JSON.stringify(actions)).not.toContain(openai.slice(8, 20));
	});

	it('creates providers and keys, one audit row each, and skips what is already stored on a re-run', async () => {
		const openai = key('sk-proj-');
		const gemini = key('AIza');
		const env = {OPENAI_API_KEY: openai, GEMINI_API_KEY: gemini, GOOGLE_API_KEY: gemini, AZURE_OPENAI_API_KEY: key('az'), AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com/'};
		const before = await rowCounts(c.ctx);
		const first = await importFromEnv(c.ctx, env, {dryRun: false});
		expect(first.actions.map((step) => `${step.action} ${step.provider}`)).toEqual([
			'create-provider openai',
			'add-key openai',
			'create-provider azure-openai',
			'add-key azure-openai',
			'create-provider gemini',
			'add-key gemini',
			'skip-duplicate gemini',
		]);
		const after = await rowCounts(c.ctx);
		expect(after['providers']).toBe(before['providers']! + 3);
		expect(after['provider_keys']).toBe(before['provider_keys']! + 3);
		expect(after['audit_log']).toBe(before['audit_log']! + 6);
		expect((await getProvider(c.ctx, 'azure-openai')).baseUrl).toBe('https://res.openai.azure.com/openai/v1');
		const keys = await listKeys(c.ctx, (await getProvider(c.ctx, 'openai')).id);
		expect(keys).toEqual([expect.objectContaining({label: 'from OPENAI_API_KEY', displayHint: `sk-proj-…${openai.slice(-4)}`})]);
		expect((await tailAudit(c.ctx, 1))[0]!.action).toBe('key.add');

		const again = await importFromEnv(c.ctx, env, {dryRun: false});
		expect(again.actions.every((step) => step.action === 'skip-duplicate')).toBe(true);
		expect(await rowCounts(c.ctx)).toEqual(after);
	});

	it('adds a new key to the existing provider of its family, and never reuses a name of another type', async () => {
		await createProvider(c.ctx, {name: 'mistral', type: 'openai-compatible', baseUrl: 'http://proxy.internal/v1'});
		const mistral = key('mk');
		const {actions} = await importFromEnv(c.ctx, {MISTRAL_API_KEY: mistral, OPENAI_API_KEY: key('sk-')}, {dryRun: false});
		expect(actions.map((step) => `${step.action} ${step.provider}`)).toEqual(['add-key openai', 'create-provider mistral-env', 'add-key mistral-env']);
		expect((await getProvider(c.ctx, 'openai')).id).toBe((await listProviders(c.ctx)).find((p) => p.name === 'openai')!.id);
		expect((await listKeys(c.ctx, (await getProvider(c.ctx, 'openai')).id))).toHaveLength(2);
	});

	it('reports nothing to do for an empty environment and refuses a write in read-only mode', async () => {
		expect(await importFromEnv(c.ctx, {HOME: '/root'}, {dryRun: false})).toEqual({actions: []});
		const readOnly = c.as('x', {readOnly: true});
		await expect(importFromEnv(readOnly, {XAI_API_KEY: key('xai-')}, {dryRun: false})).rejects.toThrow(/read-only/);
		expect((await importFromEnv(readOnly, {XAI_API_KEY: key('xai-')}, {dryRun: true})).actions.map((step) => step.action)).toEqual(['create-provider', 'add-key']);
	});

	it('skips a key that is not usable, naming the variable but not the value', async () => {
		const before = await rowCounts(c.ctx);
		const {actions} = await importFromEnv(c.ctx, {TOGETHER_API_KEY: 'tk with spaces\x1b[2J'}, {dryRun: false});
		expect(actions).toEqual([expect.objectContaining({action: 'skip-incomplete', variable: 'TOGETHER_API_KEY', reason: expect.stringMatching(/^TOGETHER_API_KEY: The key contains spaces/)})]);
		expect(JSON.stringify(actions)).not.toContain('with spaces');
		expect(await rowCounts(c.ctx)).toEqual(before);
		await addKey(c.ctx, 'openai', {secret: key('sk-')});
	});

	it('case 47: a vendor key goes only to a provider at the vendor’s own origin; one of the family elsewhere is skipped, naming both URLs; the plan shows every base URL', async () => {
		// An "openai" provider that is really a corporate proxy, and a mock: neither may receive OPENAI_API_KEY.
		const fresh = await testContext();
		try {
			await createProvider(fresh.ctx, {name: 'openai', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1'});
			await createProvider(fresh.ctx, {name: 'corp-proxy', type: 'openai', baseUrl: 'https://llm-proxy.corp.example/v1'});
			await createProvider(fresh.ctx, {name: 'anthropic-vendor', type: 'anthropic', baseUrl: 'https://api.anthropic.com/v1/'});
			const openai = key('sk-proj-');
			const anthropic = key('sk-ant-');
			const env = {OPENAI_API_KEY: openai, ANTHROPIC_API_KEY: anthropic, AZURE_OPENAI_API_KEY: key('az'), AZURE_OPENAI_ENDPOINT: 'https://res-b.openai.azure.com/'};
			const before = await rowCounts(fresh.ctx);
			const plan = await importFromEnv(fresh.ctx, env, {dryRun: true});
			expect(plan.actions).toEqual([
				{provider: 'openai', type: 'openai', action: 'skip-origin', baseUrl: 'http://127.0.0.1:9/v1', variable: 'OPENAI_API_KEY', keyHint: `sk-proj-…${openai.slice(-4)}`, reason: 'base URL is not https://api.openai.com'},
				{provider: 'corp-proxy', type: 'openai', action: 'skip-origin', baseUrl: 'https://llm-proxy.corp.example/v1', variable: 'OPENAI_API_KEY', keyHint: `sk-proj-…${openai.slice(-4)}`, reason: 'base URL is not https://api.openai.com'},
				{provider: 'azure-openai', type: 'azure-openai', action: 'create-provider', baseUrl: 'https://res-b.openai.azure.com/openai/v1', variable: 'AZURE_OPENAI_API_KEY'},
				expect.objectContaining({provider: 'azure-openai', action: 'add-key', baseUrl: 'https://res-b.openai.azure.com/openai/v1'}),
				// Matched by origin, not by name: the path and a trailing slash do not matter.
				{provider: 'anthropic-vendor', type: 'anthropic', action: 'add-key', baseUrl: 'https://api.anthropic.com/v1', variable: 'ANTHROPIC_API_KEY', keyHint: `sk-ant-…${anthropic.slice(-4)}`},
			]);
			expect(await rowCounts(fresh.ctx)).toEqual(before);
			await importFromEnv(fresh.ctx, env, {dryRun: false});
			const keysOf = async (name: string) => listKeys(fresh.ctx, (await getProvider(fresh.ctx, name)).id);
			expect(await keysOf('openai')).toEqual([]);
			expect(await keysOf('corp-proxy')).toEqual([]);
			expect(await keysOf('anthropic-vendor')).toHaveLength(1);
			expect(await keysOf('azure-openai')).toHaveLength(1);
			const cli = await runCli(['import-env', '--dry-run'], {database: fresh.ctx.db, env: {...env, ENCRYPTION_KEY: fresh.keyHex}});
			expect(cli.code).toBe(0);
			expect(cli.stdout).toContain(`skip-origin     corp-proxy (openai) at https://llm-proxy.corp.example/v1\n                key sk-proj-…${openai.slice(-4)} · from OPENAI_API_KEY · base URL is not https://api.openai.com\n`);
			expect(cli.stdout).toContain('skip-origin     openai (openai) at http://127.0.0.1:9/v1\n');
			expect(cli.stdout).toContain('skip-duplicate  anthropic-vendor (anthropic) at https://api.anthropic.com/v1\n');
			expect(cli.stdout).not.toContain(openai.slice(8, 20));
		} finally {
			await fresh.t.drop();
		}
	});
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {defaultCapabilities} from '../source/domain/families.js';
import {addKey, missingKeyError} from '../source/services/keys.js';
import {discoverModels} from '../source/services/smoke.js';
import {getProvider} from '../source/services/providers.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {startMockProvider, type MockProvider} from './support/mock-provider.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';

let c: TestContext;
let dir: string;
let mock: MockProvider;

beforeAll(async () => {
	c = await testContext();
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-cli-'));
	mock = await startMockProvider({models: ['mock-large', 'mock-small']});
});

afterAll(async () => {
	await mock.close();
	await c.t.drop();
	fs.rmSync(dir, {recursive: true, force: true});
});

/** `eval752 …` against this file's database, as an operator with the right ENCRYPTION_KEY. */
function eval752(...argv: string[]): Promise<CliResult> {
	return runCli(argv, {database: c.t.db, env: {ENCRYPTION_KEY: c.keyHex, EVAL752_LOG_FILE: path.join(dir, 'eval752.log')}});
}

async function json<T = unknown>(...argv: string[]): Promise<T> {
	const result = await eval752(...argv, '--json');
	expect(result.stderr).toBe('');
	expect(result.code).toBe(0);
	return JSON.parse(result.stdout) as T;
}

describe(`eval752 providers (${databaseKind})`, () => {
	it('adds a provider with every documented flag', async () => {
		const result = await eval752('providers', 'add', '--name', 'groq', '--type', 'groq', '--capabilities', 'tools,streaming', '--rpm', '30', '--rps', '2', '--concurrency', '4', '--header', 'X-Team: evals', '--header', 'HTTP-Referer: https://evals.example');
		expect(result).toMatchObject({code: 0, stderr: ''});
		expect(result.stdout).toMatch(/^Provider groq created \(groq, https:\/\/api\.groq\.com\/openai\/v1, id [0-9a-f-]{36}\)\n$/);
		const provider = await getProvider(c.ctx, 'GROQ');
		expect(provider).toMatchObject({capabilities: ['tools', 'streaming'], rateLimits: {rpm: 30, rps: 2, concurrency: 4}, extraHeaders: {'X-Team': 'evals', 'HTTP-Referer': 'https://evals.example'}});
	});

	it('lists providers as a table and as documented JSON', async () => {
		const table = await eval752('providers', 'list');
		expect(table.code).toBe(0);
		expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+TYPE\s+ENABLED\s+KEYS\s+MODELS\s+LAST SMOKE\s+BASE URL$/);
		expect(table.stdout).toMatch(/groq\s+groq\s+yes\s+0\/0\s+0\s+never\s+https:\/\/api\.groq\.com\/openai\/v1/);
		const list = await json<Record<string, unknown>[]>('providers', 'list');
		expect(Object.keys(list[0]!).sort()).toEqual(
			[
				'id',
				'name',
				'type',
				'baseUrl',
				'capabilities',
				'rateLimits',
				'extraHeaders',
				'enabled',
				'probeKind',
				'version',
				'createdAt',
				'updatedAt',
				'updatedBy',
				'keysActive',
				'keysTotal',
				'models',
				'lastSmoke',
				'servingKey',
				'modelRuns',
				'keyFailures',
				'observedLimits',
			].sort(),
		);
		expect(list[0]).toMatchObject({name: 'groq', keysActive: 0, lastSmoke: null, probeKind: 'stream', servingKey: null, modelRuns: [], keyFailures: [], observedLimits: null, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)});
	});

	it('shows one provider with its keys (hints only) and models', async () => {
		await addKey(c.ctx, 'groq', {secret: 'gsk_abcdefghijklmnopqrstuvwxyz1234', label: 'ci'});
		const shown = await eval752('providers', 'show', 'Groq');
		expect(shown.code).toBe(0);
		expect(shown.stdout).toContain('base URL      https://api.groq.com/openai/v1');
		expect(shown.stdout).toContain('rate limits   rpm 30 · rps 2 · concurrency 4 — enforced by eval752 for its own requests');
		expect(shown.stdout).toContain('keys          gsk_…1234 active (ci)');
		expect(shown.stdout).not.toContain('abcdefghijkl');
		const data = await json<{provider: {name: string}; keys: {displayHint: string}[]; models: unknown[]}>('providers', 'show', 'groq');
		expect(data.provider.name).toBe('groq');
		expect(data.keys.map((key) => key.displayHint)).toEqual(['gsk_…1234']);
	});

	it('edits only the given fields; --header Name: removes one; a stale --expect-version is a conflict', async () => {
		const edited = await eval752('providers', 'edit', 'groq', '--rpm', '', '--header', 'X-Team:', '--header', 'X-Env: prod');
		expect(edited).toMatchObject({code: 0, stdout: 'Provider groq updated (version 2)\n'});
		const provider = await getProvider(c.ctx, 'groq');
		expect(provider).toMatchObject({rateLimits: {rpm: null, rps: 2, concurrency: 4}, extraHeaders: {'HTTP-Referer': 'https://evals.example', 'X-Env': 'prod'}});
		const stale = await eval752('providers', 'edit', 'groq', '--rps', '5', '--expect-version', '1');
		expect(stale.code).toBe(1);
		expect(stale.stderr).toMatch(/^eval752: Provider groq was changed by tester@test \d+ s ago: rpm, extra headers — nothing was saved; review their values, then save yours over theirs \(headless: run it again with --expect-version 2\)\n$/);
		const json2 = await json<{version: number; capabilities: string[]}>('providers', 'edit', 'groq', '--capabilities', 'json_mode', '--expect-version', '2');
		expect(json2).toMatchObject({version: 3, capabilities: ['json_mode']});
	});

	it('disables and enables', async () => {
		expect(await eval752('providers', 'disable', 'groq')).toMatchObject({code: 0, stdout: 'Provider groq disabled\n'});
		expect((await eval752('providers', 'disable', 'groq')).stderr).toMatch(/Provider groq is already disabled/);
		expect(await eval752('providers', 'enable', 'groq')).toMatchObject({code: 0, stdout: 'Provider groq enabled\n'});
	});

	it('refuses bad input with one line naming the field, exit 2 for a bad value and 1 for a taken name, nothing written', async () => {
		const before = await rowCounts(c.ctx);
		const cases: [string[], RegExp][] = [
			[['--name', 'x', '--type', 'gopher'], /^eval752: type: Type must be one of openai, azure-openai/],
			[['--name', '', '--type', 'openai'], /^eval752: name: Name is required/],
			[['--name', 'x', '--type', 'openai-compatible', '--base-url', 'https://u:p@gw/v1'], /^eval752: baseUrl: Base URL can't carry credentials/],
			[['--name', 'x', '--type', 'openai', '--rpm', 'lots'], /^eval752: rateLimits\.rpm: rpm must be a whole number/],
			[['--name', 'x', '--type', 'openai', '--header', 'Authorization: Bearer sk-x'], /put secrets in a key/],
			[['--name', 'x', '--type', 'openai', '--header', 'no colon'], /A header must look like "Name: value"/],
			[['--name', 'evil\x1b[2J', '--type', 'openai'], /^eval752: name: Name can't contain control or escape characters \(found U\+001B\)/],
			[['--name', 'GROQ', '--type', 'groq'], /^eval752: A provider named GROQ already exists — pick another name, or edit that provider\n$/],
		];
		for (const [flags, message] of cases) {
			const result = await eval752('providers', 'add', ...flags);
			expect(result.code, flags.join(' ')).toBe(flags.includes('GROQ') ? 1 : 2);
			expect(result.stderr).toMatch(message);
			expect(result.stderr).not.toContain('\x1b');
			expect(result.stdout).toBe('');
		}
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('usage mistakes exit 2 and point at --help', async () => {
		for (const argv of [['providers', 'frobnicate'], ['providers', 'add', '--type', 'openai'], ['providers', 'add', '--name', 'x', '--type', 'openai', '--bogus'], ['providers', 'show'], ['providers', 'edit', 'groq'], ['providers', 'edit', 'groq', '--expect-version', 'two']]) {
			const result = await eval752(...argv);
			expect(result.code, argv.join(' ')).toBe(2);
			expect(result.stderr).toMatch(/^eval752: providers[ \w-]*: [^\n]+\n$/);
		}
	});

	it('bare `providers` lists, like `providers list` (table and --json)', async () => {
		const bare = await eval752('providers');
		expect(bare).toMatchObject({code: 0, stderr: ''});
		expect(bare.stdout).toBe((await eval752('providers', 'list')).stdout);
		expect(bare.stdout.split('\n')[0]).toMatch(/^NAME\s+TYPE\s+ENABLED/);
		expect(await json('providers')).toEqual(await json('providers', 'list'));
	});

	it('a provider added without --capabilities gets the dashboard form\'s default set; \'\' means none', async () => {
		const added = await json<{capabilities: string[]}>('providers', 'add', '--name', 'defaults', '--type', 'openai');
		expect(added.capabilities).toEqual([...defaultCapabilities]);
		expect(added.capabilities).toEqual(['system_prompt', 'streaming']);
		expect((await json<{capabilities: string[]}>('providers', 'add', '--name', 'bare-caps', '--type', 'openai', '--capabilities', '')).capabilities).toEqual([]);
		expect((await eval752('providers', 'show', 'defaults')).stdout).toContain('capabilities  system_prompt, streaming\n');
		for (const name of ['defaults', 'bare-caps']) expect((await eval752('providers', 'rm', name)).code).toBe(0);
	});

	it('removes a provider with active keys only with --yes', async () => {
		await eval752('providers', 'add', '--name', 'doomed', '--type', 'xai');
		await addKey(c.ctx, 'doomed', {secret: 'xai-0123456789abcdefghijklmnop'});
		const refused = await eval752('providers', 'rm', 'doomed');
		expect(refused.code).toBe(1);
		expect(refused.stderr).toBe('eval752: Provider doomed has 1 active key; deleting it deletes them too — confirm with --yes, or disable its keys first\n');
		expect(await eval752('providers', 'rm', 'doomed', '--yes')).toMatchObject({code: 0, stdout: 'Provider doomed deleted, with its keys and models\n'});
		expect((await eval752('providers', 'show', 'doomed')).stderr).toBe('eval752: No provider named doomed — eval752 providers list shows the names\n');
	});
});

describe(`eval752 models and aliases (${databaseKind})`, () => {
	it('adds, lists, edits and removes models', async () => {
		const added = await json<{id: string; alias: string; displayLabel: string; version: number}>('models', 'add', 'groq', '--model', 'llama-3.3-70b-versatile', '--label', 'Llama 3.3 70B', '--alias', 'Llama-70B');
		expect(added).toMatchObject({alias: 'llama-70b', displayLabel: 'Llama 3.3 70B', version: 1});
		const plain = await eval752('models', 'add', 'groq', '--model', 'llama-3.1-8b-instant');
		expect(plain.stdout).toMatch(/^Model llama-3\.1-8b-instant added \(id [0-9a-f]{8}\)\n$/);
		const list = await eval752('models', 'list', 'groq');
		expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+PROVIDER\s+MODEL\s+LABEL\s+ALIAS$/);
		expect(list.stdout).toMatch(/groq\s+llama-3\.3-70b-versatile\s+Llama 3\.3 70B\s+llama-70b/);
		const all = await json<{providerName: string; modelName: string}[]>('models', 'list');
		expect(all.map((m) => `${m.providerName}/${m.modelName}`)).toEqual(['groq/llama-3.1-8b-instant', 'groq/llama-3.3-70b-versatile']);
		const edited = await eval752('models', 'edit', added.id.slice(0, 8), '--no-alias', '--label', 'Llama 70B');
		expect(edited).toMatchObject({code: 0, stdout: 'Model llama-3.3-70b-versatile updated (version 2)\n'});
		expect((await eval752('models', 'edit', added.id, '--alias', 'x', '--expect-version', '1')).stderr).toMatch(/was changed by tester@test \d+ s ago: display label, alias — /);
		expect((await eval752('models', 'add', 'groq', '--model', 'llama-3.1-8b-instant')).stderr).toBe('eval752: Model llama-3.1-8b-instant is already on provider groq — edit that model instead (eval752 models list shows it)\n');
		expect((await eval752('models', 'add', 'groq', '--model', 'x', '--alias', 'Not OK')).stderr).toMatch(/^eval752: alias: Alias may use only a–z/);
		expect((await eval752('models', 'add', 'groq')).code).toBe(2);
		expect(await eval752('models', 'rm', added.id)).toMatchObject({code: 0, stdout: 'Model llama-3.3-70b-versatile deleted\n'});
	});

	it('lists aliases with the providers serving them', async () => {
		await eval752('providers', 'add', '--name', 'together', '--type', 'together');
		await eval752('models', 'add', 'groq', '--model', 'llama-3.3-70b-versatile', '--alias', 'llama-70b');
		await eval752('models', 'add', 'together', '--model', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', '--alias', 'llama-70b');
		const table = await eval752('aliases', 'list');
		expect(table.stdout).toMatch(/^ALIAS\s+PROVIDER\s+MODEL\s+LABEL\s+ENABLED\nllama-70b\s+groq\s+llama-3\.3-70b-versatile\s+.*yes\n\s+together\s+meta-llama\/Llama-3\.3-70B-Instruct-Turbo/);
		expect((await eval752('aliases')).stdout).toBe(table.stdout);
		const data = await json<{alias: string; providers: {providerName: string}[]}[]>('aliases', 'list');
		expect(await json('aliases')).toEqual(data);
		expect(data).toEqual([{alias: 'llama-70b', providers: [expect.objectContaining({providerName: 'groq'}), expect.objectContaining({providerName: 'together'})]}]);
	});

	it('discovers what a provider serves and flags configured models it no longer lists', async () => {
		await eval752('providers', 'add', '--name', 'local', '--type', 'vllm', '--base-url', mock.baseUrl);
		await eval752('models', 'add', 'local', '--model', 'mock-small');
		await eval752('models', 'add', 'local', '--model', 'retired-model');
		const result = await eval752('models', 'discover', 'local');
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('local serves 2 models:\n    mock-large\n  * mock-small\n  (* configured here)\n! retired-model is configured here but local no longer lists it\n');
		const data = await eval752('models', 'discover', 'local', '--json');
		expect(JSON.parse(data.stdout)).toEqual({provider: 'local', served: [{modelName: 'mock-large', configured: false}, {modelName: 'mock-small', configured: true}], missing: ['retired-model'], skipped: 0});
		const noKey = await eval752('models', 'discover', 'groq-missing');
		expect(noKey.code).toBe(1);
	});

	it('refuses discovery without a key where the family needs one, in the words the dashboard shows (one rule, one service)', async () => {
		// The dashboard's model form calls the same discoverModels.
		expect((await eval752('providers', 'add', '--name', 'mistral-keyless', '--type', 'mistral')).code).toBe(0);
		const refused = await eval752('models', 'discover', 'mistral-keyless');
		expect(refused).toMatchObject({code: 1, stdout: ''});
		expect(refused.stderr).toBe('eval752: Provider mistral-keyless has no active key to list its models with — add one: eval752 keys add mistral-keyless --from-stdin\n');
		await expect(discoverModels(c.ctx, 'mistral-keyless')).rejects.toThrow('Provider mistral-keyless has no active key to list its models with');
		const mistral = await getProvider(c.ctx, 'mistral-keyless');
		expect(missingKeyError(mistral, null)?.message).toBe('Provider mistral-keyless has no active key');
		expect(missingKeyError({name: 'local', type: 'vllm'}, null)).toBeNull();
	});
});

describe('--help', () => {
	it.each(['providers', 'keys', 'models', 'aliases', 'settings', 'audit', 'import-env'])('eval752 %s --help documents usage, JSON and exit codes', async (name) => {
		const result = await runCli([name, '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(new RegExp(`^Usage: eval752 ${name}`));
		expect(result.stdout).toContain('JSON (--json)');
		expect(result.stdout).toContain('Exit codes:');
	});
});

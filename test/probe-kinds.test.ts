import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {addKey} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider, deleteProvider, getProvider, listProviders} from '../source/services/providers.js';
import {setSetting} from '../source/services/settings.js';
import {runCli, type CliResult} from './support/cli.js';
import {testContext, type TestContext} from './support/context.js';
import {databaseKind} from './support/db.js';
import {mockErrors, startMockProvider, type MockProvider} from './support/mock-provider.js';

/**
 * Probe kinds against the local mock, as an operator runs them: `models` (GET /models, 0 tokens),
 * `chat` (one non-streaming request within the probe budget) and `stream` (the smoke test,
 * streamed only with the capability) — with and without usage data, per provider default and
 * per run, and `eval752 probe` over many providers with the health verdict as its exit code.
 */

let tc: TestContext;
let mock: MockProvider;
let work: string;
let env: NodeJS.ProcessEnv;
let counter = 0;

beforeAll(async () => {
	tc = await testContext();
	mock = await startMockProvider({models: ['mock-small', 'mock-large']});
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-probe-'));
	env = {ENCRYPTION_KEY: tc.keyHex, EVAL752_LOG_FILE: path.join(work, 'eval752.log'), EVAL752_DATA_DIR: path.join(work, 'data')};
});

afterAll(async () => {
	await mock?.close();
	await tc?.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

afterEach(async () => {
	for (const provider of await listProviders(tc.ctx)) await deleteProvider(tc.ctx, provider.id, {force: true});
	mock.setDefault({kind: 'stream', text: 'Hello from the mock provider.'});
	mock.setModelsHeaders({});
	mock.setModels(['mock-small', 'mock-large']);
	mock.setModelsBehaviour(null);
});

function cli(...args: string[]): Promise<CliResult> {
	return runCli(args, {database: tc.t.db, env});
}

async function json<T>(...args: string[]): Promise<{code: number; value: T; stderr: string}> {
	const result = await cli(...args, '--json');
	return {code: result.code, value: JSON.parse(result.stdout) as T, stderr: result.stderr};
}

async function provider(options: {capabilities?: string[]; probeKind?: string; models?: string[]; type?: string} = {}): Promise<{name: string; id: string}> {
	const name = `probe${++counter}`;
	const created = await createProvider(tc.ctx, {name, type: options.type ?? 'openai', baseUrl: mock.baseUrl, capabilities: options.capabilities ?? [], ...(options.probeKind ? {probeKind: options.probeKind} : {})});
	await addKey(tc.ctx, name, {secret: `sk-probe${counter}-${'z'.repeat(10)}${Date.now()}`, label: 'ci'});
	for (const modelName of options.models ?? ['mock-small']) await addModel(tc.ctx, name, {modelName});
	return {name, id: created.id};
}

interface RunJson {
	model: string;
	probeKind: string;
	streamed: boolean;
	outcome: string;
	error: {class: string} | null;
	metrics: {inputTokens: number | null; outputTokens: number | null; outputTokensEstimated: boolean; ttftMs: number | null};
	excerpt: string;
	rateHeaders: Record<string, string> | null;
}

async function storedRuns(providerId: string) {
	return tc.ctx.db.sql<{probe_kind: string; outcome: string; output_tokens: number | null; input_tokens: number | null; tokens_estimated: boolean; rate_headers: Record<string, string> | null; model_name: string}[]>`
		select probe_kind, outcome, output_tokens, input_tokens, tokens_estimated, rate_headers, model_name from smoke_runs where provider_id = ${providerId} order by started_at, model_name`;
}

describe(`probe kinds (${databaseKind})`, () => {
	it('models: one GET /models, no completion, 0 tokens shown, stored and audited as a run', async () => {
		const p = await provider({probeKind: 'models'});
		mock.setModelsHeaders({'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '97'});
		const before = mock.chatRequests.length;

		const text = await cli('smoke', p.name);
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(new RegExp(`^ok · ${p.name} · mock-small · key sk-…\\w{4} · models probe · total \\d+ ms · 0 tokens\\n$`));

		const {value} = await json<RunJson>('smoke', p.name);
		expect(value).toMatchObject({probeKind: 'models', streamed: false, outcome: 'ok', metrics: {inputTokens: 0, outputTokens: 0, outputTokensEstimated: false, ttftMs: null}, excerpt: 'mock-small is listed (2 models served)'});
		expect(value.rateHeaders).toEqual({'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '97'});
		expect(mock.chatRequests.length).toBe(before);

		const runs = await storedRuns(p.id);
		expect(runs.map((run) => [run.probe_kind, run.outcome, run.input_tokens, run.output_tokens])).toEqual([
			['models', 'ok', 0, 0],
			['models', 'ok', 0, 0],
		]);
		const [audit] = await tc.ctx.db.sql<{details: Record<string, unknown>}[]>`select details from audit_log where action = 'smoke.run' order by seq desc limit 1`;
		expect(audit!.details).toMatchObject({provider: p.name, probe: 'models', outputTokens: 0, inputTokens: 0});
	});

	it('models with --all-models: ONE request answers for every model; a model no longer listed fails alone', async () => {
		const p = await provider({probeKind: 'models', models: ['mock-small', 'gone-model', 'mock-large']});
		const before = mock.modelRequests.length;
		const {code, value} = await json<RunJson[]>('smoke', p.name, '--all-models');
		expect(code).toBe(1);
		expect(mock.modelRequests.length - before).toBe(1);
		expect(value.map((run) => [run.model, run.outcome, run.error?.class ?? null])).toEqual([
			['gone-model', 'failed', 'model_not_found'],
			['mock-large', 'ok', null],
			['mock-small', 'ok', null],
		]);
		expect((await storedRuns(p.id)).map((run) => run.model_name).sort()).toEqual(['gone-model', 'mock-large', 'mock-small']);
	});

	it('chat: one non-streaming request asking for at most 16 tokens, tokens as reported; reasoning gets probe_max_tokens', async () => {
		const p = await provider({probeKind: 'chat', capabilities: ['streaming']});
		mock.setDefault({kind: 'stream', text: 'pong', headers: {'x-ratelimit-remaining-tokens': '9990'}});
		const {code, value} = await json<RunJson>('smoke', p.name);
		expect(code).toBe(0);
		const body = mock.chatRequests.at(-1)!.body as Record<string, unknown>;
		expect(body['stream']).toBe(false);
		expect(body['max_completion_tokens']).toBe(16);
		expect(value).toMatchObject({probeKind: 'chat', streamed: false, outcome: 'ok', excerpt: 'pong', metrics: {outputTokens: 1, outputTokensEstimated: false}});
		expect(value.metrics.inputTokens).toBeGreaterThan(0);
		expect(value.rateHeaders).toEqual({'x-ratelimit-remaining-tokens': '9990'});
		const text = await cli('smoke', p.name);
		expect(text.stdout).toMatch(/ · chat probe · ttft \d+ ms · total \d+ ms · \d+ tokens \(\d+ in, 1 out\) · /);

		await setSetting(tc.ctx, 'probe_max_tokens', 300);
		const thinker = await provider({probeKind: 'chat', capabilities: ['reasoning']});
		mock.setDefault({kind: 'stream', text: 'pong', reasoning: 'one word is asked for'});
		const reasoning = await json<RunJson>('smoke', thinker.name);
		expect((mock.chatRequests.at(-1)!.body as Record<string, unknown>)['max_completion_tokens']).toBe(300);
		expect(reasoning.value.outcome).toBe('ok');
		await setSetting(tc.ctx, 'probe_max_tokens', 1024);
	});

	it('chat spends at most the settings budget: the request never asks for more, the stored count is the reported one', async () => {
		await setSetting(tc.ctx, 'probe_max_tokens', 8);
		const p = await provider({probeKind: 'chat'});
		mock.setDefault({kind: 'stream', tokens: ['a ', 'b ', 'c'], reportedOutputTokens: 3});
		const {value} = await json<RunJson>('smoke', p.name);
		expect((mock.chatRequests.at(-1)!.body as Record<string, unknown>)['max_completion_tokens']).toBe(8);
		expect(value.metrics.outputTokens).toBe(3);
		const [run] = await storedRuns(p.id);
		expect(run!.output_tokens).toBeLessThanOrEqual(8);
		await setSetting(tc.ctx, 'probe_max_tokens', 1024);
	});

	it('chat without usage data: an estimate, marked with "~" in the line and as estimated in JSON and storage', async () => {
		const p = await provider({probeKind: 'chat'});
		mock.setDefault({kind: 'stream', text: 'pong pong pong', usage: false});
		const text = await cli('smoke', p.name);
		expect(text.stdout).toMatch(/ · chat probe · .* · ~4 tokens out · /);
		const {value} = await json<RunJson>('smoke', p.name);
		expect(value.metrics).toMatchObject({outputTokens: 4, outputTokensEstimated: true, inputTokens: null});
		expect((await storedRuns(p.id)).map((run) => run.tokens_estimated)).toEqual([true, true]);
	});

	it('stream: streamed with the streaming capability, one non-streaming request without it — with and without usage', async () => {
		const streaming = await provider({capabilities: ['streaming']});
		mock.setDefault({kind: 'stream', tokens: ['one ', 'two ', 'three'], usage: false});
		const streamed = await json<RunJson>('smoke', streaming.name);
		expect((mock.chatRequests.at(-1)!.body as Record<string, unknown>)['stream']).toBe(true);
		// Estimated from the 13 characters (~4 tokens), not from the 3 chunks.
		expect(streamed.value).toMatchObject({probeKind: 'stream', streamed: true, excerpt: 'one two three', metrics: {outputTokens: 4, outputTokensEstimated: true}});

		const plain = await provider();
		mock.setDefault({kind: 'stream', tokens: ['one ', 'two ', 'three']});
		const single = await json<RunJson>('smoke', plain.name);
		expect((mock.chatRequests.at(-1)!.body as Record<string, unknown>)['stream']).toBe(false);
		expect(single.value).toMatchObject({probeKind: 'stream', streamed: false, excerpt: 'one two three', metrics: {outputTokens: 3, outputTokensEstimated: false}});
		expect((await cli('smoke', plain.name)).stdout).toContain(' · stream, one request (no streaming capability) · ');
	});

	it('--probe overrides the provider default for one run; providers edit --probe changes the default', async () => {
		const p = await provider({capabilities: ['streaming']});
		expect((await getProvider(tc.ctx, p.name)).probeKind).toBe('stream');
		const once = await json<RunJson>('smoke', p.name, '--probe', 'models');
		expect(once.value.probeKind).toBe('models');
		expect((await cli('smoke', p.name, '--probe', 'ping')).code).toBe(2);

		const edited = await cli('providers', 'edit', p.name, '--probe', 'chat');
		expect(edited.code).toBe(0);
		expect((await getProvider(tc.ctx, p.name)).probeKind).toBe('chat');
		expect((await cli('providers', 'show', p.name)).stdout).toContain('probe         chat — one small non-streaming completion');
		expect((await json<RunJson>('smoke', p.name)).value.probeKind).toBe('chat');
		const bad = await cli('providers', 'edit', p.name, '--probe', 'everything');
		// A value refused by validation is a usage error.
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('Probe kind must be one of models, chat, stream');
	});

	it('a base URL without /v1: every kind says to check the base URL, none says model_not_found', async () => {
		const p = await provider();
		await tc.ctx.db.sql`update providers set base_url = ${mock.baseUrl.replace(/\/v1$/, '')} where id = ${p.id}`;
		for (const kind of ['models', 'chat', 'stream']) {
			const result = await cli('smoke', p.name, '--probe', kind);
			expect(result.code, kind).toBe(1);
			expect(result.stderr, kind).toMatch(/^eval752: protocol: Provider probe\d+ has no (?:model list|chat endpoint) at http:\/\/127\.0\.0\.1:\d+\/(?:models|chat\/completions) \(404\)/);
			expect(result.stderr, kind).toContain('try: Check the base URL: it usually ends in /v1');
			expect(result.stderr, kind).not.toContain('models discover');
		}
	});
});

describe(`eval752 probe (${databaseKind})`, () => {
	it('probes every enabled provider with its own kind, within its limits, and exits with the health verdict', async () => {
		const fine = await provider({probeKind: 'models', models: ['mock-small', 'mock-large']});
		const chatty = await provider({probeKind: 'chat'});
		const broken = await provider({probeKind: 'stream'});
		mock.setDefault((request) => ((request.body as {model?: string} | undefined)?.model === 'mock-small' && request.headers['authorization']?.includes(`probe${counter}-`) ? mockErrors.unauthorized('full')(request) : {kind: 'stream', text: 'pong'}));

		const result = await cli('probe', '--all');
		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(new RegExp(`^ok · ${fine.name} · mock-small · .* · models probe · `, 'm'));
		expect(result.stdout).toMatch(new RegExp(`^ok · ${chatty.name} · mock-small · .* · chat probe · `, 'm'));
		expect(result.stdout).toMatch(new RegExp(`^failed \\(auth\\) · ${broken.name} · `, 'm'));
		expect(result.stdout).toContain(`Health:\n`);
		expect(result.stdout).toContain(`  ${fine.name}  healthy — 2 of 2 models ok\n`);
		expect(result.stdout).toContain(`  ${broken.name}  failing — the key is rejected (auth on mock-small)\n`);

		mock.setDefault({kind: 'stream', text: 'pong'});
		const again = await json<{state: string; exitCode: number; probes: Array<{provider: string; kind: string; skipped: string | null; runs: RunJson[]}>}>('probe', fine.name, chatty.name, '--kind', 'models');
		expect(again.code).toBe(0);
		expect(again.value).toMatchObject({state: 'healthy', exitCode: 0});
		expect(again.value.probes.map((probe) => [probe.provider, probe.kind, probe.runs.length])).toEqual([
			[fine.name, 'models', 2],
			[chatty.name, 'models', 1],
		]);
	});

	it('a provider without models or key is reported, not probed; naming nothing is a usage error', async () => {
		const empty = await createProvider(tc.ctx, {name: `probe${++counter}`, type: 'openai', baseUrl: mock.baseUrl});
		await addKey(tc.ctx, empty.name, {secret: `sk-empty-${'q'.repeat(12)}${Date.now()}`});
		const keyless = await createProvider(tc.ctx, {name: `probe${++counter}`, type: 'openai', baseUrl: mock.baseUrl});
		await addModel(tc.ctx, keyless.name, {modelName: 'mock-small'});
		const result = await cli('probe', empty.name, keyless.name);
		expect(result.stdout).toContain(`skipped · ${empty.name} · has no models\n`);
		expect(result.stdout).toContain(`skipped · ${keyless.name} · has no active key\n`);
		expect(result.stdout).toContain(`  ${keyless.name}  failing — no active key`);
		expect(result.stdout).toContain(`  ${empty.name}  unknown — no models configured`);
		expect(result.code).toBe(1);

		expect((await cli('probe')).code).toBe(2);
		expect((await cli('probe', '--all', empty.name)).code).toBe(2);
		expect((await cli('probe', '--all', '--parallel', '0')).code).toBe(2);
		// A name that does not exist is the caller's mistake: usage (2), never 1 (a provider failing).
		expect((await cli('probe', 'no-such-provider')).code).toBe(2);
	});
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runComparison} from '../source/services/compare.js';
import {addKey} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider} from '../source/services/providers.js';
import {recentRunPoints, runSparkline} from '../source/services/runs.js';
import {runSmoke} from '../source/services/smoke.js';
import {runCli, type CliResult} from './support/cli.js';
import {testContext, type TestContext} from './support/context.js';
import {databaseKind} from './support/db.js';
import {mockErrors, startMockProvider, type MockProvider} from './support/mock-provider.js';

/**
 * Run history as an operator reads it after the fact: `eval752 runs list` per provider and per
 * alias, smoke and comparison runs together, and `eval752 runs show` with every target's answer,
 * metrics, error and hint; the sparkline data behind the board and the provider view.
 */

let tc: TestContext;
let mock: MockProvider;
let work: string;
let env: NodeJS.ProcessEnv;
const ids: Record<string, string> = {};
let compareRunId = '';

function cli(...args: string[]): Promise<CliResult> {
	return runCli(args, {database: tc.t.db, env});
}

async function smoke(provider: string, options: {model?: string; probe?: 'models' | 'chat' | 'stream'} = {}): Promise<void> {
	for await (const event of runSmoke(tc.ctx, {provider, model: options.model, probe: options.probe}, new AbortController().signal)) void event;
}

beforeAll(async () => {
	tc = await testContext();
	mock = await startMockProvider();
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-runs-'));
	env = {ENCRYPTION_KEY: tc.keyHex, EVAL752_LOG_FILE: path.join(work, 'eval752.log'), EVAL752_DATA_DIR: path.join(work, 'data')};
	for (const name of ['acme', 'zeta']) {
		const provider = await createProvider(tc.ctx, {name, type: 'openai', baseUrl: mock.baseUrl, capabilities: ['streaming']});
		ids[name] = provider.id;
		await addKey(tc.ctx, name, {secret: `sk-runs-${name}-${'w'.repeat(16)}`, label: 'ci'});
		await addModel(tc.ctx, name, {modelName: 'mock-small', alias: 'chat'});
	}
	await addModel(tc.ctx, 'acme', {modelName: 'mock-large'});

	mock.setDefault({kind: 'stream', text: 'pong from acme', headers: {'x-ratelimit-remaining-requests': '7'}});
	await smoke('acme', {model: 'mock-small'});
	mock.setDefault(mockErrors.modelNotFound());
	await smoke('acme', {model: 'mock-large', probe: 'chat'});
	mock.setDefault({kind: 'stream', text: 'pong'});
	await smoke('zeta', {probe: 'models'});
	mock.setDefault((request) => (request.headers['authorization']?.includes('zeta') ? mockErrors.rateLimited(1) : {kind: 'stream', text: 'compared answer from acme'}));
	for await (const event of runComparison(tc.ctx, 'chat', {prompt: 'Say hi'}, new AbortController().signal)) {
		if (event.type === 'run-started') compareRunId = event.runId;
	}
	mock.setDefault({kind: 'stream', text: 'pong'});
});

afterAll(async () => {
	await mock?.close();
	await tc?.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

interface ListItem {
	kind: string;
	id: string;
	provider?: string;
	model?: string;
	probeKind?: string;
	outcome?: string;
	alias?: string;
	targets?: number;
	ok?: number;
	failed?: number;
}

describe(`eval752 runs (${databaseKind})`, () => {
	it('list: smoke and comparison runs together, newest first, as a table and as JSON', async () => {
		const table = await cli('runs', 'list');
		expect(table.code).toBe(0);
		expect(table.stdout.split('\n')[0]).toMatch(/^AGE\s+KIND\s+WHAT\s+OUTCOME\s+TIME\s+TOKENS\s+ID$/);
		expect(table.stdout).toMatch(/\d+s\s+compare\s+alias chat\s+1\/2 ok\s+\d+ ms\s+—\s+[0-9a-f]{8}-/);
		expect(table.stdout).toMatch(/\d+s\s+models\s+zeta · mock-small\s+ok\s+\d+ ms\s+0 tokens\s+/);
		expect(table.stdout).toMatch(/\d+s\s+chat\s+acme · mock-large\s+failed \(model_not_found\)\s+/);

		const all = JSON.parse((await cli('runs', 'list', '--json')).stdout) as ListItem[];
		expect(all.map((item) => [item.kind, item.provider ?? item.alias, item.probeKind ?? null])).toEqual([
			['compare', 'chat', null],
			['smoke', 'zeta', 'models'],
			['smoke', 'acme', 'chat'],
			['smoke', 'acme', 'stream'],
		]);
		expect(all[0]).toMatchObject({kind: 'compare', targets: 2, ok: 1, failed: 1});
	});

	it('list --provider: its runs and the comparisons it took part in; --kind and -n narrow it', async () => {
		const acme = JSON.parse((await cli('runs', 'list', '--provider', 'ACME', '--json')).stdout) as ListItem[];
		expect(acme.map((item) => [item.kind, item.model ?? item.alias])).toEqual([
			['compare', 'chat'],
			['smoke', 'mock-large'],
			['smoke', 'mock-small'],
		]);
		const onlySmoke = JSON.parse((await cli('runs', 'list', '--provider', 'acme', '--kind', 'smoke', '-n', '1', '--json')).stdout) as ListItem[];
		expect(onlySmoke).toHaveLength(1);
		expect(onlySmoke[0]).toMatchObject({kind: 'smoke', model: 'mock-large', outcome: 'failed'});
	});

	it('list --alias: its comparisons and the smoke runs of the models serving it', async () => {
		const chat = JSON.parse((await cli('runs', 'list', '--alias', 'chat', '--json')).stdout) as ListItem[];
		expect(chat.map((item) => [item.kind, item.provider ?? item.alias, item.model ?? null])).toEqual([
			['compare', 'chat', null],
			['smoke', 'zeta', 'mock-small'],
			['smoke', 'acme', 'mock-small'],
		]);
		expect(JSON.parse((await cli('runs', 'list', '--alias', 'chat', '--kind', 'compare', '--json')).stdout)).toHaveLength(1);
	});

	it('show: a smoke run with probe, tokens, error, hint, the provider\'s headers and the answer', async () => {
		const [failed, ok] = (JSON.parse((await cli('runs', 'list', '--provider', 'acme', '--kind', 'smoke', '--json')).stdout) as ListItem[]).map((item) => item.id);
		const shown = await cli('runs', 'show', failed!);
		expect(shown.code).toBe(0);
		expect(shown.stdout).toContain('probe         chat\n');
		expect(shown.stdout).toContain('outcome       failed (model_not_found)\n');
		expect(shown.stdout).toMatch(/error {9}Provider acme doesn't know model mock-large \(404\): The model `mock-large` does not exist/);
		expect(shown.stdout).toContain('try           See the models this key can use and attach one of them (eval752 models discover acme)\n');

		const good = JSON.parse((await cli('runs', 'show', ok!, '--json')).stdout) as Record<string, unknown>;
		expect(good).toMatchObject({kind: 'smoke', provider: 'acme', model: 'mock-small', probeKind: 'stream', outcome: 'ok', error: null, excerpt: 'pong from acme', rateHeaders: {'x-ratelimit-remaining-requests': '7'}});
		expect((await cli('runs', 'show', ok!)).stdout).toContain('provider said requests 7 left (rate-limit headers of this response)');
	});

	it('show: a comparison with every target\'s answer, metrics, error and hint', async () => {
		const text = await cli('runs', 'show', compareRunId);
		expect(text.code).toBe(0);
		expect(text.stdout).toContain('alias         chat · finished');
		expect(text.stdout).toContain('prompt\n    Say hi\n');
		expect(text.stdout).toMatch(/── acme · mock-small: ok\n {3}ttft \d+ ms · total \d+ ms · .*\n {4}compared answer from acme\n/);
		expect(text.stdout).toMatch(/── zeta · mock-small: failed \(rate_limited\)\n.*\n {3}error: Provider zeta is rate limiting requests.*\n {3}try: Wait and try again, or let eval752 pace its own requests slower \(eval752 providers edit zeta --rpm N --concurrency N\)/);

		const json = JSON.parse((await cli('runs', 'show', compareRunId, '--json')).stdout) as {targets: Array<{provider: string; answer: string; error: {class: string; hint: string} | null; metrics: Record<string, unknown>}>};
		expect(json.targets.map((target) => [target.provider, target.answer, target.error?.class ?? null])).toEqual([
			['acme', 'compared answer from acme', null],
			['zeta', '', 'rate_limited'],
		]);
		expect(json.targets[1]!.error!.hint).toContain('eval752 providers edit zeta');
		expect(Object.keys(json.targets[0]!.metrics).sort()).toEqual(['outputTokens', 'tokensPerSecond', 'totalMs', 'ttftMs']);
	});

	it('refuses what is not there and what makes no sense', async () => {
		const missing = await cli('runs', 'show', '00000000-0000-4000-8000-000000000000');
		expect(missing.code).toBe(1);
		expect(missing.stderr).toBe('eval752: No run with that id — eval752 runs list shows the ids\n');
		expect((await cli('runs', 'show', 'not-an-id')).code).toBe(1);
		expect((await cli('runs', 'list', '-n', '0')).code).toBe(2);
		expect((await cli('runs', 'list', '--kind', 'probe')).code).toBe(2);
		expect((await cli('runs', 'list', '--provider', 'acme', '--alias', 'chat')).code).toBe(2);
		expect((await cli('runs', 'list', '--provider', 'nobody')).code).toBe(1);
		expect((await cli('runs')).code).toBe(2);
	});

	it('the sparkline data: the last N runs per provider, oldest first, in one call', async () => {
		const points = await recentRunPoints(tc.ctx, [ids['acme']!, ids['zeta']!], 5);
		expect(points.get(ids['acme']!)!.map((point) => [point.modelName, point.outcome, point.probeKind])).toEqual([
			['mock-small', 'ok', 'stream'],
			['mock-large', 'failed', 'chat'],
		]);
		expect(runSparkline(points.get(ids['acme']!)!)).toBe('▁✕');
		expect(points.get(ids['zeta']!)!.map((point) => point.probeKind)).toEqual(['models']);
		expect((await recentRunPoints(tc.ctx, [ids['acme']!], 1)).get(ids['acme']!)!.map((point) => point.outcome)).toEqual(['failed']);
	});
});

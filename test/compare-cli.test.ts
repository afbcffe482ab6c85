import fs from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {latencyBar} from '../source/domain/latency-bar.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {mockErrors, startMockProvider, type MockProvider} from './support/mock-provider.js';
import {tempDir} from './secrets-fixtures.js';
import {providerWithKey} from './rotate-fixtures.js';

/** `eval752 compare` as a script and an operator run it: progress lines, the table, --json, exit codes. */

let t: TestContext;
let dir: string;
const mocks: MockProvider[] = [];

beforeAll(() => {
	dir = tempDir('compare-cli');
});

beforeEach(async () => {
	t = await testContext();
});

afterEach(async () => {
	await Promise.all(mocks.splice(0).map((mock) => mock.close()));
	await t.t.drop();
});

afterAll(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

async function mock(): Promise<MockProvider> {
	const started = await startMockProvider();
	mocks.push(started);
	return started;
}

function compare(args: readonly string[]) {
	return runCli(['compare', ...args], {database: t.ctx.db, env: {ENCRYPTION_KEY: t.keyHex, EVAL752_DATA_DIR: path.join(dir, 'data'), EVAL752_LOG_FILE: path.join(dir, 'eval752.log')}});
}

describe(`eval752 compare (${databaseKind})`, () => {
	it('streams progress per provider, then a table with a latency bar scaled to the slowest; exit 0 when all answer', async () => {
		const fast = await mock();
		const slow = await mock();
		fast.setDefault({kind: 'stream', tokens: ['po', 'ng'], chunkDelayMs: 20});
		slow.setDefault({kind: 'stream', tokens: ['po', 'n', 'g'], chunkDelayMs: 200});
		await providerWithKey(t.ctx, fast, 'fast-co', {alias: 'pong'});
		await providerWithKey(t.ctx, slow, 'slow-co', {alias: 'pong', capabilities: ['image_input']});

		const result = await compare(['pong', '--prompt', 'Say pong']);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const lines = result.stdout.split('\n');
		expect(lines[0]).toBe('Comparing pong on 2 targets (capability drift: image_input on 1 of 2)');
		expect(lines).toContain('[1] fast-co/mock-small started');
		expect(lines).toContain('[2] slow-co/mock-small started');
		expect(lines.some((line) => /^\[1\] fast-co\/mock-small first token after \d+ ms$/.test(line))).toBe(true);
		expect(lines.some((line) => /^\[2\] slow-co\/mock-small finished in \d+ ms$/.test(line))).toBe(true);
		// Progress comes before the table.
		expect(result.stdout.indexOf('started')).toBeLessThan(result.stdout.indexOf('PROVIDER'));

		const header = lines.find((line) => line.startsWith('PROVIDER'))!;
		expect(header.split(/\s{2,}/)).toEqual(['PROVIDER', 'MODEL', 'OUTCOME', 'TTFT', 'TOTAL', 'TOKENS', 'TOK/S', 'LATENCY']);
		const fastRow = lines.find((line) => line.startsWith('fast-co'))!;
		const slowRow = lines.find((line) => line.startsWith('slow-co'))!;
		expect(fastRow).toMatch(/^fast-co\s+mock-small\s+ok\s+\d+ ms\s+\d+ ms\s+2\s+[\d.]+\s+[█▏▎▍▌▋▊▉]+$/);
		// The slowest gets the full 20-cell bar; the fast one a shorter bar.
		expect(slowRow.endsWith('█'.repeat(20))).toBe(true);
		const bar = (row: string) => row.match(/[█▏▎▍▌▋▊▉]+$/)![0];
		expect(bar(fastRow).length).toBeLessThan(bar(slowRow).length);
		expect(result.stdout).toMatch(/Finished in \d+ ms \(run [0-9a-f-]{36}\)\./);
		// One clock: each target's progress lines say what its table row says, first token before the end.
		for (const [index, name] of [[1, 'fast-co'], [2, 'slow-co']] as const) {
			const first = Number(lines.find((line) => line.startsWith(`[${index}] ${name}/mock-small first token after `))!.match(/after (\d+) ms$/)![1]);
			const finished = Number(lines.find((line) => line.startsWith(`[${index}] ${name}/mock-small finished in `))!.match(/in (\d+) ms$/)![1]);
			const row = lines.find((line) => line.startsWith(name))!.match(/^\S+\s+mock-small\s+ok\s+(\d+) ms\s+(\d+) ms/)!;
			expect([first, finished], name).toEqual([Number(row[1]), Number(row[2])]);
			expect(first).toBeLessThanOrEqual(finished);
		}
	});

	it('shows the failing provider with its error class and exits 1; --json is the documented shape', async () => {
		const ok = await mock();
		const bad = await mock();
		bad.setDefault(mockErrors.insufficientQuota());
		await providerWithKey(t.ctx, ok, 'works', {alias: 'duo'});
		await providerWithKey(t.ctx, bad, 'broke', {alias: 'duo'});

		const text = await compare(['duo']);
		expect(text.code).toBe(1);
		expect(text.stdout).toMatch(/^\[1\] broke\/mock-small failed: quota — /m);
		expect(text.stdout).toMatch(/^broke\s+mock-small\s+quota\s+/m);
		expect(text.stdout).toMatch(/^works\s+mock-small\s+ok\s+/m);

		const json = await compare(['duo', '--json']);
		expect(json.code).toBe(1);
		expect(json.stderr).toContain('[1] broke/mock-small failed: quota');
		const report = JSON.parse(json.stdout) as Record<string, unknown> & {results: Record<string, unknown>[]};
		expect(Object.keys(report)).toEqual(['version', 'runId', 'alias', 'prompt', 'status', 'wallMs', 'drift', 'results']);
		expect(report).toMatchObject({version: 1, alias: 'duo', prompt: null, status: 'finished', drift: []});
		expect(Object.keys(report.results[0]!)).toEqual(['index', 'provider', 'providerId', 'model', 'outcome', 'errorClass', 'message', 'hint', 'ttftMs', 'totalMs', 'outputTokens', 'tokensPerSecond', 'excerpt', 'outputTokensEstimated']);
		expect(report.results.map((row) => [row['provider'], row['outcome'], row['errorClass']])).toEqual([
			['broke', 'failed', 'quota'],
			['works', 'ok', null],
		]);
		const [runs] = await t.ctx.db.sql<{n: number}[]>`select count(*)::int as n from comparison_runs where status = 'finished'`;
		expect(runs!.n).toBe(2);
	});

	it('exits 2 on usage mistakes (no alias, a malformed one), 1 for an alias nobody serves', async () => {
		const missing = await compare([]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('compare: missing alias');
		const badAlias = await compare(['Not An Alias!']);
		expect(badAlias.code).toBe(2);
		expect(badAlias.stderr).toContain('compare: alias: Alias may use only');
		const unknown = await compare(['ghost']);
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toBe('eval752: No alias named ghost — eval752 aliases list shows the aliases\n');
	});

	it('marks counted (not reported) tokens with ~ in the table and says so in --json', async () => {
		const quiet = await mock();
		quiet.setDefault({kind: 'stream', tokens: ['po', 'ng'], chunkDelayMs: 20, usage: false});
		await providerWithKey(t.ctx, quiet, 'quiet-co', {alias: 'hush'});
		const result = await compare(['hush']);
		expect(result).toMatchObject({code: 0, stderr: ''});
		// 'po' + 'ng': four characters, about one token.
		expect(result.stdout.split('\n').find((line) => line.startsWith('quiet-co'))).toMatch(/^quiet-co\s+mock-small\s+ok\s+\d+ ms\s+\d+ ms\s+~1\s+~[\d.]+\s/);
		const json = JSON.parse((await compare(['hush', '--json'])).stdout) as {results: {outputTokens: number; outputTokensEstimated: boolean}[]};
		expect(json.results[0]).toMatchObject({outputTokens: 1, outputTokensEstimated: true});
	});

	it('draws bars in eighths of a cell', () => {
		expect(latencyBar(100, 100, 4)).toBe('████');
		expect(latencyBar(50, 100, 4)).toBe('██');
		expect(latencyBar(1, 100, 4)).toBe('▏');
		expect(latencyBar(45, 100, 4)).toBe('█▊');
		expect(latencyBar(null, 100)).toBe('');
	});
});

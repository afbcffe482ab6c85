import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKey} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider} from '../source/services/providers.js';
import {testContext, type TestContext} from './support/context.js';
import {databaseKind} from './support/db.js';
import {startMockProvider, type MockProvider} from './support/mock-provider.js';
import {openTerminal, type Terminal} from './support/tmux.js';

/**
 * `eval752 watch` as it runs for real: the built binary, a terminal, signals, and — on a shared
 * server — two watchers at once that must never probe one provider twice in an interval,
 * counted by the mock each provider points at.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// A build of this checkout of its own (the end-to-end test rebuilds dist/ while this one runs),
// laid out like the package: dist/ beside sql/.
const buildRoot = path.join(root, 'node_modules', `.watch-build-${randomBytes(4).toString('hex')}`);
const buildDir = path.join(buildRoot, 'dist');
const cli = path.join(buildDir, 'cli.js');

let tc: TestContext;
const mocks: MockProvider[] = [];
let term: Terminal | undefined;
const children: ChildProcess[] = [];

/** Where the binary finds this test's database: the server's URL, or the embedded data directory. */
function databaseEnv(): Record<string, string> {
	return tc.t.url ? {DATABASE_URL: tc.t.url} : {EVAL752_DATA_DIR: tc.t.paths!.dataDir};
}

beforeAll(async () => {
	execFileSync(process.execPath, [path.join(root, 'source', 'build.mjs')], {cwd: root, env: {...process.env, EVAL752_BUILD_DIR: buildDir}});
	fs.symlinkSync(path.join(root, 'sql'), path.join(buildRoot, 'sql'));
	tc = await testContext();
	const kinds = ['models', 'chat', 'stream'] as const;
	for (const [index, kind] of kinds.entries()) {
		const mock = await startMockProvider({models: ['watch-model']});
		mock.setDefault({kind: 'stream', text: 'pong'});
		mocks.push(mock);
		const name = `watched-${kind}`;
		await createProvider(tc.ctx, {name, type: 'openai', baseUrl: mock.baseUrl, probeKind: kind});
		await addKey(tc.ctx, name, {secret: `sk-watch-${index}-${randomBytes(12).toString('hex')}`});
		await addModel(tc.ctx, name, {modelName: 'watch-model'});
	}
	// The binary opens the database itself: an embedded directory takes one process at a time.
	if (!tc.t.url) await tc.t.close();
}, 120_000);

afterAll(async () => {
	term?.kill();
	for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
	await Promise.all(mocks.map((mock) => mock.close()));
	if (tc.t.url) await tc.t.drop();
	else fs.rmSync(tc.t.paths!.dataDir, {recursive: true, force: true});
	fs.rmSync(buildRoot, {recursive: true, force: true});
});

function requestsOf(mock: MockProvider) {
	return mock.requests.filter((request) => request.path.startsWith('/v1/'));
}

describe(`eval752 watch (${databaseKind})`, () => {
	it('redraws one compact table in place on a terminal, and stops cleanly on Ctrl+C', async () => {
		term = openTerminal(`${process.execPath} ${cli} watch --every 1s; echo "EXITED $?"; sleep 120`, {
			env: {...databaseEnv(), ENCRYPTION_KEY: tc.keyHex, EVAL752_ACTOR: 'watch@term', EVAL752_LOG_FILE: path.join(buildRoot, 'term.log'), TERM: 'xterm-256color'},
		});
		const third = await term.waitFor(/round 3 at|EXITED/, 60_000);
		expect(third).not.toContain('EXITED');
		// Drawn in place: one header and one row per provider, however many rounds went by.
		expect(third.match(/^PROVIDER\s+HEALTH\s+OK\/MODELS\s+LAST PROBE\s+AGE\s+LATENCY\s+TREND$/gm)).toHaveLength(1);
		expect(third.match(/^watched-models\s/gm)).toHaveLength(1);
		expect(third).toMatch(/^eval752 watch · every 1s · round 3 at \d\d:\d\d:\d\d · next \d\d:\d\d:\d\d · Ctrl\+C stops$/m);
		expect(third).toMatch(/^watched-models\s+healthy\s+1\/1\s+ok · models\s+\d+s\s+\d+ ms\s+[▁▂▃▄▅▆▇█]{2,}$/m);
		expect(third).toMatch(/^watched-chat\s+healthy\s+1\/1\s+ok · chat\s+/m);
		expect(third).toMatch(/^3 healthy · 0 degraded · 0 failing · 0 unknown · probed 3$/m);
		for (const line of third.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

		await term.send(['C-c']);
		const stopped = await term.waitFor('EXITED', 20_000);
		expect(stopped).toContain('eval752: stopping watch');
		expect(stopped).toContain('EXITED 0');
	}, 90_000);

	it.runIf(databaseKind === 'server')('two watch processes on one server, 1 s interval for 10 s: no provider is probed twice in an interval', async () => {
		const before = mocks.map((mock) => requestsOf(mock).length);
		const started = Date.now();
		const lines: string[][] = [[], []];
		const exits = ['watcher-a', 'watcher-b'].map((actor, index) => {
			const child = spawn(process.execPath, [cli, 'watch', '--every', '1s', '--json'], {
				env: {...process.env, ...databaseEnv(), ENCRYPTION_KEY: tc.keyHex, EVAL752_ACTOR: actor, EVAL752_LOG_FILE: path.join(buildRoot, `${actor}.log`)},
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			children.push(child);
			let buffered = '';
			child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
				buffered += chunk;
				const parts = buffered.split('\n');
				buffered = parts.pop()!;
				lines[index]!.push(...parts);
			});
			return new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
		});
		await new Promise((resolve) => setTimeout(resolve, 10_000));
		for (const child of children.slice(-2)) child.kill('SIGTERM');
		expect(await Promise.all(exits)).toEqual([0, 0]);
		const stopped = Date.now();

		// Rounds are one JSON object per line.
		for (const output of lines) {
			expect(output.length).toBeGreaterThan(3);
			for (const line of output) expect(JSON.parse(line)).toMatchObject({round: expect.any(Number), probes: expect.any(Array)});
		}
		const windows = Math.floor(stopped / 1000) - Math.floor(started / 1000) + 1;
		for (const [index, mock] of mocks.entries()) {
			const arrivals = requestsOf(mock)
				.slice(before[index])
				.map((request) => request.receivedAt)
				.sort((a, b) => a - b);
			// At most one probe per one-second window of the run (exact: the server and this test share
			// a clock). And never two together: uncoordinated watchers wake at the same boundary and
			// probe milliseconds apart; coordinated claims are 0.9 s apart, and only a loaded machine's
			// delay between a claim and its request brings the requests closer.
			expect(arrivals.length, `provider ${index}`).toBeGreaterThanOrEqual(3);
			expect(arrivals.length, `provider ${index}`).toBeLessThanOrEqual(windows);
			for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!, `provider ${index}, probes ${i - 1} and ${i}`).toBeGreaterThanOrEqual(100);
		}
		// The work is shared: both watchers probed.
		const actors = await tc.ctx.db.sql<{actor: string}[]>`select distinct actor from smoke_runs where actor in ('watcher-a', 'watcher-b') order by actor`;
		expect(actors.map((row) => row.actor)).toEqual(['watcher-a', 'watcher-b']);
	}, 60_000);
});

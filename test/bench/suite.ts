// `npm run bench`: the figures of issue 16, each measured against its floor in one run, printed
// as "figure, ours, floor, ratio, target, met?" and as a markdown table (also written to
// test/bench/results.md for the README). Bundled by test/bench/run.mjs with esbuild; asserts
// nothing (timings never belong in `npm test`).
//
// Floors it builds itself: a trivial full-screen Ink 6 app bundled the same way as the product
// (test/bench/trivial.tsx), a bare `openai` SDK streaming loop (bare-stream.mjs), `node -e 0`, a
// bare PGlite open + query (bare-pglite.mjs). It seeds 10 / 200 / 2,000 providers (ten models
// each) on the embedded database and, when TEST_DATABASE_URL is set, on that server, and drives
// the built dashboard (dist/cli.js) in a pseudo-terminal (@lydell/node-pty).
//
// Environment: BENCH_RUNS (pseudo-terminal runs per figure, default 5), BENCH_MOVES (selection
// moves per run, default 30), BENCH_TOKENS (smoke stream length, default 10000), BENCH_CHUNK_MS
// (delay between tokens, default 1), BENCH_SIZES (default 10,200,2000), BENCH_LIST_RUNS (default 7),
// BENCH_STREAM_RUNS (streaming runs, default 3, at most BENCH_RUNS), BENCH_PART (default: every
// figure; `stream`: only the streaming figures, e.g. with BENCH_SIZES=10 while working on them),
// BENCH_WRITE=0 (print the table, leave results.md alone).
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pty from '@lydell/node-pty';
import postgres from 'postgres';
import {loadConfig} from '../../source/config/env.js';
import {openDatabase} from '../../source/db/connect.js';
import type {Database} from '../../source/db/types.js';
import {providerWindow} from '../../source/services/providers.js';
import {listModels} from '../../source/services/models.js';
import {windowSize} from '../../source/ui/hooks/use-list-window.js';
import {startMockProvider} from '../support/mock-provider.js';

const root = process.env['BENCH_ROOT'] ?? process.cwd();
const cli = path.join(root, 'dist', 'cli.js');
const benchDir = path.join(root, 'test', 'bench');
const probe = path.join(benchDir, 'rss-probe.mjs');
const KEY = 'a'.repeat(64);
const SMOKE_KEY = 'sk-fake-bench-smoke-0123456789abcdefABCDEF';
const runs = Number(process.env['BENCH_RUNS'] ?? 5);
const moves = Number(process.env['BENCH_MOVES'] ?? 30);
const tokenCount = Number(process.env['BENCH_TOKENS'] ?? 10_000);
const chunkMs = Number(process.env['BENCH_CHUNK_MS'] ?? 1);
const sizes = (process.env['BENCH_SIZES'] ?? '10,200,2000').split(',').map(Number);
const listRuns = Number(process.env['BENCH_LIST_RUNS'] ?? 7);
/** `stream`: only the streaming figures; anything else (the default): every figure. */
const onlyStream = process.env['BENCH_PART'] === 'stream';
/** Extra node arguments for the dashboard (e.g. BENCH_DASH_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it). */
const dashArgs = (process.env['BENCH_DASH_ARGS'] ?? '').split(' ').filter(Boolean);
const COLS = 80;
const ROWS = 24;
/** Provider rows the board shows at 80×24 (test/ui/long-board.test.tsx checks it): its window is sized from them. */
const BOARD_ROWS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const strip = (text: string) => text.replace(/\u001B\[[0-?]*[ -/]*[@-~]|\u001B[()][0-9A-Za-z]|\u001B[=>78]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/g, '');

// ───────────────────────── modes run in a child process ─────────────────────────

/** `seed-create`: a new, migrated database at DATABASE_URL (dropped first if it exists). */
async function seedCreate(): Promise<void> {
	const url = new URL(process.env['DATABASE_URL']!);
	const name = url.pathname.slice(1);
	const admin = postgres(process.env['BENCH_ADMIN_URL']!, {max: 1, onnotice: () => undefined});
	await admin.unsafe(`drop database if exists "${name}" with (force)`);
	await admin.unsafe(`create database "${name}"`);
	await admin.end();
	const db = await openDatabase(loadConfig({...process.env, ENCRYPTION_KEY: KEY}, root), {migrations: 'apply'});
	await db.close();
}

/** `seed-bulk SIZE`: SIZE - 1 more providers with ten models each, by SQL (the configured database). */
async function seedBulk(size: number): Promise<void> {
	const db = await openDatabase(loadConfig({...process.env, ENCRYPTION_KEY: KEY}, root), {migrations: 'apply'});
	try {
		const sql = db.sql;
		await sql`insert into providers (name, type, base_url, capabilities)
			select 'bench-' || lpad(i::text, 4, '0'), 'openai-compatible', 'http://127.0.0.1:9/v1', '{streaming}'
			from generate_series(1, ${size - 1}::int) as i`;
		await sql`insert into models (provider_id, model_name, display_label, alias)
			select p.id, 'model-' || lpad(j::text, 2, '0'), 'Model ' || j, 'bench-' || j
			from providers p, generate_series(1, 10) as j where p.name like 'bench-%'`;
		await sql`analyze`;
	} finally {
		await db.close();
	}
}

/** `list-load DIR_OR_URL…`: the provider and model lists (what the panes load) per database, in this one process. */
async function listLoad(targets: string[]): Promise<void> {
	const result: Record<string, {providers: number; models: number; ms: number}> = {};
	// Alternate between the databases so JIT warm-up favours none.
	const opened: {target: string; db: Database}[] = [];
	for (const target of targets) {
		const env = target.startsWith('postgres') ? {...process.env, DATABASE_URL: target, ENCRYPTION_KEY: KEY} : {...process.env, DATABASE_URL: '', EVAL752_DATA_DIR: target, ENCRYPTION_KEY: KEY};
		opened.push({target, db: await openDatabase(loadConfig(env, root), {migrations: 'apply'})});
	}
	const samples = new Map<string, number[]>();
	let counts = new Map<string, {providers: number; models: number}>();
	for (let i = 0; i < listRuns + 1; i++) {
		for (const {target, db} of opened) {
			const ctx = {db, actor: 'bench@test', keys: undefined, readOnly: true} as never;
			const started = performance.now();
			// What the board loads: its window of providers (the rows on screen and some to either side,
			// the size the providers pane asks for) with the counts, then the selected provider's models.
			const window = await providerWindow(ctx, {filter: '', id: null, index: 0, size: windowSize(BOARD_ROWS)});
			await listModels(ctx, window.rows[0]!.id);
			const ms = performance.now() - started;
			const [models] = await db.sql`select count(*)::int as n from models`;
			counts.set(target, {providers: window.total, models: models!['n'] as number});
			if (i > 0) samples.set(target, [...(samples.get(target) ?? []), ms]); // the first is warm-up
		}
	}
	for (const {target, db} of opened) {
		result[target] = {...counts.get(target)!, ms: median(samples.get(target)!)};
		await db.close();
	}
	counts = new Map();
	process.stdout.write(JSON.stringify(result));
}

// ───────────────────────── the pseudo-terminal driver ─────────────────────────

class Term {
	readonly proc: pty.IPty;
	readonly spawnedAt = performance.now();
	raw = '';
	bytes = 0;
	frames = 0;
	lastDataAt = performance.now();
	exited: Promise<number>;
	private waiters: {test: () => boolean; resolve: (at: number) => void}[] = [];

	constructor(args: string[], env: NodeJS.ProcessEnv) {
		this.proc = pty.spawn(process.execPath, args, {cols: COLS, rows: ROWS, env: env as Record<string, string>, cwd: root, name: 'xterm-256color'});
		this.proc.onData((data) => {
			const at = performance.now();
			this.lastDataAt = at;
			this.raw += data;
			this.bytes += Buffer.byteLength(data);
			this.frames += data.split('\u001B[?2026h').length - 1;
			if (this.raw.length > 4_000_000) this.raw = this.raw.slice(-200_000);
			for (const w of [...this.waiters]) {
				if (w.test()) {
					this.waiters.splice(this.waiters.indexOf(w), 1);
					w.resolve(at);
				}
			}
		});
		this.exited = new Promise((resolve) => this.proc.onExit(({exitCode}) => resolve(exitCode)));
	}

	mark(): number {
		return this.raw.length;
	}

	text(from = 0): string {
		return strip(this.raw.slice(Math.max(from, this.raw.length - 60_000)));
	}

	/** Resolves with the moment the screen output since `from` first matched. */
	waitFor(pattern: RegExp, from = 0, timeoutMs = 120_000): Promise<number> {
		const test = () => pattern.test(this.text(from));
		if (test()) return Promise.resolve(performance.now());
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; screen: ${JSON.stringify(this.text(from).slice(-600))}`)), timeoutMs);
			this.waiters.push({test, resolve: (at) => (clearTimeout(timer), resolve(at))});
		});
	}

	/** Resolves with the moment of the next output. */
	nextOutput(timeoutMs = 10_000): Promise<number> {
		const start = this.raw.length;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('no output after a key')), timeoutMs);
			this.waiters.push({test: () => this.raw.length > start, resolve: (at) => (clearTimeout(timer), resolve(at))});
		});
	}

	async quiet(ms = 150, limitMs = 5_000): Promise<void> {
		const until = performance.now() + limitMs;
		while (performance.now() - this.lastDataAt < ms && performance.now() < until) await sleep(20);
	}

	cpuMs(): number {
		// utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat).
		const fields = fs.readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
	}

	async quit(key = 'q'): Promise<number> {
		this.proc.write(key);
		const code = await Promise.race([this.exited, sleep(15_000).then(() => -1)]);
		if (code === -1) this.proc.kill();
		return code;
	}
}

function ptyEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {...process.env, TERM: 'xterm-256color', ENCRYPTION_KEY: KEY, EVAL752_ACTOR: 'bench@test', NODE_ENV: 'production', ...extra};
	// Ink draws synchronized frames (and every frame) only outside CI; the bench counts frames by them.
	for (const name of ['CI', 'CONTINUOUS_INTEGRATION', 'BUILD_NUMBER', 'RUN_ID', 'GITHUB_ACTIONS']) delete env[name];
	return env;
}

/** Five down, five up: every key moves the selection, however short the list (ten providers). */
const moveKey = (i: number) => (Math.floor(i / 5) % 2 === 0 ? 'j' : 'k');

const rssKb = (file: string) => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : NaN);

// ───────────────────────── the orchestrator ─────────────────────────

interface Row {
	readonly figure: string;
	readonly ours: string;
	readonly floor: string;
	readonly ratio: string;
	readonly target: string;
	readonly met: string;
}

const rows: Row[] = [];
function report(figure: string, ours: number, floor: number, unit: string, target: {kind: 'ratio' | 'percent' | 'absolute' | 'report'; limit?: number}, note = '') {
	const fmt = (v: number) => (Number.isNaN(v) ? '—' : unit === 'B' ? `${v.toFixed(0)} B` : unit === 'MB' ? `${v.toFixed(0)} MB` : `${v.toFixed(v < 10 ? 1 : 0)} ${unit}`);
	let ratio = '—';
	let met = '—';
	let targetText = 'report';
	if (target.kind === 'ratio') {
		const r = ours / floor;
		ratio = `×${r.toFixed(2)}`;
		targetText = `≤ ×${target.limit}`;
		met = r <= target.limit! ? 'yes' : 'no';
	} else if (target.kind === 'percent') {
		const r = (ours / floor - 1) * 100;
		ratio = `${r >= 0 ? '+' : ''}${r.toFixed(1)} %`;
		targetText = `≤ +${target.limit} %`;
		met = r <= target.limit! ? 'yes' : 'no';
	} else if (target.kind === 'absolute') {
		ratio = Number.isNaN(floor) ? '—' : `×${(ours / floor).toFixed(2)}`;
		targetText = `≤ ${fmt(target.limit!)}`;
		met = ours <= target.limit! ? 'yes' : 'no';
	} else if (!Number.isNaN(floor)) ratio = `×${(ours / floor).toFixed(2)}`;
	const row: Row = {figure: figure + (note ? ` (${note})` : ''), ours: fmt(ours), floor: Number.isNaN(floor) ? '—' : fmt(floor), ratio, target: targetText, met};
	rows.push(row);
	console.log(`${row.figure}, ${row.ours}, ${row.floor}, ${row.ratio}, ${row.target}, ${row.met}`);
}

async function child(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
	const result = spawnSync(process.execPath, [process.argv[1]!, ...args], {env: {...process.env, ...env}, encoding: 'utf8', cwd: root, maxBuffer: 64 * 1024 * 1024});
	if (result.status !== 0) throw new Error(`bench ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
	return result.stdout;
}

/** Wall time of one run; `status` answers with exit codes 0–4 (health), anything else is a failure. */
function timeSpawn(args: string[], env: NodeJS.ProcessEnv, okCodes: readonly number[] = [0]): number {
	const started = performance.now();
	const result = spawnSync(process.execPath, args, {env, encoding: 'utf8', cwd: root});
	const ms = performance.now() - started;
	if (!okCodes.includes(result.status ?? -1)) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
	return ms;
}

async function orchestrate(): Promise<void> {
	if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'source', 'build.mjs')], {stdio: 'inherit'});
	const trivial = process.env['BENCH_TRIVIAL']!;
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-bench-'));
	const mock = await startMockProvider({models: ['a-smoke-model']});
	const tokens = Array.from({length: tokenCount}, (_, i) => `t${i} `);
	mock.setDefault({kind: 'stream', tokens, chunkDelayMs: chunkMs, usage: true});
	const server = process.env['TEST_DATABASE_URL'];
	const started = Date.now();
	console.log(`eval752 bench: Node ${process.version}, ${os.cpus().length} cores, ${COLS}×${ROWS} pseudo-terminal, ${runs} runs a figure (BENCH_RUNS), sizes ${sizes.join('/')}, ${tokenCount}-token stream every ${chunkMs} ms`);
	console.log('figure, ours, floor, ratio, target, met?');

	try {
		// Seed every database first.
		const embedded = new Map<number, string>();
		const servers = new Map<number, string>();
		const seed = async (size: number, target: NodeJS.ProcessEnv) => {
			if (target['DATABASE_URL']) await child(['seed-create'], {...target, BENCH_ADMIN_URL: server});
			const env = {...process.env, ENCRYPTION_KEY: KEY, EVAL752_ACTOR: 'bench@test', ...target};
			const cliRun = (args: string[], input?: string) => execFileSync(process.execPath, [cli, ...args], {env, input, stdio: ['pipe', 'pipe', 'pipe']});
			cliRun(['providers', 'add', '--name', '000-smoke', '--type', 'openai-compatible', '--base-url', mock.baseUrl, '--capabilities', 'streaming']);
			cliRun(['keys', 'add', '000-smoke', '--label', 'bench', '--from-stdin'], `${SMOKE_KEY}\n`);
			cliRun(['models', 'add', '000-smoke', '--model', 'a-smoke-model', '--alias', 'bench-smoke']);
			await child(['seed-bulk', String(size)], target);
		};
		for (const size of onlyStream ? [Math.min(...sizes)] : sizes) {
			const dir = path.join(work, `embedded-${size}`);
			await seed(size, {EVAL752_DATA_DIR: dir, DATABASE_URL: ''});
			embedded.set(size, dir);
			if (server) {
				const url = new URL(server);
				url.pathname = `/eval752_bench_${size}`;
				await seed(size, {DATABASE_URL: url.toString()});
				servers.set(size, url.toString());
			}
		}
		const largest = Math.max(...sizes);
		const smallest = Math.min(...sizes);

		// node -e 0 against status --json.
		const nodeEnv = {...process.env, ENCRYPTION_KEY: KEY, EVAL752_ACTOR: 'bench@test'};
		const statusRuns = Math.max(3, runs);
		const floorNode: number[] = [];
		const statusServer: number[] = [];
		const statusEmbedded: number[] = [];
		const statusCodes = [0, 1, 3, 4];
		const mid = sizes.includes(200) ? 200 : smallest;
		for (let i = 0; i < (onlyStream ? 0 : statusRuns); i++) {
			floorNode.push(timeSpawn(['-e', '0'], nodeEnv));
			if (server) statusServer.push(timeSpawn([cli, 'status', '--json'], {...nodeEnv, DATABASE_URL: servers.get(mid)}, statusCodes));
			statusEmbedded.push(timeSpawn([cli, 'status', '--json'], {...nodeEnv, DATABASE_URL: '', EVAL752_DATA_DIR: embedded.get(mid)}, statusCodes));
		}
		if (server && !onlyStream) report(`status --json, real PostgreSQL, ${mid} providers vs node -e 0`, median(statusServer), median(floorNode), 'ms', {kind: 'ratio', limit: 2.0});
		if (!onlyStream) report(`status --json, embedded, ${mid} providers vs node -e 0`, median(statusEmbedded), median(floorNode), 'ms', {kind: 'report'});

		// The trivial app: first frame and selection moves (alternated with the dashboard below).
		let trivialFirst: number[] = [];
		const trivialMoves: number[] = [];
		const runTrivial = async (doMoves: boolean) => {
			const t = new Term([trivial], ptyEnv({}));
			trivialFirst.push((await t.waitFor(/Trivial bench app/)) - t.spawnedAt);
			await t.quiet();
			for (let i = 0; i < (doMoves ? moves : 0); i++) {
				const at = performance.now();
				t.proc.write(moveKey(i));
				trivialMoves.push((await t.nextOutput()) - at);
				await t.quiet(60);
			}
			await t.quit();
		};

		// The dashboard: first frame, first frame with data, selection moves, peak RSS.
		type DashRun = {first: number; data: number; moves: number[]; rssKb: number};
		const dash = async (env: NodeJS.ProcessEnv, doMoves: boolean): Promise<DashRun> => {
			const rssFile = path.join(work, `rss-${Math.random().toString(36).slice(2)}`);
			const t = new Term([...dashArgs, '--import', probe, cli], ptyEnv({...env, BENCH_RSS_FILE: rssFile}));
			const first = (await t.waitFor(/\[1\] Providers|Opening the database/)) - t.spawnedAt;
			const data = (await t.waitFor(/bench-0001/)) - t.spawnedAt;
			const latencies: number[] = [];
			if (doMoves) {
				await t.quiet(300);
				for (let i = 0; i < moves; i++) {
					const at = performance.now();
					t.proc.write(moveKey(i));
					latencies.push((await t.nextOutput()) - at);
					await t.quiet(60);
				}
			}
			const code = await t.quit();
			if (code !== 0) throw new Error(`the dashboard exited ${code}: ${t.text().slice(-400)}`);
			return {first, data, moves: latencies, rssKb: rssKb(rssFile)};
		};

		// The bare PGlite open + query at each size.
		const barePglite = (size: number) => {
			const rssFile = path.join(work, `rss-bare-${size}-${Math.random().toString(36).slice(2)}`);
			const ms = timeSpawn(['--import', probe, path.join(benchDir, 'bare-pglite.mjs'), path.join(embedded.get(size)!, 'pgdata')], {...process.env, BENCH_RSS_FILE: rssFile});
			return {ms, rssKb: rssKb(rssFile)};
		};

		for (const size of onlyStream ? [] : sizes) {
			const embeddedRuns: DashRun[] = [];
			const serverRuns: DashRun[] = [];
			const bare: {ms: number; rssKb: number}[] = [];
			// The floor is measured beside each size's runs (alternated), not once for all.
			trivialFirst = [];
			for (let i = 0; i < runs; i++) {
				await runTrivial(size === smallest);
				bare.push(barePglite(size));
				embeddedRuns.push(await dash({DATABASE_URL: '', EVAL752_DATA_DIR: embedded.get(size)}, size === smallest || size === largest));
				if (server) serverRuns.push(await dash({DATABASE_URL: servers.get(size)}, size === smallest));
			}
			const trivialMs = median(trivialFirst);
			report(`embedded, ${size} providers: first frame vs the trivial Ink app's`, median(embeddedRuns.map((r) => r.first)), trivialMs, 'ms', {kind: 'ratio', limit: 1.5});
			report(`embedded, ${size} providers: first frame with data vs a bare PGlite open + query`, median(embeddedRuns.map((r) => r.data)), median(bare.map((b) => b.ms)), 'ms', {kind: 'ratio', limit: 1.15});
			if (server) report(`real PostgreSQL, ${size} providers: first frame with data vs the trivial Ink app's first frame`, median(serverRuns.map((r) => r.data)), trivialMs, 'ms', {kind: 'ratio', limit: 1.5});
			if (size === smallest) {
				report(`selection move p95, embedded, ${size} providers vs the trivial app's`, p95(embeddedRuns.flatMap((r) => r.moves)), p95(trivialMoves), 'ms', {kind: 'ratio', limit: 1.3});
				if (server) report(`selection move p95, real PostgreSQL, ${size} providers vs the trivial app's`, p95(serverRuns.flatMap((r) => r.moves)), p95(trivialMoves), 'ms', {kind: 'ratio', limit: 1.3});
			}
			if (size === largest) {
				report(`selection move p95, embedded, ${size} providers vs the trivial app's`, p95(embeddedRuns.flatMap((r) => r.moves)), p95(trivialMoves), 'ms', {kind: 'ratio', limit: 1.3});
				report(`peak RSS, embedded dashboard at ${size} providers vs PGlite alone (open + query)`, median(embeddedRuns.map((r) => r.rssKb)) / 1024, median(bare.map((b) => b.rssKb)) / 1024, 'MB', {kind: 'ratio', limit: 1.1});
			}
		}

		// List load: the lists the panes load, largest vs smallest database, in one process.
		if (smallest !== largest && !onlyStream) {
			const listTargets = [embedded.get(smallest)!, embedded.get(largest)!];
			const lists = JSON.parse(await child(['list-load', ...listTargets], {})) as Record<string, {providers: number; models: number; ms: number}>;
			const [small, big] = listTargets.map((t) => lists[t]!);
			report(`list load, embedded: ${big!.providers} providers / ${big!.models} models vs ${small!.providers} providers (same process)`, big!.ms, small!.ms, 'ms', {kind: 'ratio', limit: 1.3});
			if (server) {
				const serverTargets = [servers.get(smallest)!, servers.get(largest)!];
				const serverLists = JSON.parse(await child(['list-load', ...serverTargets], {})) as Record<string, {providers: number; models: number; ms: number}>;
				const [s, b] = serverTargets.map((t) => serverLists[t]!);
				report(`list load, real PostgreSQL: ${b!.providers} providers / ${b!.models} models vs ${s!.providers} providers (same process)`, b!.ms, s!.ms, 'ms', {kind: 'ratio', limit: 1.3});
			}
		}

		// Streaming: the dashboard's smoke test against the bare SDK loop, on the same mock server.
		const bareStream: {cpuMs: number; wallMs: number}[] = [];
		const dashStream: {cpuMs: number; wallMs: number; reportedMs: number; bytesPerFrame: number; frames: number}[] = [];
		const streamDb = server ? {DATABASE_URL: servers.get(smallest)} : {DATABASE_URL: '', EVAL752_DATA_DIR: embedded.get(smallest)};
		for (let i = 0; i < Math.max(1, Math.min(runs, Number(process.env['BENCH_STREAM_RUNS'] ?? 3))); i++) {
			const resultFile = path.join(work, `bare-stream-${i}.json`);
			const b = new Term([path.join(benchDir, 'bare-stream.mjs'), mock.baseUrl, 'a-smoke-model', resultFile], ptyEnv({}));
			await b.exited;
			bareStream.push(JSON.parse(fs.readFileSync(resultFile, 'utf8')) as {cpuMs: number; wallMs: number});

			const t = new Term([...dashArgs, '--import', probe, cli], ptyEnv(streamDb));
			await t.waitFor(/bench-0001/);
			await t.quiet(300);
			t.proc.write('\t');
			await sleep(150);
			t.proc.write('\t');
			await t.waitFor(/a-smoke-model/);
			await t.quiet(300);
			const from = t.mark();
			const bytes0 = t.bytes;
			const frames0 = t.frames;
			const cpu0 = t.cpuMs();
			const at = performance.now();
			t.proc.write('s');
			const done = await t.waitFor(/✓ ok · ttft \d+ ms · total \d+ ms/, from, 300_000);
			const cpu = t.cpuMs() - cpu0;
			const reported = Number(/✓ ok · ttft \d+ ms · total (\d+) ms/.exec(t.text(from))![1]);
			dashStream.push({cpuMs: cpu, wallMs: done - at, reportedMs: reported, bytesPerFrame: (t.bytes - bytes0) / Math.max(1, t.frames - frames0), frames: t.frames - frames0});
			await t.quiet(300);
			await t.quit();
		}
		const bareCpu = median(bareStream.map((s) => s.cpuMs));
		const bareWall = median(bareStream.map((s) => s.wallMs));
		const where = server ? 'real PostgreSQL' : 'embedded';
		report(`streaming ${tokenCount} tokens (${where}): CPU vs a bare openai SDK loop writing each delta`, median(dashStream.map((s) => s.cpuMs)), bareCpu, 'ms', {kind: 'ratio', limit: 1.3});
		report(`streaming ${tokenCount} tokens: wall (key to result on screen) vs the bare loop`, median(dashStream.map((s) => s.wallMs)), bareWall, 'ms', {kind: 'ratio', limit: 1.03});
		report(`streaming: dashboard-reported stream time vs the bare loop's`, median(dashStream.map((s) => s.reportedMs)), bareWall, 'ms', {kind: 'percent', limit: 2});
		report(`streaming: bytes written per frame (${median(dashStream.map((s) => s.frames))} frames; target 20 % of 3.5 KB)`, median(dashStream.map((s) => s.bytesPerFrame)), NaN, 'B', {kind: 'absolute', limit: 717});

		// Backup and restore of the largest database: peak RSS. The restore's own cost is measured into
		// an initialized, empty embedded database; into a new directory PGlite's initdb comes first.
		const backupRss = (size: number) => {
			const file = path.join(work, `bench-${size}.backup`);
			const rss = path.join(work, `rss-backup-${size}`);
			timeSpawn(['--import', probe, cli, 'backup', file], {...nodeEnv, DATABASE_URL: '', EVAL752_DATA_DIR: embedded.get(size), BENCH_RSS_FILE: rss});
			return {file, rssKb: rssKb(rss)};
		};
		const restoreRss = (file: string, initialized: boolean) => {
			const dir = fs.mkdtempSync(path.join(work, 'restore-'));
			const env = {...nodeEnv, DATABASE_URL: '', EVAL752_DATA_DIR: dir};
			if (initialized) execFileSync(process.execPath, [cli, 'migrate'], {env, stdio: 'pipe'});
			const rss = path.join(work, `rss-restore-${Math.random().toString(36).slice(2)}`);
			const ms = timeSpawn(['--import', probe, cli, 'restore', file], {...env, BENCH_RSS_FILE: rss});
			const kb = rssKb(rss);
			fs.rmSync(dir, {recursive: true, force: true});
			return {ms, rssKb: kb};
		};
		if (!onlyStream) {
			const bigBackup = backupRss(largest);
			const smallBackup = smallest === largest ? bigBackup : backupRss(smallest);
			const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
			const bare = barePglite(largest);
			report(`backup of ${largest} providers (${mb(fs.statSync(bigBackup.file).size)}): peak RSS vs PGlite alone (open + query)`, bigBackup.rssKb / 1024, bare.rssKb / 1024, 'MB', {kind: 'report'});
			const intoInitialized = restoreRss(bigBackup.file, true);
			const smallInitialized = restoreRss(smallBackup.file, true);
			report(`restore of the ${largest}-provider backup into an initialized, empty embedded database: peak RSS (vs the ${smallest}-provider backup's)`, intoInitialized.rssKb / 1024, smallInitialized.rssKb / 1024, 'MB', {kind: 'absolute', limit: 400});
			const intoNew = restoreRss(bigBackup.file, false);
			report(`restore of the ${largest}-provider backup into a new embedded directory (${(intoNew.ms / 1000).toFixed(1)} s): peak RSS of the restore`, intoNew.rssKb / 1024, NaN, 'MB', {kind: 'absolute', limit: 400});
			// The initdb child runs with an empty environment (no NODE_OPTIONS reaches it): what it runs, PGlite's initdb, measured alone.
			const initdbRss = path.join(work, 'rss-initdb');
			const initdbMs = timeSpawn(['--import', probe, path.join(benchDir, 'bare-pglite.mjs'), path.join(fs.mkdtempSync(path.join(work, 'initdb-')), 'pgdata'), '--create'], {...process.env, BENCH_RSS_FILE: initdbRss});
			report(`… its initdb child (a first start's too): PGlite's initdb alone (${(initdbMs / 1000).toFixed(1)} s), peak RSS`, rssKb(initdbRss) / 1024, NaN, 'MB', {kind: 'report'});
		}
	} finally {
		await mock.close();
		fs.rmSync(work, {recursive: true, force: true, maxRetries: 5, retryDelay: 200});
	}

	const table = ['| figure | ours | floor | ratio | target | met? |', '|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.floor} | ${r.ratio} | ${r.target} | ${r.met} |`)].join('\n');
	const header = `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (Node ${process.version}, ${os.cpus().length} cores, ${runs} runs a figure, medians; ${((Date.now() - started) / 1000).toFixed(0)} s).`;
	console.log(`\n${header}\n\n${table}`);
	if (process.env['BENCH_WRITE'] !== '0') fs.writeFileSync(path.join(benchDir, 'results.md'), `${header}\n\n${table}\n`);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'seed-create') await seedCreate();
else if (mode === 'seed-bulk') await seedBulk(Number(rest[0]));
else if (mode === 'list-load') await listLoad(rest);
else await orchestrate();
process.exit(0);

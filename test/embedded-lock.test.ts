import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {DataPaths} from '../source/config/paths.js';
import {removeStaleSocketDirs} from '../source/db/embedded.js';
import {lockHolder} from '../source/db/lock.js';
import {freshEmbeddedDir} from './support/db.js';
import {ensureEmbeddedTemplate} from './secrets-fixtures.js';

/**
 * RELIABILITY case 34 with many processes at once: a crowd of real processes, each calling
 * openEmbedded on one data directory at the same moment, while a stale lock is present (its
 * holder killed with SIGKILL, or a lock naming a pid that is gone, in this version's form and in
 * the plain pid file an earlier eval752 wrote). Exactly one of them opens it each time; every
 * other one is told who holds it. The socket directory the killed holder left in the temp dir is
 * gone after the next start. These run on the embedded database whatever TEST_DATABASE_URL says.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONTENDERS = 8;
let holder: string;
let paths: DataPaths;

beforeAll(async () => {
	await ensureEmbeddedTemplate();
	paths = freshEmbeddedDir();
	// The contender is a small script around openEmbedded, bundled like the CLI (PGlite stays external).
	const out = path.join(root, 'node_modules', '.eval752-test');
	fs.mkdirSync(out, {recursive: true});
	holder = path.join(out, `embedded-holder-${process.pid}.mjs`);
	await build({
		entryPoints: [path.join(root, 'test', 'support', 'embedded-holder.ts')],
		outfile: holder,
		bundle: true,
		format: 'esm',
		platform: 'node',
		target: 'node20',
		logLevel: 'warning',
		external: ['@electric-sql/pglite', '@electric-sql/pglite-socket'],
		banner: {js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
	});
}, 120_000);

afterAll(() => {
	fs.rmSync(holder, {force: true});
	fs.rmSync(paths.dataDir, {recursive: true, force: true});
});

interface Contender {
	readonly child: ChildProcessWithoutNullStreams;
	/** The next line it prints. */
	next(): Promise<string>;
	readonly exited: Promise<number | null>;
}

function contender(): Contender {
	const child = spawn(process.execPath, [holder, paths.dataDir], {env: {PATH: process.env['PATH'], HOME: os.tmpdir()}, stdio: 'pipe'});
	const lines = readline.createInterface({input: child.stdout});
	const queue: string[] = [];
	const waiting: Array<(line: string) => void> = [];
	lines.on('line', (line) => {
		const take = waiting.shift();
		if (take) take(line);
		else queue.push(line);
	});
	// 'close', not 'exit': every line it printed (a `refused …` before exit 1) has been read by then.
	const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	return {
		child,
		exited,
		next: () =>
			queue.length > 0
				? Promise.resolve(queue.shift()!)
				: new Promise((resolve, reject) => {
						waiting.push(resolve);
						void exited.then((code) => reject(new Error(`contender exited (${code}) before answering: ${stderr}`)));
					}),
	};
}

/** Starts `count` contenders, lets them all try at once, and returns who opened it and what the others heard. */
async function crowd(count: number): Promise<{winners: Contender[]; answers: string[]; all: Contender[]}> {
	const all = Array.from({length: count}, contender);
	for (const entry of all) expect(await entry.next()).toBe('ready');
	for (const entry of all) entry.child.stdin.write('go\n');
	const answers = await Promise.all(all.map((entry) => entry.next()));
	const winners = all.filter((_, index) => answers[index]!.startsWith('opened '));
	return {winners, answers, all};
}

function deadPid(): number {
	const dead = spawnSync(process.execPath, ['-e', '0']);
	return dead.pid!;
}

function socketDirsOf(pid: number): string[] {
	return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`eval752-${pid}-`));
}

async function expectExactlyOne(label: string): Promise<Contender> {
	const {winners, answers, all} = await crowd(CONTENDERS);
	expect(winners, `${label}: ${answers.join(' | ')}`).toHaveLength(1);
	const winner = winners[0]!;
	const pid = winner.child.pid!;
	expect(answers.filter((answer) => answer === `opened ${pid}`)).toHaveLength(1);
	for (const answer of answers.filter((line) => !line.startsWith('opened '))) {
		expect(answer).toBe(`refused The embedded database at ${paths.pgdata} is in use by pid ${pid}`);
	}
	// Everyone but the winner has gone; the lock names the winner.
	await Promise.all(all.filter((entry) => entry !== winner).map((entry) => entry.exited));
	expect(lockHolder(paths.lockFile)).toBe(pid);
	return winner;
}

async function closeNormally(winner: Contender): Promise<void> {
	winner.child.stdin.end();
	expect(await winner.exited).toBe(0);
	expect(fs.existsSync(paths.lockFile), 'the lock is released on close').toBe(false);
}

describe('case 34: many processes, one embedded data directory, a stale lock', () => {
	it('case 34: exactly one process opens it, every time; the others are told who holds it; the killed holder’s socket directory is cleaned up', async () => {
		// A holder killed with SIGKILL: its lock and its socket directory stay behind.
		const first = contender();
		expect(await first.next()).toBe('ready');
		first.child.stdin.write('go\n');
		expect(await first.next()).toBe(`opened ${first.child.pid}`);
		const leftovers = socketDirsOf(first.child.pid!);
		expect(leftovers).toHaveLength(1);
		first.child.kill('SIGKILL');
		await first.exited;
		expect(fs.existsSync(paths.lockFile)).toBe(true);

		const afterKill = await expectExactlyOne('a holder killed with SIGKILL');
		expect(fs.existsSync(path.join(os.tmpdir(), leftovers[0]!)), 'the dead holder’s socket directory').toBe(false);
		await closeNormally(afterKill);

		// The race is narrow: it takes a few rounds to give a broken takeover the chance to show.
		for (let round = 1; round <= 2; round++) {
			// A lock in this version's form naming a pid that is gone.
			const gone = deadPid();
			fs.mkdirSync(paths.lockFile, {mode: 0o700});
			fs.writeFileSync(path.join(paths.lockFile, `owner-${gone}-0123456789abcdef`), `${gone}\n${os.hostname()}\n`, {mode: 0o600});
			await closeNormally(await expectExactlyOne(`a stale lock directory, round ${round}`));

			// The plain pid file an earlier eval752 left.
			fs.writeFileSync(paths.lockFile, `${deadPid()}\n`, {mode: 0o600});
			await closeNormally(await expectExactlyOne(`a stale lock file of an earlier version, round ${round}`));
		}

		// And with no stale lock at all.
		await closeNormally(await expectExactlyOne('no lock'));
	}, 240_000);

	it('removes a socket directory only when its owner is gone and it holds nothing but the socket', async () => {
		const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-sockets-'));
		try {
			const dead = deadPid();
			const make = (name: string, files: string[]) => {
				fs.mkdirSync(path.join(tmp, name));
				for (const file of files) fs.writeFileSync(path.join(tmp, name, file), '');
			};
			make(`eval752-${dead}-abcDEF`, ['.s.PGSQL.5432']);
			make(`eval752-${process.pid}-abcDEF`, ['.s.PGSQL.5432']);
			make(`eval752-${dead}-xyzXYZ`, ['.s.PGSQL.5432', 'notes.txt']);
			make('eval752-test-template-pglite-0.5.14', ['pgdata']);
			// An earlier version's name (no pid): removed only when nobody answers on its socket — a plain file never does.
			make('eval752-QwErTy', ['.s.PGSQL.5432']);
			const removed = await removeStaleSocketDirs(tmp);
			expect(removed.map((dir) => path.basename(dir)).sort()).toEqual([`eval752-${dead}-abcDEF`, 'eval752-QwErTy']);
			expect(fs.readdirSync(tmp).sort()).toEqual([`eval752-${dead}-xyzXYZ`, `eval752-${process.pid}-abcDEF`, 'eval752-test-template-pglite-0.5.14'].sort());
		} finally {
			fs.rmSync(tmp, {recursive: true, force: true});
		}
	});
});

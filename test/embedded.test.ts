import {execFile, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadConfig} from '../source/config/env.js';
import {KeyRing} from '../source/crypto/index.js';
import {openEmbedded} from '../source/db/embedded.js';
import {DataDirInUse, lockHolder} from '../source/db/lock.js';
import {runCli} from './support/cli.js';
import {freshEmbeddedDir} from './support/db.js';
import {ensureEmbeddedTemplate, tempDir} from './secrets-fixtures.js';

/**
 * The embedded default on one machine: one process per data directory (a second one is told
 * who holds it, a dead holder's lock is taken over) and the generated key of a new database.
 * These run on the embedded database whatever TEST_DATABASE_URL says: it is what they are about.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const run = promisify(execFile);
const dirs: string[] = [];
let work: string;

function newDir() {
	const paths = freshEmbeddedDir();
	dirs.push(paths.dataDir);
	return paths;
}

beforeAll(async () => {
	work = tempDir('embedded');
	await ensureEmbeddedTemplate();
	// The second process is the real binary; build it once if this checkout has none yet.
	if (!fs.existsSync(cli)) {
		const build = spawnSync('npm', ['run', 'build'], {cwd: root, encoding: 'utf8'});
		if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
	}
}, 120_000);

afterAll(() => {
	for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true});
	fs.rmSync(work, {recursive: true, force: true});
});

describe('the embedded data directory lock', () => {
	it('a second process finding it held for a while by one that does not share it is told "in use by pid N" and exits 1; the directory opens fine afterwards', async () => {
		const paths = newDir();
		const db = await openEmbedded(paths);
		try {
			await db.sql`create table marker (note text)`;
			await db.sql`insert into marker values ('written before the second process came')`;
			// Held for two minutes already: not a holder that is still starting.
			for (const owner of fs.readdirSync(paths.lockFile)) {
				const then = new Date(Date.now() - 120_000);
				fs.utimesSync(path.join(paths.lockFile, owner), then, then);
			}
			const env = {PATH: process.env['PATH'], HOME: work, EVAL752_DATA_DIR: paths.dataDir, EVAL752_LOG_FILE: path.join(work, 'child.log'), EVAL752_ACTOR: 'second@test'};
			const child = await run(process.execPath, [cli, 'doctor'], {cwd: work, env}).then(
				() => ({code: 0, stdout: '', stderr: ''}),
				(error: {code: number; stdout: string; stderr: string}) => error,
			);
			expect(child.code).toBe(1);
			expect(child.stderr).toContain(`The embedded database at ${paths.pgdata} is in use by pid ${process.pid}, and it does not share it`);
			expect(child.stderr).toContain('wait for that eval752 to finish, or close it');
			expect(child.stdout).toBe('');
			expect(lockHolder(paths.lockFile)).toBe(process.pid);
			// In this process too: PGlite would happily open it twice and corrupt it.
			await expect(openEmbedded(paths)).rejects.toThrow(DataDirInUse);
		} finally {
			await db.close();
		}
		expect(fs.existsSync(paths.lockFile)).toBe(false);
		const again = await openEmbedded(paths);
		try {
			expect(await again.sql`select note from marker`).toEqual([{note: 'written before the second process came'}]);
		} finally {
			await again.close();
		}
	});

	it('takes over a stale lock left by a process that is gone', async () => {
		const paths = newDir();
		const dead = spawnSync(process.execPath, ['-e', '0']);
		expect(dead.pid).toBeGreaterThan(0);
		// The plain pid file an earlier eval752 wrote.
		fs.writeFileSync(paths.lockFile, `${dead.pid}\n`, {mode: 0o600});
		const db = await openEmbedded(paths);
		try {
			expect(lockHolder(paths.lockFile)).toBe(process.pid);
			expect(await db.sql`select 1 as one`).toEqual([{one: 1}]);
		} finally {
			await db.close();
		}
		// A half-written lock file (no pid) is stale too.
		fs.writeFileSync(paths.lockFile, '', {mode: 0o600});
		const db2 = await openEmbedded(paths);
		await db2.close();
		expect(fs.existsSync(paths.lockFile)).toBe(false);
	});
});

describe('the generated key of a new embedded database', () => {
	it('is written once to a 0600 file beside the data directory, announced once, and used from then on', async () => {
		const paths = newDir();
		const env = {EVAL752_DATA_DIR: paths.dataDir, EVAL752_LOG_FILE: path.join(work, 'key.log')};
		expect(fs.existsSync(paths.keyFile)).toBe(false);

		const first = await runCli(['doctor'], {env, cwd: work});
		expect(first.code).toBe(0);
		expect(first.stderr).toContain(`generated ENCRYPTION_KEY in ${paths.keyFile} (mode 0600)`);
		expect(first.stderr).toContain('Back this file up together with the database');
		expect(first.stderr.match(/generated ENCRYPTION_KEY/g)).toHaveLength(1);
		expect(fs.statSync(paths.keyFile).mode & 0o777).toBe(0o600);
		const key = fs.readFileSync(paths.keyFile, 'utf8');
		expect(key).toMatch(/^[0-9a-f]{64}\n$/);
		// The key itself is never printed.
		expect(first.stdout + first.stderr).not.toContain(key.trim());

		const second = await runCli(['doctor', '--json'], {env, cwd: work});
		expect(second.code).toBe(0);
		expect(second.stderr).not.toContain('generated ENCRYPTION_KEY');
		expect(fs.readFileSync(paths.keyFile, 'utf8')).toBe(key);
		const keyId = KeyRing.from(Buffer.from(key.trim(), 'hex')).currentId;
		expect(JSON.parse(second.stdout).encryption.currentKeyId).toBe(keyId);
		expect(loadConfig(env, work).encryptionKeySource).toBe('file');
	});

	it('a key file that is not a valid key stops start-up naming the file, never its content', async () => {
		const paths = newDir();
		const broken = 'f'.repeat(63);
		fs.writeFileSync(paths.keyFile, `${broken}\n`, {mode: 0o600});
		const result = await runCli(['doctor'], {env: {EVAL752_DATA_DIR: paths.dataDir, EVAL752_LOG_FILE: path.join(work, 'broken.log')}, cwd: work});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`The key file ${paths.keyFile} does not hold a valid key`);
		expect(result.stderr).not.toContain(broken);
	});
});

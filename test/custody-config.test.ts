import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadConfig} from '../source/config/env.js';
import {dataPaths} from '../source/config/paths.js';
import {openEmbedded} from '../source/db/embedded.js';
import {ConfigError, UserError} from '../source/errors.js';
import {runCli} from './support/cli.js';
import {databaseKind, freshDatabase, freshEmbeddedDir, type TestDatabase} from './support/db.js';
import {tempDir} from './secrets-fixtures.js';

/**
 * RELIABILITY 43 and 44 as another user on a shared SSH bastion plays them: a `.env` planted in
 * whatever directory the operator works in, a data directory or key file others can reach, a
 * umask of 000. Nothing someone else owns or can write chooses the database, the key or the
 * actor; what eval752 keeps in its data directory is private whatever the umask.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

let work: string;
let db: TestDatabase;
const attackerKey = randomBytes(32).toString('hex');
const attackerEnv = `DATABASE_URL=postgres://mallory@evil.example:5432/loot\nENCRYPTION_KEY=${attackerKey}\nEVAL752_ACTOR=alice\n`;

beforeAll(async () => {
	work = tempDir('custody-config');
	db = await freshDatabase();
});

afterAll(async () => {
	await db.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

/** A directory with a `.env` of the given mode (and owner, when running as root). */
function plant(name: string, mode: number, owner?: number, text = attackerEnv): string {
	const dir = path.join(work, name);
	fs.mkdirSync(dir, {recursive: true, mode: 0o755});
	const file = path.join(dir, '.env');
	fs.writeFileSync(file, text);
	fs.chmodSync(file, mode);
	if (owner !== undefined) fs.chownSync(file, owner, owner);
	return dir;
}

function privateDataDir(name: string): string {
	const dir = path.join(work, name);
	fs.mkdirSync(dir, {recursive: true, mode: 0o700});
	fs.chmodSync(dir, 0o700);
	return dir;
}

describe(`case 43: a .env someone else owns or can write never supplies the database, the key or the actor (${databaseKind})`, () => {
	it('case 43: a world-writable .env in the working directory is not read, even with EVAL752_DATA_DIR set; doctor and stderr say why', async () => {
		const cwd = plant('world-writable', 0o666);
		const env = {EVAL752_DATA_DIR: privateDataDir('data-43a'), USER: 'alice'};
		const config = loadConfig(env, cwd, {readKeyFile: false});
		expect(config.databaseUrl).toBeUndefined();
		expect(config.encryptionKey).toBeUndefined();
		expect(config.actor).not.toBe('alice');
		expect(config.envFile).toBeNull();
		expect(config.ignoredEnvFiles).toEqual([expect.objectContaining({file: path.join(cwd, '.env'), reason: 'writable by others (mode 0666)'})]);

		const doctor = await runCli(['doctor'], {database: db.db, env, cwd});
		expect(doctor.stderr).toContain(`eval752: ignored ${path.join(cwd, '.env')}: it is writable by others (mode 0666) — chmod go-w`);
		expect(doctor.stdout).toContain(`warn  env file: ignored ${path.join(cwd, '.env')}: it is writable by others (mode 0666)`);
		expect(doctor.stdout + doctor.stderr).not.toContain(attackerKey);
		expect(doctor.stdout + doctor.stderr).not.toContain('evil.example');
	});

	it.runIf(asRoot)('case 43: a .env owned by another user, however private, is not read', async () => {
		const cwd = plant('foreign-owner', 0o600, NOBODY);
		const config = loadConfig({EVAL752_DATA_DIR: privateDataDir('data-43b')}, cwd, {readKeyFile: false});
		expect(config.databaseUrl).toBeUndefined();
		expect(config.ignoredEnvFiles[0]?.reason).toMatch(/^owned by uid 65534, not by you/);
	});

	it('case 43: a group-writable .env in the data directory is ignored too; a private one there is read and named', async () => {
		const dataDir = privateDataDir('data-43c');
		fs.writeFileSync(path.join(dataDir, '.env'), 'EVAL752_ACTOR=from-data-dir\nEVAL752_DATA_DIR=/elsewhere\n');
		fs.chmodSync(path.join(dataDir, '.env'), 0o620);
		const cwd = privateDataDir('empty-cwd');
		expect(loadConfig({EVAL752_DATA_DIR: dataDir}, cwd, {readKeyFile: false}).ignoredEnvFiles[0]?.reason).toBe('writable by others (mode 0620)');
		fs.chmodSync(path.join(dataDir, '.env'), 0o600);
		const config = loadConfig({EVAL752_DATA_DIR: dataDir}, cwd, {readKeyFile: false});
		expect(config.actor).toBe('from-data-dir');
		// The data directory's .env can't move the data directory.
		expect(config.paths.dataDir).toBe(dataDir);
		expect(config.envFile).toEqual({file: path.join(dataDir, '.env'), origin: 'data directory', supplied: ['EVAL752_ACTOR']});
	});

	it('case 43: a private .env that supplies DATABASE_URL, ENCRYPTION_KEY and the actor is read — and stderr and doctor say so; the environment wins over it', async () => {
		const cwd = plant('own-private', 0o600, undefined, `ENCRYPTION_KEY=${attackerKey}\nEVAL752_ACTOR=from-file\nDATABASE_URL=postgres://ops@db.internal:5432/eval752\n`);
		const env = {EVAL752_DATA_DIR: privateDataDir('data-43d')};
		const config = loadConfig(env, cwd, {readKeyFile: false});
		expect(config.envFile).toEqual({file: path.join(cwd, '.env'), origin: 'working directory', supplied: ['DATABASE_URL', 'ENCRYPTION_KEY', 'EVAL752_ACTOR']});
		expect(loadConfig({...env, EVAL752_ACTOR: 'real-env'}, cwd, {readKeyFile: false}).actor).toBe('real-env');
		// runCli sets EVAL752_ACTOR in the environment, which wins: the file supplies the other two.
		const doctor = await runCli(['doctor'], {database: db.db, env, cwd});
		const line = `DATABASE_URL, ENCRYPTION_KEY come from ${path.join(cwd, '.env')} (.env in the working directory)`;
		expect(doctor.stderr).toContain(`eval752: ${line}, not from the environment`);
		expect(doctor.stdout).toContain(`warn  env file: ${line}`);
		expect(doctor.stdout + doctor.stderr).not.toContain(attackerKey);
	});

	it('case 43: --env-file names the one file read; one that others can write is refused with the command to run', async () => {
		const shared = plant('explicit-shared', 0o646, undefined, 'EVAL752_ACTOR=explicit\n');
		const refused = await runCli(['--env-file', path.join(shared, '.env'), 'doctor'], {database: db.db, env: {EVAL752_DATA_DIR: privateDataDir('data-43e')}});
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain(`The env file ${path.join(shared, '.env')} is writable by others (mode 0646); it was not read`);
		expect(refused.stderr).toContain(`chmod go-w ${path.join(shared, '.env')}`);
		fs.chmodSync(path.join(shared, '.env'), 0o600);
		// The working directory's own .env is not read when a file is named.
		const cwd = plant('explicit-cwd', 0o600, undefined, 'EVAL752_ACTOR=cwd-file\n');
		const config = loadConfig({EVAL752_ENV_FILE: path.join(shared, '.env'), EVAL752_DATA_DIR: privateDataDir('data-43f')}, cwd, {readKeyFile: false});
		expect(config.actor).toBe('explicit');
		expect(config.envFile?.origin).toBe('explicit');
		const missing = await runCli(['doctor', '--env-file=/nonexistent/.env'], {database: db.db});
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain("The env file /nonexistent/.env can't be read (it does not exist)");
	});
});

describe('case 44: a data directory or key file others can reach is tightened or refused, whatever the umask', () => {
	it('case 44: a key file others can read or write is refused with chmod 600 (and rotation advice when it was readable)', () => {
		const dataDir = privateDataDir('data-44a');
		const file = dataPaths(dataDir).keyFile;
		fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`);
		for (const [mode, word] of [[0o644, 'readable'], [0o620, 'writable'], [0o666, 'readable']] as const) {
			fs.chmodSync(file, mode);
			const error = (() => {
				try {
					loadConfig({EVAL752_DATA_DIR: dataDir}, dataDir);
				} catch (caught) {
					return caught;
				}
				return undefined;
			})();
			expect(error).toBeInstanceOf(ConfigError);
			expect((error as ConfigError).message).toBe(`The key file ${file} is ${word} by others (mode 0${mode.toString(8)}); it was not used`);
			expect((error as ConfigError).hint).toMatch(new RegExp(`^chmod 600 ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
			if (word === 'readable') expect((error as ConfigError).hint).toMatch(/rotate it/);
		}
		fs.chmodSync(file, 0o600);
		expect(loadConfig({EVAL752_DATA_DIR: dataDir}, dataDir).encryptionKeySource).toBe('file');
	});

	it('case 44: a data directory others can write is refused before anything is opened, with chmod 700', async () => {
		const paths = freshEmbeddedDir();
		fs.chmodSync(paths.dataDir, 0o777);
		const error = await openEmbedded(paths).then(
			async (opened) => {
				await opened.close();
				return undefined;
			},
			(caught: unknown) => caught,
		);
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).message).toBe(`The data directory ${paths.dataDir} is writable by others (mode 0777); eval752 does not open a database there`);
		expect((error as UserError).hint).toContain(`chmod 700 ${paths.dataDir}`);
		expect(fs.existsSync(paths.lockFile)).toBe(false);
		fs.rmSync(paths.dataDir, {recursive: true, force: true});
	});

	it('case 44: a pre-existing 0755 data directory under umask 000 (the built binary): afterwards it is 0700 and nothing of eval752’s in it is open to others', async () => {
		const paths = freshEmbeddedDir();
		// As PGlite leaves it: every file 0666, every directory 0777 — and the directory itself 0755.
		const loosen = (target: string): void => {
			const stat = fs.lstatSync(target);
			fs.chmodSync(target, stat.isDirectory() ? 0o777 : 0o666);
			if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) loosen(path.join(target, entry));
		};
		loosen(paths.pgdata);
		fs.chmodSync(paths.dataDir, 0o755);
		const {stdout, stderr} = await promisify(execFile)('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, cli, 'doctor'], {
			env: {PATH: process.env['PATH'], HOME: work, EVAL752_DATA_DIR: paths.dataDir},
			cwd: work,
		}).catch((error: {stdout: string; stderr: string}) => error);
		expect(stdout).toMatch(/ok +data directory: .* is mode 0700, nothing in it open to group or others/);
		expect(stderr).toMatch(/made \d+ entries under .* private \(mode 0700\/0600\): other users could read or change them before/);
		expect(stderr).toContain(`generated ENCRYPTION_KEY in ${paths.keyFile} (mode 0600)`);
		const open: string[] = [];
		const walk = (target: string): void => {
			const stat = fs.lstatSync(target);
			if ((stat.mode & 0o077) !== 0) open.push(`${target} ${(stat.mode & 0o777).toString(8)}`);
			if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) walk(path.join(target, entry));
		};
		walk(paths.dataDir);
		expect(open).toEqual([]);
		expect(fs.statSync(paths.dataDir).mode & 0o777).toBe(0o700);
		fs.rmSync(paths.dataDir, {recursive: true, force: true});
	});
});

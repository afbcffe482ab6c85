import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {loadConfig} from '../source/config/env.js';
import {ConfigError} from '../source/errors.js';
import {runCli} from './support/cli.js';
import {tempDir} from './secrets-fixtures.js';

/**
 * Bootstrap configuration as an operator meets it: a bad value stops every command before it
 * touches a database, with one line that names the variable and never repeats a secret value.
 */

const dir = tempDir('config');
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

/** Keeps every run away from the real user's data directory and log. */
const base = {EVAL752_DATA_DIR: path.join(dir, 'data'), EVAL752_LOG_FILE: path.join(dir, 'eval752.log')};
const hex64 = randomBytes(32).toString('hex');

function configError(env: NodeJS.ProcessEnv, cwd = dir): ConfigError {
	try {
		loadConfig({...base, ...env}, cwd);
	} catch (error) {
		if (error instanceof ConfigError) return error;
		throw error;
	}
	throw new Error('loadConfig accepted it');
}

/** Exit 2, exactly one stderr line naming `variable`, nothing on stdout, `value` nowhere. */
async function expectRefused(env: NodeJS.ProcessEnv, variable: string, value: string): Promise<string> {
	const result = await runCli(['doctor'], {env: {...base, ...env}, cwd: dir});
	expect(result.code).toBe(2);
	expect(result.stdout).toBe('');
	const lines = result.stderr.split('\n').filter((line) => line !== '');
	expect(lines).toHaveLength(1);
	expect(lines[0]).toMatch(new RegExp(`^eval752: .*${variable}`));
	if (value.length >= 4) {
		expect(result.stderr).not.toContain(value);
		// Not even a long piece of it.
		for (let i = 0; i + 12 <= value.length; i++) expect(result.stderr).not.toContain(value.slice(i, i + 12));
	}
	expect(fs.existsSync(base.EVAL752_DATA_DIR)).toBe(false);
	return lines[0]!;
}

const badKeys: [string, string, RegExp][] = [
	['63 hex characters', hex64.slice(0, 63), /has 63 characters/],
	['65 hex characters', hex64 + 'a', /has 65 characters/],
	['one non-hex character', hex64.slice(0, 20) + 'g' + hex64.slice(21), /not all of them are hex digits/],
	['base64 with whitespace', randomBytes(32).toString('base64').replace(/^(.{20})/, '$1 '), /contains whitespace/],
	['base64 with a trailing newline', randomBytes(32).toString('base64') + '\n', /contains whitespace/],
	['31 bytes as hex', randomBytes(31).toString('hex'), /has 62 characters/],
	['33 bytes as hex', randomBytes(33).toString('hex'), /has 66 characters/],
	['31 bytes as base64', randomBytes(31).toString('base64'), /decodes to 31 bytes|has \d+ characters/],
	['33 bytes as base64', randomBytes(33).toString('base64'), /has 44 characters but|decodes to 33 bytes|has \d+ characters/],
	['empty', '', /is empty/],
];

describe('ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS', () => {
	it.each(badKeys)('ENCRYPTION_KEY of %s → one line naming the variable, never the value, exit 2', async (_label, value, reason) => {
		const error = configError({ENCRYPTION_KEY: value});
		expect(error.variable).toBe('ENCRYPTION_KEY');
		expect(error.exitCode).toBe(2);
		expect(error.message).toMatch(reason);
		const line = await expectRefused({ENCRYPTION_KEY: value}, 'ENCRYPTION_KEY', value.trim());
		expect(line).toContain('generate one with: eval752 keygen');
	});

	it('accepts 64 hex characters in either case and canonical base64, giving the same key', () => {
		const raw = randomBytes(32);
		const lower = loadConfig({...base, ENCRYPTION_KEY: raw.toString('hex')}, dir).encryptionKey!;
		const upper = loadConfig({...base, ENCRYPTION_KEY: raw.toString('hex').toUpperCase()}, dir).encryptionKey!;
		const b64 = loadConfig({...base, ENCRYPTION_KEY: raw.toString('base64')}, dir).encryptionKey!;
		expect(lower.equals(raw) && upper.equals(raw) && b64.equals(raw)).toBe(true);
	});

	it('a bad ENCRYPTION_KEY_PREVIOUS entry is named by position, never by value', async () => {
		const good = randomBytes(32).toString('hex');
		const bad = randomBytes(32).toString('hex').slice(0, 60);
		const error = configError({ENCRYPTION_KEY: hex64, ENCRYPTION_KEY_PREVIOUS: `${good},${bad}`});
		expect(error.variable).toBe('ENCRYPTION_KEY_PREVIOUS');
		expect(error.message).toContain('entry 2 has 60 characters');
		await expectRefused({ENCRYPTION_KEY: hex64, ENCRYPTION_KEY_PREVIOUS: `${good},${bad}`}, 'ENCRYPTION_KEY_PREVIOUS', bad);
		const stray = configError({ENCRYPTION_KEY: hex64, ENCRYPTION_KEY_PREVIOUS: `${good},`});
		expect(stray.message).toContain('entry 2 is empty');
		expect(loadConfig({...base, ENCRYPTION_KEY: hex64, ENCRYPTION_KEY_PREVIOUS: ` ${good} , ${hex64} `}, dir).encryptionKeyPrevious).toHaveLength(2);
	});
});

describe('DATABASE_URL, EVAL752_ACTOR and friends', () => {
	it.each([
		['mysql://ops:hunter2-Sup3rSecret@db.internal/eval752', 'hunter2-Sup3rSecret'],
		['postgres://ops:hunter2-Sup3rSecret@', 'hunter2-Sup3rSecret'],
		['db.internal:5432/eval752?password=hunter2-Sup3rSecret', 'hunter2-Sup3rSecret'],
	])('DATABASE_URL %s is refused without echoing the password', async (url, password) => {
		const error = configError({DATABASE_URL: url});
		expect(error.variable).toBe('DATABASE_URL');
		expect(error.message).toContain('DATABASE_URL must be a PostgreSQL URL like postgres://user@host:5432/dbname');
		await expectRefused({DATABASE_URL: url}, 'DATABASE_URL', password);
	});

	it('accepts postgres:// and postgresql:// URLs, and a unix-socket host in the query', () => {
		expect(loadConfig({...base, DATABASE_URL: 'postgresql://ops:pw@db.internal:5433/eval752'}, dir).databaseUrl).toBe('postgresql://ops:pw@db.internal:5433/eval752');
		expect(loadConfig({...base, DATABASE_URL: 'postgres:///eval752?host=/var/run/postgresql'}, dir).databaseUrl).toBe('postgres:///eval752?host=/var/run/postgresql');
	});

	it.each([
		['an escape sequence', 'alice\u001b[31m@ops'],
		['a newline', 'alice\n@ops'],
		['a bidi override', 'alice\u202e@ops'],
		['only spaces', '   '],
		['129 characters', 'a'.repeat(129)],
	])('EVAL752_ACTOR with %s is refused', async (_label, actor) => {
		expect(configError({EVAL752_ACTOR: actor}).variable).toBe('EVAL752_ACTOR');
		const line = await expectRefused({EVAL752_ACTOR: actor}, 'EVAL752_ACTOR', '');
		expect(line).toContain('EVAL752_ACTOR must be 1–128 printable characters');
		// The control characters themselves never reach the terminal.
		expect(line).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
	});

	it('uses EVAL752_ACTOR trimmed, else user@host', () => {
		expect(loadConfig({...base, EVAL752_ACTOR: '  alice@ops '}, dir).actor).toBe('alice@ops');
		expect(loadConfig({EVAL752_DATA_DIR: base.EVAL752_DATA_DIR}, dir).actor).toMatch(/^.+@.+$/);
	});
});

describe('.env in the working directory', () => {
	it('is read when present, and real environment variables win over it', () => {
		const project = tempDir('dotenv');
		try {
			const fileKey = randomBytes(32).toString('hex');
			fs.writeFileSync(path.join(project, '.env'), `# team defaults\nEVAL752_ACTOR=from-dotenv@ops\nENCRYPTION_KEY=${fileKey}\nEVAL752_DATA_DIR=./state\n`);
			const fromFile = loadConfig({}, project);
			expect(fromFile.actor).toBe('from-dotenv@ops');
			expect(fromFile.encryptionKey!.toString('hex')).toBe(fileKey);
			expect(fromFile.encryptionKeySource).toBe('env');
			expect(fromFile.paths.dataDir).toBe(path.join(project, 'state'));

			const overridden = loadConfig({EVAL752_ACTOR: 'real-env@ops', ENCRYPTION_KEY: hex64}, project);
			expect(overridden.actor).toBe('real-env@ops');
			expect(overridden.encryptionKey!.toString('hex')).toBe(hex64);
		} finally {
			fs.rmSync(project, {recursive: true, force: true});
		}
	});

	it('a bad key in .env is refused like one in the environment, without its value', async () => {
		const project = tempDir('dotenv-bad');
		try {
			const bad = hex64.slice(0, 63);
			fs.writeFileSync(path.join(project, '.env'), `ENCRYPTION_KEY=${bad}\n`);
			const result = await runCli(['doctor'], {env: base, cwd: project});
			expect(result.code).toBe(2);
			expect(result.stderr.trim().split('\n')).toHaveLength(1);
			expect(result.stderr).toContain('ENCRYPTION_KEY must be 32 bytes');
			expect(result.stderr).not.toContain(bad);
		} finally {
			fs.rmSync(project, {recursive: true, force: true});
		}
	});
});

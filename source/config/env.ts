import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseEnv} from 'node:util';
import * as z from 'zod';
import {KeyFormatError, parseEncryptionKey, parsePreviousKeys} from '../crypto/key.js';
import {ConfigError} from '../errors.js';
import {dataPaths, defaultDataDir, type DataPaths} from './paths.js';
import {directoryProblem, keyFileProblem, readTrustedText, type Untrusted} from './permissions.js';

/**
 * Bootstrap configuration, read once from the environment and at most one `.env` file (real
 * environment variables win over it). Runtime defaults such as timeouts live in the `settings`
 * table instead, so a whole team shares them.
 *
 * A `.env` decides which database is used, which key reads it and who the audit log says did
 * it, so it is read only from a place only this user controls (see {@link readEnvFile}).
 */
export interface Config {
	/** Unset → the embedded database in `paths.pgdata`. */
	readonly databaseUrl: string | undefined;
	/** Parsed ENCRYPTION_KEY; undefined when not configured (embedded first run generates one). */
	readonly encryptionKey: Buffer | undefined;
	readonly encryptionKeyPrevious: readonly Buffer[];
	/** Where the encryption key came from, for `doctor` and the header. */
	readonly encryptionKeySource: 'env' | 'file' | 'none';
	readonly paths: DataPaths;
	readonly actor: string;
	readonly logFile: string;
	readonly noColor: boolean;
	/** The `.env` read, if any, and which of eval752's variables it supplied (said on stderr and by doctor). */
	readonly envFile: EnvFileSource | null;
	/** `.env` files found but not read, and why (said on stderr and by doctor). */
	readonly ignoredEnvFiles: readonly IgnoredEnvFile[];
}

export interface EnvFileSource {
	readonly file: string;
	/** How it was chosen: given explicitly (--env-file, EVAL752_ENV_FILE), or found in the working or data directory. */
	readonly origin: 'explicit' | 'working directory' | 'data directory';
	/** eval752's own variables it set (the environment did not): DATABASE_URL, ENCRYPTION_KEY, EVAL752_ACTOR… */
	readonly supplied: readonly string[];
}

export interface IgnoredEnvFile {
	readonly file: string;
	readonly reason: string;
	readonly fix: string;
}

/** The variables eval752 reads itself; a `.env` that sets any of them is named on stderr and by doctor. */
export const EVAL752_VARIABLES = ['DATABASE_URL', 'ENCRYPTION_KEY', 'ENCRYPTION_KEY_PREVIOUS', 'EVAL752_ACTOR', 'EVAL752_DATA_DIR', 'EVAL752_LOG_FILE', 'NO_COLOR'] as const;

const printable = /^[^\p{Cc}\p{Cf}]*$/u;

const schema = z.object({
	DATABASE_URL: z
		.string()
		.optional()
		.refine((value) => value === undefined || isPostgresUrl(value), {
			message: 'DATABASE_URL must be a PostgreSQL URL like postgres://user@host:5432/dbname',
		}),
	EVAL752_DATA_DIR: z
		.string()
		.optional()
		.refine((value) => value === undefined || (value.trim() !== '' && !value.includes('\0')), {
			message: 'EVAL752_DATA_DIR must be a directory path',
		}),
	EVAL752_ACTOR: z
		.string()
		.optional()
		.refine((value) => value === undefined || (value.trim().length >= 1 && value.length <= 128 && printable.test(value)), {
			message: 'EVAL752_ACTOR must be 1–128 printable characters, e.g. alice@ops',
		}),
	EVAL752_LOG_FILE: z
		.string()
		.optional()
		.refine((value) => value === undefined || (value.trim() !== '' && !value.includes('\0')), {
			message: 'EVAL752_LOG_FILE must be a file path',
		}),
});

function isPostgresUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && (url.hostname !== '' || url.searchParams.has('host'));
	} catch {
		return false;
	}
}

export interface EnvWithFile {
	/** The environment with the `.env` file's values under it (real variables win). */
	readonly env: NodeJS.ProcessEnv;
	readonly envFile: EnvFileSource | null;
	readonly ignored: readonly IgnoredEnvFile[];
}

function untrustedEnvFile(file: string, problem: Untrusted): IgnoredEnvFile {
	return {file, reason: problem.reason, fix: problem.fix};
}

/**
 * The environment with at most one `.env` under it. Which file:
 *
 * 1. `--env-file FILE` or `EVAL752_ENV_FILE=FILE`: exactly that file, which must exist and be
 *    trusted (owned by this user, or root, and not writable by group or others) — else a
 *    configuration error;
 * 2. else `.env` in the working directory, if trusted;
 * 3. else `.env` in the data directory, if the directory and the file are trusted (it can't move
 *    the data directory itself).
 *
 * A `.env` found in 2 or 3 that is not trusted is not read, and reported (`ignored`): a
 * world-writable `.env` in whatever directory the operator happens to be in must never choose
 * the database, the key or the actor.
 */
export function readEnvFile(env: NodeJS.ProcessEnv, cwd: string): EnvWithFile {
	const explicit = blankToUndefined(env['EVAL752_ENV_FILE']);
	if (explicit !== undefined) {
		const file = path.resolve(cwd, explicit);
		let read: ReturnType<typeof readTrustedText>;
		try {
			read = readTrustedText(file);
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			throw new ConfigError('EVAL752_ENV_FILE', `The env file ${file} can't be read (${code === 'ENOENT' ? 'it does not exist' : (code ?? 'unreadable')})`, 'check the path given to --env-file or EVAL752_ENV_FILE');
		}
		if ('untrusted' in read) throw new ConfigError('EVAL752_ENV_FILE', `The env file ${file} is ${read.untrusted.reason}; it was not read`, read.untrusted.fix);
		return withFile(env, read.text, file, 'explicit', []);
	}
	const ignored: IgnoredEnvFile[] = [];
	const local = path.join(cwd, '.env');
	const fromCwd = readIfPresent(local);
	if (fromCwd && 'text' in fromCwd) return withFile(env, fromCwd.text, local, 'working directory', ignored);
	if (fromCwd) ignored.push(untrustedEnvFile(local, fromCwd.untrusted));
	const dataDir = path.resolve(cwd, blankToUndefined(env['EVAL752_DATA_DIR']) ?? defaultDataDir(env));
	const inData = path.join(dataDir, '.env');
	if (inData !== local) {
		const fromData = readIfPresent(inData);
		if (fromData && 'text' in fromData) {
			let problem: Untrusted | undefined;
			try {
				problem = directoryProblem(dataDir);
			} catch {
				problem = {reason: 'in a directory that can\'t be checked', fix: `check ${dataDir}`};
			}
			if (!problem) return withFile(env, fromData.text, inData, 'data directory', ignored, ['EVAL752_DATA_DIR']);
			ignored.push({file: inData, reason: `in a data directory that is ${problem.reason}`, fix: problem.fix});
		} else if (fromData) ignored.push(untrustedEnvFile(inData, fromData.untrusted));
	}
	return {env, envFile: null, ignored};
}

/** The file read if trusted, why not if not, undefined when there is none. */
function readIfPresent(file: string): ReturnType<typeof readTrustedText> | undefined {
	try {
		return readTrustedText(file);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
		return {untrusted: {reason: `unreadable (${code ?? 'error'})`, fix: `check ${file}`}};
	}
}

function withFile(env: NodeJS.ProcessEnv, text: string, file: string, origin: EnvFileSource['origin'], ignored: IgnoredEnvFile[], dropped: readonly string[] = []): EnvWithFile {
	const values: Record<string, string | undefined> = {...parseEnv(text)};
	for (const name of dropped) delete values[name];
	const supplied = EVAL752_VARIABLES.filter((name) => values[name] !== undefined && env[name] === undefined);
	return {env: {...values, ...env}, envFile: {file, origin, supplied}, ignored};
}

/** The environment with the trusted `.env` under it (see {@link readEnvFile}); what `import-env` reads. */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
	return readEnvFile(env, cwd).env;
}

function blankToUndefined(value: string | undefined): string | undefined {
	return value === undefined || value === '' ? undefined : value;
}

export interface LoadOptions {
	/** Read the generated key file of the embedded default when ENCRYPTION_KEY is unset. */
	readonly readKeyFile?: boolean;
}

export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), options: LoadOptions = {}): Config {
	const {env, envFile, ignored} = readEnvFile(rawEnv, cwd);
	const parsed = schema.safeParse({
		DATABASE_URL: blankToUndefined(env['DATABASE_URL']),
		EVAL752_DATA_DIR: blankToUndefined(env['EVAL752_DATA_DIR']),
		EVAL752_ACTOR: blankToUndefined(env['EVAL752_ACTOR']),
		EVAL752_LOG_FILE: blankToUndefined(env['EVAL752_LOG_FILE']),
	});
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		const variable = String(issue.path[0] ?? 'environment');
		throw new ConfigError(variable, issue.message);
	}
	const values = parsed.data;

	let encryptionKey: Buffer | undefined;
	let previous: Buffer[];
	try {
		// Present-but-empty is a mistake worth naming (an unset variable is not).
		encryptionKey = env['ENCRYPTION_KEY'] === undefined ? undefined : parseEncryptionKey(env['ENCRYPTION_KEY'], 'ENCRYPTION_KEY');
		previous = parsePreviousKeys(env['ENCRYPTION_KEY_PREVIOUS']);
	} catch (error) {
		if (error instanceof KeyFormatError) throw new ConfigError(error.variable, error.message, 'generate one with: eval752 keygen');
		throw error;
	}

	const dataDir = path.resolve(cwd, values.EVAL752_DATA_DIR ?? defaultDataDir(env));
	const paths = dataPaths(dataDir);
	let source: Config['encryptionKeySource'] = encryptionKey ? 'env' : 'none';
	if (!encryptionKey && !values.DATABASE_URL && options.readKeyFile !== false) {
		encryptionKey = readKeyFile(paths.keyFile);
		if (encryptionKey) source = 'file';
	}

	return {
		databaseUrl: values.DATABASE_URL,
		encryptionKey,
		encryptionKeyPrevious: previous,
		encryptionKeySource: source,
		paths,
		actor: values.EVAL752_ACTOR?.trim() ?? defaultActor(env),
		logFile: path.resolve(cwd, values.EVAL752_LOG_FILE ?? paths.defaultLogFile),
		noColor: env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '',
		envFile,
		ignoredEnvFiles: ignored,
	};
}

/**
 * What the operator must hear about where the configuration came from: a `.env` that set
 * eval752's own variables (which database, which key, who acts), and any `.env` left unread.
 * One line each; stderr for the headless commands, the screen for the dashboard.
 */
export function configNotices(config: Pick<Config, 'envFile' | 'ignoredEnvFiles'>): string[] {
	const notices: string[] = [];
	const source = config.envFile;
	if (source && source.supplied.length > 0) {
		notices.push(`${source.supplied.join(', ')} ${source.supplied.length === 1 ? 'comes' : 'come'} from ${source.file} (${source.origin === 'explicit' ? 'the env file given' : `.env in the ${source.origin}`}), not from the environment`);
	}
	for (const ignored of config.ignoredEnvFiles) notices.push(`ignored ${ignored.file}: it is ${ignored.reason} — ${ignored.fix}`);
	return notices;
}

/** The key file of the embedded default: read only when only this user can read and write it. */
export function readKeyFile(file: string): Buffer | undefined {
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(file);
	} catch {
		return undefined;
	}
	const problem = keyFileProblem(stat, file);
	if (problem) throw new ConfigError('ENCRYPTION_KEY', `The key file ${file} is ${problem.reason}; it was not used`, problem.fix);
	return parseKeyFileText(fs.readFileSync(file, 'utf8'), file);
}

function parseKeyFileText(text: string, file: string): Buffer {
	try {
		return parseEncryptionKey(text.trim(), `the key file ${file}`);
	} catch (error) {
		if (error instanceof KeyFormatError) {
			throw new ConfigError('ENCRYPTION_KEY', `The key file ${file} does not hold a valid key`, 'restore it from your backup, or set ENCRYPTION_KEY');
		}
		throw error;
	}
}

/** `user@host`, plus the SSH client address when the operator came in over SSH. */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
	let user = env['USER'] ?? env['LOGNAME'] ?? 'unknown';
	try {
		user = os.userInfo().username;
	} catch {
		// No passwd entry (containers): keep the environment's name.
	}
	const base = `${user}@${os.hostname()}`;
	const ssh = (env['SSH_CLIENT'] ?? env['SSH_CONNECTION'] ?? '').trim().split(/\s+/)[0];
	return ssh ? `${base} (ssh ${ssh})` : base;
}

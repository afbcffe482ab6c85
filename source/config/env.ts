import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseEnv} from 'node:util';
import * as z from 'zod';
import {KeyFormatError, parseEncryptionKey, parsePreviousKeys} from '../crypto/key.js';
import {ConfigError} from '../errors.js';
import {dataPaths, defaultDataDir, type DataPaths} from './paths.js';

/**
 * Bootstrap configuration, read once from the environment (and `.env` in the working
 * directory when present; real environment variables win). Runtime defaults such as
 * timeouts live in the `settings` table instead, so a whole team shares them.
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
}

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

/** Reads `.env` from `cwd` when present; values already in `env` win. */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
	const file = path.join(cwd, '.env');
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch {
		return env;
	}
	return {...parseEnv(text), ...env};
}

function blankToUndefined(value: string | undefined): string | undefined {
	return value === undefined || value === '' ? undefined : value;
}

export interface LoadOptions {
	/** Read the generated key file of the embedded default when ENCRYPTION_KEY is unset. */
	readonly readKeyFile?: boolean;
}

export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), options: LoadOptions = {}): Config {
	const env = withDotEnv(rawEnv, cwd);
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
	};
}

function readKeyFile(file: string): Buffer | undefined {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch {
		return undefined;
	}
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

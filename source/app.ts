import fs from 'node:fs';
import type {Io} from './cli/io.js';
import {configNotices, loadConfig, readKeyFile, type Config} from './config/env.js';
import {generateKey, KeyRing, parseEncryptionKey} from './crypto/index.js';
import {openDatabase, type OpenOptions} from './db/connect.js';
import {embeddedExists} from './db/embedded.js';
import {listCanaries, secretCountsByKeyId} from './db/repositories/canary.js';
import type {Database} from './db/types.js';
import {log, setLogFile} from './log.js';
import {sealAfterMigration} from './services/audit.js';
import {checkKey} from './services/canary.js';
import type {ServiceContext} from './services/context.js';

/**
 * The one place real implementations are wired together: configuration, the database (opened
 * and migrated), the key ring checked against the canary, and the service context the
 * dashboard and every subcommand share.
 */
export interface App {
	readonly config: Config;
	readonly db: Database;
	readonly ctx: ServiceContext;
	close(): Promise<void>;
}

export interface OpenAppOptions {
	readonly readOnly?: boolean;
	/** See OpenOptions.migrations; `doctor` reports instead of refusing, `restore` defers to its own transaction. */
	readonly migrations?: 'apply' | 'require' | 'report' | 'defer';
	/**
	 * Generate a key for a new embedded database when none is configured (the default). Restore
	 * says no: the data it brings needs the key it was written with, never a fresh one.
	 */
	readonly generateKey?: boolean;
	/** Progress for slow steps (first start of the embedded database). */
	readonly onProgress?: (message: string) => void;
	/**
	 * Something the operator must know and keep (a generated ENCRYPTION_KEY and where it is).
	 * Written to stderr unless given: the dashboard shows it on screen instead.
	 */
	readonly onNotice?: (message: string) => void;
	/**
	 * Long-lived holders of the embedded database (the dashboard, `watch`) serve the other eval752
	 * commands of the same user through a socket in the data directory, so those work while it is
	 * open instead of failing on its lock.
	 */
	readonly share?: boolean;
}

export function configFrom(io: Io): Config {
	const config = loadConfig(io.env, io.cwd);
	setLogFile(config.logFile);
	return config;
}

/**
 * Says where the configuration came from when a `.env` set eval752's own variables, and which
 * `.env` files were left unread: written to stderr unless the caller shows it (the dashboard).
 */
export function announceConfig(io: Io, config: Config, notice: (message: string) => void = (message) => io.stderr.write(`eval752: ${message}\n`)): void {
	for (const message of configNotices(config)) {
		log.info('configuration notice', {message});
		notice(message);
	}
}

/**
 * The configured database and nothing else (`eval752 migrate`): no key file is generated and the
 * canary is not checked here — the caller migrates first. Tests hand in an open one.
 */
export async function openConfiguredDatabase(io: Io, config: Config, options: Pick<OpenOptions, 'migrations' | 'onMigrated'>): Promise<Database> {
	return io.database ?? (await openDatabase(config, options));
}

export async function openApp(io: Io, options: OpenAppOptions = {}): Promise<App> {
	const config = configFrom(io);
	const notice = options.onNotice ?? ((message: string) => io.stderr.write(`eval752: ${message}\n`));
	announceConfig(io, config, notice);
	const firstRun = !io.database && !config.databaseUrl && !embeddedExists(config.paths);
	const applied: string[] = [];
	const db =
		io.database ??
		(await openDatabase(config, {
			migrations: options.migrations,
			onCreate: () => options.onProgress?.(`Creating the embedded database in ${config.paths.pgdata} (first start takes a few seconds)…`),
			onNotice: notice,
			onMigrated: (names) => applied.push(...names),
			onWait: options.onProgress,
		}));
	try {
		let key = config.encryptionKey;
		if (!key && db.kind === 'embedded' && !io.database && options.generateKey !== false) key = await generateKeyFileIfNew(config, db, firstRun, notice);
		const ring = key ? KeyRing.from(key, [...config.encryptionKeyPrevious]) : undefined;
		const keys = await checkKey(db.sql, ring);
		const ctx: ServiceContext = {db, actor: config.actor, keys, readOnly: options.readOnly ?? false};
		// The embedded database migrates itself: it also seals the audit rows written before keyed hashing.
		try {
			const sealed = await sealAfterMigration(ctx, applied);
			if (sealed) log.info('audit log sealed', {seq: sealed.seq, unkeyedRows: sealed.unkeyedRows});
		} catch (error) {
			// A log that does not verify is not sealed; audit verify and doctor say why, and the tool stays usable for reading.
			log.warn('audit log not sealed', {error: error instanceof Error ? error.message : String(error)});
		}
		// Migrated and sealed: only now may other processes come in.
		if (options.share) await db.share?.();
		return {
			config,
			db,
			ctx,
			close: async () => {
				if (!io.database) await db.close();
			},
		};
	} catch (error) {
		if (!io.database) await db.close();
		throw error;
	}
}

/**
 * Embedded default without ENCRYPTION_KEY: a new database gets a generated key in a 0600 file
 * beside its data directory, announced once. Data already encrypted under a key we don't have
 * is never given a fresh key (that would only hide the loss): the canary check reports it.
 */
async function generateKeyFileIfNew(config: Config, db: Database, firstRun: boolean, notice: (message: string) => void): Promise<Buffer | undefined> {
	const file = config.paths.keyFile;
	// A key file that appeared since the configuration was read: the same rules (only we may read it).
	if (fs.existsSync(file)) return readKeyFile(file);
	const hasSecrets = (await listCanaries(db.sql)).length > 0 || (await secretCountsByKeyId(db.sql)).length > 0;
	if (hasSecrets) return undefined;
	const key = generateKey();
	const temporary = `${file}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, `${key}\n`, {mode: 0o600, flag: 'wx'});
	fs.renameSync(temporary, file);
	notice(`${firstRun ? 'new embedded database; ' : ''}generated ENCRYPTION_KEY in ${file} (mode 0600). Back this file up together with the database: without it no stored API key can be decrypted.`);
	return parseEncryptionKey(key);
}

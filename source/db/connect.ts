import postgres from 'postgres';
import type {Config} from '../config/env.js';
import {DatabaseUnavailable} from '../errors.js';
import {log} from '../log.js';
import {createChangeFeed} from './changes.js';
import type {DataPaths} from '../config/paths.js';
import {joinEmbedded, openEmbedded, type EmbeddedOptions} from './embedded.js';
import {DataDirInUse} from './lock.js';
import {migrate, migrationState, readMigrations} from './migrate.js';
import {endTimeout} from './faults.js';
import {guardTransactions} from './transaction.js';
import {SchemaNotCurrent} from '../errors.js';
import type {Database, Sql} from './types.js';

/** host:port/database of a URL, never its password. */
export function describeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
		return `${host}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
	} catch {
		return 'the configured server';
	}
}

/** Turns a connection failure into one line an operator can act on. */
export function connectionFailure(error: unknown, where: string): DatabaseUnavailable {
	const code = (error as {code?: string}).code;
	const reasons: Record<string, string> = {
		ECONNREFUSED: 'connection refused',
		ENOTFOUND: 'host not found',
		EAI_AGAIN: 'host name lookup failed',
		ETIMEDOUT: 'connection timed out',
		CONNECT_TIMEOUT: 'connection timed out',
		ECONNRESET: 'connection reset',
		EHOSTUNREACH: 'host unreachable',
		ENETUNREACH: 'network unreachable',
		'28P01': 'password authentication failed',
		'28000': 'authentication rejected',
		'3D000': 'database does not exist',
		'57P03': 'the server is starting up',
	};
	const reason = (code && reasons[code]) ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
	return new DatabaseUnavailable(`Can't reach PostgreSQL at ${where}: ${reason}`, {
		hint: 'check DATABASE_URL and that the server is running',
		cause: error,
	});
}

export interface OpenOptions extends EmbeddedOptions {
	/**
	 * apply: run pending migrations (the embedded default migrates itself);
	 * require: refuse to work on a schema that is behind, changed or ahead (a shared server is
	 * migrated deliberately with `eval752 migrate`); report: leave it to the caller (`doctor`);
	 * defer: touch nothing, not even on the embedded database — `restore` migrates inside its
	 * own transaction, so a refused restore leaves no tables behind.
	 */
	readonly migrations?: 'apply' | 'require' | 'report' | 'defer';
	/** Pool size on a server; the embedded database always has exactly one connection. */
	readonly max?: number;
	/** Told which migrations this open applied (the keyed audit chain is sealed right after its migration). */
	readonly onMigrated?: (applied: readonly string[]) => void;
	/**
	 * Server only: how long a statement may wait for a lock (default 10 s) and run at all
	 * (default 30 s) before the server cancels it and its transaction rolls back. Edits lock the
	 * row they change (SELECT … FOR UPDATE), so a session that holds that row — another
	 * operator's open transaction, a stuck script — ends in a clean "another session holds a
	 * lock" error instead of a frozen screen. PGlite is one session and has no such waits.
	 */
	readonly lockTimeoutMs?: number;
	readonly statementTimeoutMs?: number;
	/** Embedded: told once when this process waits for another eval752 that holds the database. */
	readonly onWait?: (message: string) => void;
}

/**
 * How long a holder may take to start serving the others (a first start runs initdb, which takes
 * half a minute on a loaded machine). A holder that has had the lock longer without a socket is
 * one that does not share it (`status`, `backup`, an older eval752): its lock is what to report.
 */
const HOLDER_START_MS = 60_000;
const WAIT_STEP_MS = 150;

/**
 * The embedded database: opened here when nobody holds it; reached through the holder's socket
 * when a dashboard or `watch` of this user has it open; waited for while its holder is still
 * starting or is a short command that does not share it, until the holder's lock is a minute old.
 * Then the DataDirInUse error says who holds it.
 */
async function openOrJoinEmbedded(paths: DataPaths, options: OpenOptions): Promise<Database> {
	let told = false;
	for (;;) {
		try {
			return await openEmbedded(paths, options);
		} catch (error) {
			if (!(error instanceof DataDirInUse)) throw error;
			const joined = await joinEmbedded(paths, error.pid);
			if (joined) return joined;
			const heldMs = error.since ? Date.now() - error.since.getTime() : Infinity;
			if (error.pid === process.pid || heldMs >= HOLDER_START_MS) {
				throw new DataDirInUse(paths.pgdata, error.pid, undefined, error.since, 'it does not share it');
			}
			if (!told) {
				told = true;
				options.onWait?.(`The embedded database is held by pid ${error.pid}; waiting for it to share it or finish (up to ${Math.ceil((HOLDER_START_MS - heldMs) / 1000)} s)…`);
			}
			await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
		}
	}
}

export async function openServer(url: string, options: OpenOptions = {}): Promise<Database> {
	const where = describeUrl(url);
	const lost = new Set<() => void>();
	let closed = false;
	let connectionsLost = 0;
	const sql = guardTransactions(postgres(url, {
		max: options.max ?? 4,
		connect_timeout: 8,
		// No idle timeout: a connection that closes is then always news (the dashboard shows it).
		idle_timeout: 0,
		onclose: () => {
			if (closed) return;
			connectionsLost++;
			log.warn('database connection closed', {where});
			for (const listener of lost) listener();
		},
		onnotice: (notice) => log.info('database notice', {message: notice.message}),
		connection: {
			application_name: 'eval752',
			// A stuck lock or query becomes a clean error and a rollback, never a frozen screen.
			statement_timeout: options.statementTimeoutMs ?? 30_000,
			lock_timeout: options.lockTimeoutMs ?? 10_000,
			idle_in_transaction_session_timeout: 60_000,
		},
	}) as unknown as Sql);
	try {
		await sql`select 1`;
	} catch (error) {
		closed = true;
		await sql.end({timeout: 1}).catch(() => undefined);
		throw connectionFailure(error, where);
	}
	const changes = createChangeFeed(sql);
	return {
		sql,
		kind: 'server',
		location: where,
		changes,
		onConnectionLost(listener) {
			lost.add(listener);
			return () => {
				lost.delete(listener);
			};
		},
		async close() {
			if (closed) return;
			closed = true;
			await changes.stop();
			await sql.end({timeout: endTimeout(connectionsLost)}).catch(() => undefined);
		},
	};
}

/** The configured database, migrated. */
export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Database> {
	const db = config.databaseUrl ? await openServer(config.databaseUrl, options) : await openOrJoinEmbedded(config.paths, options);
	// The embedded database is this process's own: it migrates itself, unless the caller
	// migrates in a transaction of its own. Reached through its holder, it is the holder's to migrate.
	const mode = options.migrations === 'defer' ? 'defer' : db.heldBy !== undefined ? 'require' : db.kind === 'embedded' ? 'apply' : (options.migrations ?? 'require');
	try {
		// Not `onMigrated?.(await migrate(…))`: optional chaining would skip the migration itself when no one listens.
		if (mode === 'apply') {
			// Nearly every start finds nothing to apply: a read-only look (two statements) decides
			// whether the locked migration transaction (six) runs at all. migrate() looks again
			// under its lock, and refuses a changed or unknown migration with the precise message.
			const files = readMigrations();
			const state = await migrationState(db.sql, files);
			const behind = state.pending.length > 0 || state.changed.length > 0 || state.unknown.length > 0;
			const {applied} = behind ? await migrate(db.sql, files) : {applied: []};
			options.onMigrated?.(applied);
		}
		if (mode === 'require') await requireCurrentSchema(db);
	} catch (error) {
		await db.close();
		throw error;
	}
	return db;
}

async function requireCurrentSchema(db: Database): Promise<void> {
	const state = await migrationState(db.sql);
	if (state.changed.length > 0 || state.unknown.length > 0) {
		// migrate() refuses with the precise message.
		await migrate(db.sql);
	}
	if (state.pending.length > 0) {
		const count = `${state.pending.length} migration${state.pending.length === 1 ? '' : 's'} (${state.pending.join(', ')})`;
		if (db.heldBy !== undefined) {
			throw new SchemaNotCurrent(`The embedded database held by pid ${db.heldBy} (an older eval752) needs ${count}`, {
				hint: `close the eval752 with pid ${db.heldBy}, then run this again: it migrates the database itself`,
			});
		}
		throw new SchemaNotCurrent(`The database at ${db.location} needs ${count}`, {
			hint: 'run eval752 migrate (once, by whoever upgrades eval752 for the team)',
		});
	}
}

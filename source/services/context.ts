import type {KeyRing} from '../crypto/keyring.js';
import {chainIdOf, formatAnchor} from '../domain/audit-anchor.js';
import type {AuditHead} from '../domain/audit-hash.js';
import {isConnectionLost} from '../db/faults.js';
import {notifyChange} from '../db/repositories/changes.js';
import {appendAudit, auditFirstHash, auditRowExists, type AppendOptions, type AuditEntry, type StoredAuditRow} from '../db/repositories/audit.js';
import type {Change, Database, Sql, Tx} from '../db/types.js';

export type {Database} from '../db/types.js';
import {isUserError, UserError} from '../errors.js';
import {log} from '../log.js';
import {DatabaseFault, userErrorFor} from './faults.js';

/**
 * The state of the encryption key for this process:
 * - ok: a key ring that the canary accepted;
 * - missing: no ENCRYPTION_KEY (shared server) — anything that touches secrets is refused;
 * - wrong: the canary says another key wrote the data — every write is refused (fail closed).
 */
export type KeyState =
	| {readonly status: 'ok'; readonly ring: KeyRing}
	| {readonly status: 'missing'; readonly message: string}
	| {readonly status: 'wrong'; readonly message: string; readonly ring: KeyRing; readonly hint?: string};

/** What to do about a wrong key when the check has nothing more precise to say. */
export const WRONG_KEY_HINT = 'set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS';

/** The one piece of advice for a key state that is not ok (the message states only the facts). */
export function keyHint(keys: Exclude<KeyState, {status: 'ok'}>): string {
	if (keys.status === 'missing') return 'set ENCRYPTION_KEY (the key this database was set up with); eval752 keygen makes a new one for a new database';
	return keys.hint ?? WRONG_KEY_HINT;
}

export interface ServiceContext {
	readonly db: Database;
	readonly actor: string;
	readonly keys: KeyState;
	/** Set by --read-only: every mutation is refused. */
	readonly readOnly: boolean;
}

export class ReadOnlyError extends UserError {
	constructor() {
		super('eval752 is read-only in this session; nothing was changed', {hint: 'start it without --read-only to make changes'});
	}
}

/** The key ring, or the reason there is none as an error an operator can act on. */
export function requireRing(ctx: ServiceContext): KeyRing {
	if (ctx.keys.status === 'ok') return ctx.keys.ring;
	throw new UserError(ctx.keys.message, {hint: keyHint(ctx.keys)});
}

/**
 * Every change is refused without a usable key: its audit row must be signed with the audit key
 * derived from ENCRYPTION_KEY, and an unsigned row would be indistinguishable from one forged
 * by whoever can reach the database. Reading (lists, status, audit verify) needs no key.
 */
export function assertWritable(ctx: ServiceContext): KeyRing {
	if (ctx.readOnly) throw new ReadOnlyError();
	if (ctx.keys.status === 'wrong') throw new UserError(ctx.keys.message, {hint: keyHint(ctx.keys)});
	if (ctx.keys.status === 'missing') {
		throw new UserError('ENCRYPTION_KEY is not set; every change is signed into the audit log with a key derived from it, so nothing was changed', {
			hint: 'set ENCRYPTION_KEY (the key this database was set up with); eval752 keygen makes a new one for a new database',
		});
	}
	return ctx.keys.ring;
}

export interface MutationResult<T> {
	readonly value: T;
	/** The audit row the change signs; null only where the row was written before (a comparison's results, audited when it started). */
	readonly audit: AuditEntry | null;
	readonly changes: readonly Change[];
}

/**
 * Every this many appends (seq 100, 200, …) the process that wrote the row logs the head as an
 * anchor line (`audit anchor` format) to its log file: a trail outside the database that
 * `audit verify --anchor <log file>` checks. A round number keeps the log small and makes the
 * lines easy to find; `eval752 audit anchor` gives one on demand.
 */
export const AUDIT_ANCHOR_EVERY = 100;

/**
 * The one way to change data: the change, exactly one signed audit row, the head moved to it
 * and a NOTIFY commit together or not at all. Inside `work`, use only `tx` — PGlite is a single
 * session and a query on the outer pool while a transaction is open deadlocks it (the rule holds
 * on a server too). In-process listeners hear about the change after the commit.
 *
 * Faults: a database fault (lock or statement timeout, serialization failure, full disk, lost
 * connection) rolls the transaction back and becomes a DatabaseFault that says nothing was
 * changed. A write is never retried here. When the connection is lost after the audit row was
 * written — at or just before COMMIT — nobody knows whether the server committed, so the state
 * is read back first (RELIABILITY case 30): the audit row it wrote (seq and its keyed hash) is
 * either in the log, and the change is committed and reported as done, or it is not, and the
 * caller hears that nothing was changed. Only when even that re-read fails does the error say
 * "unknown" and tell the operator how to check before running it again.
 */
export async function mutate<T>(ctx: ServiceContext, work: (tx: Tx) => Promise<MutationResult<T>>, options: AppendOptions = {}): Promise<T> {
	const ring = assertWritable(ctx);
	let written: {outcome: MutationResult<T>; audit: StoredAuditRow; head: AuditHead} | undefined;
	let unaudited = false;
	let result: {outcome: MutationResult<T>; head: AuditHead | null};
	try {
		result = await ctx.db.sql.begin(async (tx) => {
			const outcome = await work(tx);
			let head: AuditHead | null = null;
			if (outcome.audit) {
				const appended = await appendAudit(tx, ring, ctx.actor, outcome.audit, options);
				written = {outcome, audit: appended.row, head: appended.head};
				head = appended.head;
			} else unaudited = true;
			for (const change of outcome.changes) {
				await notifyChange(tx, change);
			}
			return {outcome, head};
		});
	} catch (error) {
		if (!isConnectionLost(error)) throw userErrorFor(error, {rolledBack: true}) ?? error;
		if (unaudited) {
			// No audit row of its own to look for: whether the server committed is not knowable here.
			throw new DatabaseFault('connection-lost', 'The connection to the database is lost while a change is being committed; whether it was saved is unknown', 'check the state (eval752 runs list shows stored runs) before running it again', error);
		}
		if (!written) throw userErrorFor(error, {rolledBack: true})!;
		const {audit} = written as {audit: StoredAuditRow};
		const committed = await auditRowCommitted(ctx, audit);
		if (committed === false) throw userErrorFor(error, {rolledBack: true})!;
		if (committed === undefined) {
			throw new DatabaseFault(
				'connection-lost',
				`The connection to the database is lost while the change (${audit.action}) is being committed; whether it was saved is unknown`,
				`check eval752 audit tail for a ${audit.action} row at seq ${audit.seq} before running it again`,
				error,
			);
		}
		log.warn('connection lost during commit; the audit log shows the change committed', {action: audit.action, seq: audit.seq});
		result = {outcome: (written as {outcome: MutationResult<T>}).outcome, head: (written as {head: AuditHead}).head};
	}
	for (const change of result.outcome.changes) ctx.db.changes.publish(change);
	if (result.head && result.head.seq % AUDIT_ANCHOR_EVERY === 0) await logAnchor(ctx, result.head);
	return result.outcome.value;
}

/** Writes the head as an anchor line to the log file; best-effort (the change has committed). */
async function logAnchor(ctx: ServiceContext, head: AuditHead): Promise<void> {
	try {
		const first = await auditFirstHash(ctx.db.sql);
		if (!first || !head.at) return;
		log.info('audit anchor', {anchor: formatAnchor({chain: chainIdOf(first), seq: head.seq, rows: head.rows, hash: head.rowHash.toString('hex'), at: head.at.toISOString()})});
	} catch (error) {
		log.warn('audit anchor not logged', {error: error instanceof Error ? error.message.split('\n')[0] : String(error)});
	}
}

/** true: committed; false: not; undefined: the database can't be reached to tell. */
async function auditRowCommitted(ctx: ServiceContext, row: StoredAuditRow): Promise<boolean | undefined> {
	try {
		return await read(ctx, (sql) => auditRowExists(sql, row.seq, row.rowHash));
	} catch (error) {
		if (isUserError(error) || isConnectionLost(error)) return undefined;
		throw error;
	}
}

/**
 * A read that survives one lost connection: postgres.js opens a new connection for the next
 * query, so a read cut off by a server restart or pg_terminate_backend is run once more. A read
 * changes nothing, so running it twice is safe — unlike a write, which `mutate` never retries.
 * A second loss is reported as a DatabaseFault (the connection is lost — run it again).
 */
export async function read<T>(ctx: ServiceContext, work: (sql: Sql) => Promise<T>): Promise<T> {
	try {
		return await work(ctx.db.sql);
	} catch (error) {
		if (!isConnectionLost(error)) throw error;
		log.info('a read lost its database connection; running it once more', {code: String((error as {code?: unknown}).code)});
	}
	try {
		return await work(ctx.db.sql);
	} catch (error) {
		if (isConnectionLost(error)) throw userErrorFor(error)!;
		throw error;
	}
}

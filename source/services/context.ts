import type {KeyRing} from '../crypto/keyring.js';
import {CHANGES_CHANNEL} from '../db/changes.js';
import {isConnectionLost} from '../db/faults.js';
import {appendAudit, auditRowExists, type AuditEntry, type StoredAuditRow} from '../db/repositories/audit.js';
import type {Change, Database, Sql, Tx} from '../db/types.js';
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
	| {readonly status: 'wrong'; readonly message: string; readonly ring: KeyRing};

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
	throw new UserError(ctx.keys.message, {
		hint: ctx.keys.status === 'missing' ? 'set ENCRYPTION_KEY (the key this database was set up with); eval752 keygen makes a new one for a new database' : 'set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS',
	});
}

export function assertWritable(ctx: ServiceContext): void {
	if (ctx.readOnly) throw new ReadOnlyError();
	if (ctx.keys.status === 'wrong') throw new UserError(ctx.keys.message, {hint: 'set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS'});
}

export interface MutationResult<T> {
	readonly value: T;
	readonly audit: AuditEntry;
	readonly changes: readonly Change[];
}

/**
 * The one way to change data: the change, exactly one audit row and a NOTIFY commit together
 * or not at all. Inside `work`, use only `tx` — PGlite is a single session and a query on the
 * outer pool while a transaction is open deadlocks it (the rule holds on a server too).
 * In-process listeners hear about the change after the commit.
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
export async function mutate<T>(ctx: ServiceContext, work: (tx: Tx) => Promise<MutationResult<T>>): Promise<T> {
	assertWritable(ctx);
	let written: {outcome: MutationResult<T>; audit: StoredAuditRow} | undefined;
	let result: MutationResult<T>;
	try {
		result = await ctx.db.sql.begin(async (tx) => {
			const outcome = await work(tx);
			const audit = await appendAudit(tx, ctx.actor, outcome.audit);
			written = {outcome, audit};
			for (const change of outcome.changes) {
				await tx`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(change)})`;
			}
			return outcome;
		});
	} catch (error) {
		if (!isConnectionLost(error)) throw userErrorFor(error, {rolledBack: true}) ?? error;
		if (!written) throw userErrorFor(error, {rolledBack: true})!;
		const committed = await auditRowCommitted(ctx, written.audit);
		if (committed === false) throw userErrorFor(error, {rolledBack: true})!;
		if (committed === undefined) {
			throw new DatabaseFault(
				'connection-lost',
				`The connection to the database is lost while the change (${written.audit.action}) is being committed; whether it was saved is unknown`,
				`check eval752 audit tail for a ${written.audit.action} row at seq ${written.audit.seq} before running it again`,
				error,
			);
		}
		log.warn('connection lost during commit; the audit log shows the change committed', {action: written.audit.action, seq: written.audit.seq});
		result = written.outcome;
	}
	for (const change of result.changes) ctx.db.changes.publish(change);
	return result.value;
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

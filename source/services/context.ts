import type {KeyRing} from '../crypto/keyring.js';
import {appendAudit, type AuditEntry} from '../db/repositories/audit.js';
import {CHANGES_CHANNEL} from '../db/changes.js';
import type {Change, Database, Tx} from '../db/types.js';
import {UserError} from '../errors.js';

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
 */
export async function mutate<T>(ctx: ServiceContext, work: (tx: Tx) => Promise<MutationResult<T>>): Promise<T> {
	assertWritable(ctx);
	const result = await ctx.db.sql.begin(async (tx) => {
		const outcome = await work(tx);
		await appendAudit(tx, ctx.actor, outcome.audit);
		for (const change of outcome.changes) {
			await tx`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(change)})`;
		}
		return outcome;
	});
	for (const change of result.changes) ctx.db.changes.publish(change);
	return result.value;
}

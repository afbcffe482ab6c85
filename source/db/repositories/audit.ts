import * as z from 'zod';
import {GENESIS_HASH, headMessage, keyedRowMessage, normaliseDetails, sameMac, type AuditHead, type AuditKeys, type AuditRow} from '../../domain/audit-hash.js';
import {UserError} from '../../errors.js';
import {sanitizeText} from '../../lib/sanitize.js';
import type {Queryable, Tx} from '../types.js';

/** Serialises appends so the chain stays linear (no forks) under concurrent writers. */
export const AUDIT_LOCK = 7_520_002;

export interface AuditEntry {
	readonly action: string;
	readonly targetType: string;
	readonly targetId: string | null;
	readonly details: Record<string, unknown>;
}

export interface StoredAuditRow extends AuditRow {
	readonly prevHash: Buffer;
	readonly rowHash: Buffer;
}

const seqSchema = z.union([z.string(), z.number(), z.bigint()]).transform((value) => Number(value));

const rowSchema = z.object({
	seq: seqSchema,
	at: z.date(),
	actor: z.string(),
	action: z.string(),
	target_type: z.string(),
	target_id: z.string().nullable(),
	details: z.unknown(),
	prev_hash: z.instanceof(Buffer),
	row_hash: z.instanceof(Buffer),
	key_id: z.string().nullable(),
});

function toRow(raw: unknown): StoredAuditRow {
	const row = rowSchema.parse(raw);
	return {
		seq: row.seq,
		at: row.at,
		actor: row.actor,
		action: row.action,
		targetType: row.target_type,
		targetId: row.target_id,
		details: row.details,
		keyId: row.key_id,
		prevHash: row.prev_hash,
		rowHash: row.row_hash,
	};
}

const headSchema = z.object({
	seq: seqSchema,
	rows: seqSchema,
	row_hash: z.instanceof(Buffer),
	at: z.date().nullable(),
	keyed_from: seqSchema.nullable(),
	key_id: z.string().nullable(),
	mac: z.instanceof(Buffer).nullable(),
});

/**
 * The head record, or undefined when it (or its table, on an unmigrated database) is missing.
 * `forUpdate` (appends) locks it and skips the table check: a write runs on a migrated schema,
 * and every append saves the round trip.
 */
export async function readHead(sql: Queryable, options: {forUpdate?: boolean} = {}): Promise<AuditHead | undefined> {
	if (!options.forUpdate) {
		const [exists] = await sql<{ready: boolean}[]>`select to_regclass('audit_head') is not null as ready`;
		if (!exists?.ready) return undefined;
	}
	const [raw] = options.forUpdate
		? await sql`select seq, rows, row_hash, at, keyed_from, key_id, mac from audit_head where id for update`
		: await sql`select seq, rows, row_hash, at, keyed_from, key_id, mac from audit_head where id`;
	if (!raw) return undefined;
	const head = headSchema.parse(raw);
	return {seq: head.seq, rows: head.rows, rowHash: head.row_hash, at: head.at, keyedFrom: head.keyed_from, keyId: head.key_id, mac: head.mac};
}

/** The last row's seq and hash (seq 0 and the genesis hash while the log is empty). */
export async function auditTailPosition(sql: Queryable): Promise<{seq: number; rowHash: Buffer}> {
	const [last] = await sql<{seq: string; row_hash: Buffer}[]>`select seq::text as seq, row_hash from audit_log order by audit_log.seq desc limit 1`; // audit_log.seq: the alias is text, and "9" > "10"
	return last ? {seq: Number(last.seq), rowHash: last.row_hash} : {seq: 0, rowHash: GENESIS_HASH};
}

/** Takes the append lock for the rest of the transaction (appends, and a checkpoint computing its digest). */
export async function lockAuditChain(tx: Tx): Promise<void> {
	await tx`select pg_advisory_xact_lock(${AUDIT_LOCK})`;
}

const REFUSED = 'nothing was changed';
const INVESTIGATE = 'run eval752 audit verify, and see "The audit log" in the README before going on';

export interface AppendOptions {
	/**
	 * Append even though rows written before keyed hashing are not vouched for yet. Only the
	 * process that has just applied the keyed-chain migration, and `rekey`, pass it: an unsigned
	 * head with rows behind it is otherwise what an owner who rewrote the log without the key
	 * would leave, and the next change must not sign that over.
	 */
	readonly sealUnkeyed?: boolean;
}

export interface Appended {
	readonly row: StoredAuditRow;
	readonly head: AuditHead;
}

/**
 * Appends one signed row to the chain inside the caller's transaction (the change and its audit
 * commit together) and moves the head to it. Refuses — and so rolls the change back — when the
 * tail is not where the signed head says: the log was cut or the head rolled back behind
 * eval752's back, and extending it would hide that.
 */
export async function appendAudit(tx: Tx, keys: AuditKeys, actor: string, entry: AuditEntry, options: AppendOptions = {}): Promise<Appended> {
	await lockAuditChain(tx);
	const head = await readHead(tx, {forUpdate: true});
	if (!head) throw new UserError(`The audit log has no head record; ${REFUSED}`, {hint: INVESTIGATE});
	const last = await auditTailPosition(tx);
	if (head.seq !== last.seq || !head.rowHash.equals(last.rowHash)) {
		const where = head.seq > last.seq ? `rows ${last.seq + 1}–${head.seq} are missing` : head.seq < last.seq ? `rows go on to seq ${last.seq}` : `row ${last.seq} is not the row it recorded`;
		throw new UserError(`The audit log does not match its head record (the head is at seq ${head.seq}, ${where}); ${REFUSED}`, {hint: INVESTIGATE});
	}
	if (head.mac === null || head.keyId === null) {
		if (head.seq > 0 && !options.sealUnkeyed) {
			throw new UserError(`The ${head.seq} audit rows written before keyed hashing are not sealed yet; ${REFUSED}`, {
				hint: 'run eval752 rekey once with ENCRYPTION_KEY set (it seals them and says so); see "The audit log" in the README',
			});
		}
	} else {
		const expected = keys.auditMac(head.keyId, headMessage(head));
		if (!expected) {
			throw new UserError(`The audit head record is signed with key id ${sanitizeText(head.keyId)}, which is not configured; ${REFUSED}`, {hint: 'add that key to ENCRYPTION_KEY_PREVIOUS'});
		}
		if (!sameMac(expected, head.mac)) throw new UserError(`The audit head record does not match its MAC: it was altered; ${REFUSED}`, {hint: INVESTIGATE});
	}

	const seq = last.seq + 1;
	const prevHash = last.rowHash;
	// Millisecond precision: what comes back from timestamptz must hash the same.
	const at = new Date(Math.floor(Date.now()));
	const details = normaliseDetails(entry.details) as Record<string, unknown>;
	const keyId = keys.currentId;
	const row = {seq, at, actor, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, details, keyId};
	const rowHash = keys.auditMac(keyId, keyedRowMessage(prevHash, row));
	if (!rowHash) throw new Error('the current key has no audit key');
	await tx`
		insert into audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, row_hash, key_id)
		values (${seq}, ${at}, ${actor}, ${entry.action}, ${entry.targetType}, ${entry.targetId}, ${tx.json(details as never)}, ${prevHash}, ${rowHash}, ${keyId})`;
	const unsigned = {seq, rows: head.rows + 1, rowHash, at, keyedFrom: head.keyedFrom ?? seq, keyId};
	const mac = keys.auditMac(keyId, headMessage(unsigned))!;
	await tx`
		update audit_head
		set seq = ${seq}, rows = ${unsigned.rows}, row_hash = ${rowHash}, at = ${at}, keyed_from = ${unsigned.keyedFrom}, key_id = ${keyId}, mac = ${mac}
		where id`;
	return {row: {...row, prevHash, rowHash}, head: {...unsigned, mac}};
}

/** Whether this exact row (seq and keyed hash) is in the log: how a write whose COMMIT went unanswered learns its fate. */
export async function auditRowExists(sql: Queryable, seq: number, rowHash: Buffer): Promise<boolean> {
	const rows = await sql`select 1 from audit_log where seq = ${seq} and row_hash = ${rowHash}`;
	return rows.length > 0;
}

/** The latest audit rows about one row (by target type and id), newest first. */
export async function auditRowsOfTarget(sql: Queryable, targetType: string, targetId: string, limit: number): Promise<StoredAuditRow[]> {
	const rows = await sql`
		select * from audit_log where target_type = ${targetType} and target_id = ${targetId}
		order by seq desc limit ${limit}`;
	return rows.map(toRow);
}

export async function auditTail(sql: Queryable, limit: number): Promise<StoredAuditRow[]> {
	const rows = await sql`select * from audit_log order by seq desc limit ${limit}`;
	return rows.map(toRow).reverse();
}

export async function auditPage(sql: Queryable, afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
	const rows = await sql`select * from audit_log where seq > ${afterSeq} order by seq limit ${limit}`;
	return rows.map(toRow);
}

export async function auditCount(sql: Queryable): Promise<number> {
	const [row] = await sql<{n: number}[]>`select count(*)::int as n from audit_log`;
	return row!.n;
}

/** The seq of a row with this hash, if any (how verify tells a moved row from an edited one). */
export async function auditSeqByHash(sql: Queryable, rowHash: Buffer): Promise<number | undefined> {
	const [row] = await sql<{seq: string}[]>`select seq::text as seq from audit_log where row_hash = ${rowHash} order by audit_log.seq limit 1`;
	return row ? Number(row.seq) : undefined;
}

/** row_hash of each of the given seqs that exists. */
export async function auditHashesAt(sql: Queryable, seqs: readonly number[]): Promise<Map<number, Buffer>> {
	const found = new Map<number, Buffer>();
	for (let i = 0; i < seqs.length; i += 1000) {
		const chunk = seqs.slice(i, i + 1000).map(String);
		const rows = await sql<{seq: string; row_hash: Buffer}[]>`select seq::text as seq, row_hash from audit_log where seq = any(${chunk}::bigint[])`;
		for (const row of rows) found.set(Number(row.seq), row.row_hash);
	}
	return found;
}

/** Row 1's hash (the chain id is taken from it), or undefined while the log is empty. */
export async function auditFirstHash(sql: Queryable): Promise<Buffer | undefined> {
	const [row] = await sql<{row_hash: Buffer}[]>`select row_hash from audit_log where seq = 1`;
	return row?.row_hash;
}

export interface AuditSearch {
	/** Only rows older than this seq (the next page of a newest-first listing). */
	readonly beforeSeq?: number;
	readonly limit: number;
	/** Every word must appear (case-insensitive) in the actor, action, target or the name the row records. */
	readonly words?: readonly string[];
}

/** Newest first, a page at a time, narrowed by words: the dashboard's audit view and its filter. */
export async function auditSearch(sql: Queryable, search: AuditSearch): Promise<StoredAuditRow[]> {
	const haystack = sql`lower(actor || ' ' || action || ' ' || target_type || ' ' || coalesce(target_id, '') || ' ' || coalesce(details->>'name', '') || ' ' || coalesce(details->>'provider', '') || ' ' || coalesce(details->>'model', '') || ' ' || coalesce(details->>'alias', ''))`;
	const patterns = (search.words ?? []).map((word) => `%${word.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
	const rows = await sql`
		select * from audit_log
		where ${search.beforeSeq === undefined ? sql`true` : sql`seq < ${search.beforeSeq}`}
		${patterns.length > 0 ? sql`and ${haystack} like all(${patterns}::text[])` : sql``}
		order by seq desc limit ${search.limit}`;
	return rows.map(toRow);
}

/** One row by seq. */
export async function auditRowAt(sql: Queryable, seq: number): Promise<StoredAuditRow | undefined> {
	const [row] = await sql`select * from audit_log where seq = ${seq}`;
	return row ? toRow(row) : undefined;
}

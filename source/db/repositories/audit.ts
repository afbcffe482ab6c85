import {z} from 'zod';
import {auditRowHash, GENESIS_HASH, normaliseDetails, type AuditRow} from '../../domain/audit-hash.js';
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

const rowSchema = z.object({
	seq: z.union([z.string(), z.number(), z.bigint()]).transform((value) => Number(value)),
	at: z.date(),
	actor: z.string(),
	action: z.string(),
	target_type: z.string(),
	target_id: z.string().nullable(),
	details: z.unknown(),
	prev_hash: z.instanceof(Buffer),
	row_hash: z.instanceof(Buffer),
});

function toRow(raw: unknown): StoredAuditRow {
	const row = rowSchema.parse(raw);
	return {seq: row.seq, at: row.at, actor: row.actor, action: row.action, targetType: row.target_type, targetId: row.target_id, details: row.details, prevHash: row.prev_hash, rowHash: row.row_hash};
}

/** Appends one row to the chain inside the caller's transaction (the change and its audit commit together). */
export async function appendAudit(tx: Tx, actor: string, entry: AuditEntry): Promise<StoredAuditRow> {
	await tx`select pg_advisory_xact_lock(${AUDIT_LOCK})`;
	const [last] = await tx<{seq: string; row_hash: Buffer}[]>`select seq::text as seq, row_hash from audit_log order by audit_log.seq desc limit 1`;
	const seq = last ? Number(last.seq) + 1 : 1;
	const prevHash = last ? last.row_hash : GENESIS_HASH;
	// Millisecond precision: what comes back from timestamptz must hash the same.
	const at = new Date(Math.floor(Date.now()));
	const details = normaliseDetails(entry.details) as Record<string, unknown>;
	const row: AuditRow = {seq, at, actor, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, details};
	const rowHash = auditRowHash(prevHash, row);
	await tx`
		insert into audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, row_hash)
		values (${seq}, ${at}, ${actor}, ${entry.action}, ${entry.targetType}, ${entry.targetId}, ${tx.json(details as never)}, ${prevHash}, ${rowHash})`;
	return {...row, prevHash, rowHash};
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

export type ChainResult = {ok: true; rows: number} | {ok: false; rows: number; brokenSeq: number; reason: string};

/**
 * Walks the chain in seq order: seq must run 1, 2, 3…, each prev_hash must be the previous
 * row_hash, and each row_hash must match the row's content. Reports the first broken seq.
 */
export async function verifyChain(sql: Queryable, pageSize = 1000): Promise<ChainResult> {
	let prev: Buffer = GENESIS_HASH;
	let expected = 1;
	let rows = 0;
	for (;;) {
		const page = await auditPage(sql, expected - 1, pageSize);
		if (page.length === 0) break;
		for (const row of page) {
			rows++;
			if (row.seq !== expected) return {ok: false, rows, brokenSeq: expected, reason: `row ${expected} is missing (next is ${row.seq})`};
			if (!row.prevHash.equals(prev)) return {ok: false, rows, brokenSeq: row.seq, reason: `row ${row.seq} does not follow row ${row.seq - 1}`};
			if (!auditRowHash(prev, row).equals(row.rowHash)) return {ok: false, rows, brokenSeq: row.seq, reason: `row ${row.seq} was altered after it was written`};
			prev = row.rowHash;
			expected++;
		}
	}
	return {ok: true, rows};
}

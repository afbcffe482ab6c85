import {createHash, timingSafeEqual} from 'node:crypto';

/**
 * The bytes the audit chain hashes and signs. Rows written before keyed hashing (key_id null)
 * carry `row_hash = sha256(prev_hash ‖ canonical row)`; every later row carries
 * `row_hash = HMAC(audit key of key_id, "eval752 audit row v1" ‖ prev_hash ‖ canonical row with
 * its key id)`, and the head record a MAC over its own fields. The HMAC itself is computed by
 * the key ring (crypto/), which alone holds key material: this module only says what is signed.
 */

/**
 * The keys the chain is signed with, as the audit code sees them (the key ring implements it):
 * the current key id signs, any configured key id verifies.
 */
export interface AuditKeys {
	readonly currentId: string;
	/** HMAC-SHA256 under the audit key of `keyId`; undefined when that key is not configured. */
	auditMac(keyId: string, message: Buffer): Buffer | undefined;
}

/** Compares two MACs in constant time (false when the lengths differ). */
export function sameMac(a: Buffer, b: Buffer): boolean {
	return a.length === b.length && timingSafeEqual(a, b);
}

/** The chain starts from 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

export interface AuditRow {
	readonly seq: number;
	readonly at: Date;
	readonly actor: string;
	readonly action: string;
	readonly targetType: string;
	readonly targetId: string | null;
	readonly details: unknown;
	/** The key id whose audit key signed the row; null for a row written before keyed hashing. */
	readonly keyId: string | null;
}

/** Keys sorted at every depth, so jsonb's own key order never changes the hash. */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
	if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
	const entries = Object.entries(value as Record<string, unknown>)
		.filter(([, item]) => item !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

function rowFields(row: AuditRow): Record<string, unknown> {
	return {
		seq: String(row.seq),
		at: row.at.toISOString(),
		actor: row.actor,
		action: row.action,
		target_type: row.targetType,
		target_id: row.targetId,
		details: row.details,
	};
}

/** row_hash of a row written before keyed hashing: sha256(prev_hash ‖ canonical row). Anyone can recompute it. */
export function unkeyedRowHash(prevHash: Buffer, row: AuditRow): Buffer {
	return createHash('sha256').update(prevHash).update(canonicalJson(rowFields(row)), 'utf8').digest();
}

const ROW_DOMAIN = Buffer.from('eval752 audit row v1\n', 'utf8');
const HEAD_DOMAIN = Buffer.from('eval752 audit head v1\n', 'utf8');

/** What the audit key signs for a keyed row: its predecessor's hash and its content, key id included. */
export function keyedRowMessage(prevHash: Buffer, row: AuditRow & {readonly keyId: string}): Buffer {
	return Buffer.concat([ROW_DOMAIN, prevHash, Buffer.from(canonicalJson({...rowFields(row), key_id: row.keyId}), 'utf8')]);
}

/**
 * The head record: the last seq, its hash, the row count and where keyed hashing starts, kept
 * in the same transaction as every append. Its MAC makes a cut tail visible: deleting the last
 * rows leaves a head that points past the end, and a head can't be rewritten without the key.
 */
export interface AuditHead {
	readonly seq: number;
	readonly rows: number;
	readonly rowHash: Buffer;
	/** Time of the last row (null while the log is empty). */
	readonly at: Date | null;
	/** First keyed seq; null while no keyed row has been written (the head is unsigned then). */
	readonly keyedFrom: number | null;
	readonly keyId: string | null;
	readonly mac: Buffer | null;
}

export function headMessage(head: Omit<AuditHead, 'mac'>): Buffer {
	return Buffer.concat([
		HEAD_DOMAIN,
		Buffer.from(
			canonicalJson({
				seq: String(head.seq),
				rows: String(head.rows),
				hash: head.rowHash.toString('hex'),
				at: head.at ? head.at.toISOString() : null,
				keyed_from: head.keyedFrom === null ? null : String(head.keyedFrom),
				key_id: head.keyId,
			}),
			'utf8',
		),
	]);
}

/**
 * One step of a checkpoint digest: a plain SHA-256 chain over every stored field of every row
 * (key id, prev_hash and row_hash included). `rekey` records the digest of rows 1…n in a row
 * signed by the new key, after verifying those rows with the old one; with only the new key
 * configured, verify recomputes the digest and so still proves the old rows unchanged.
 */
export function checkpointStep(digest: Buffer, row: AuditRow & {readonly prevHash: Buffer; readonly rowHash: Buffer}): Buffer {
	const fields = {...rowFields(row), key_id: row.keyId, prev_hash: row.prevHash.toString('hex'), row_hash: row.rowHash.toString('hex')};
	return createHash('sha256').update(digest).update(canonicalJson(fields), 'utf8').digest();
}

/**
 * jsonb refuses NUL characters and stores only JSON values: make details safe and stable
 * before they are hashed and stored (what is hashed must be what comes back).
 */
export function normaliseDetails(value: unknown): unknown {
	if (typeof value === 'string') return value.replace(/\u0000/g, '');
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (value === null || typeof value === 'boolean') return value;
	if (value instanceof Date) return value.toISOString();
	if (Array.isArray(value)) return value.map((item) => normaliseDetails(item ?? null));
	if (typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
			if (item !== undefined) out[key.replace(/\u0000/g, '')] = normaliseDetails(item);
		}
		return out;
	}
	return null;
}

/** Written by `rekey`: proves rows under a key that may later be dropped (details: through, digest, keyIds). */
export const AUDIT_CHECKPOINT_ACTION = 'audit.checkpoint';
/** Written once, when keyed hashing starts after rows written without it (details: unkeyedRows, unkeyedHead). */
export const AUDIT_SEAL_ACTION = 'audit.seal';

import {lastValidationSchema, type KeyStatus, type KeySummary, type LastValidation} from '../../domain/key.js';
import type {Queryable, Tx} from '../types.js';
import {isUniqueViolation} from './providers.js';

/**
 * The non-secret columns of `provider_keys`. Nothing here selects ciphertext or fingerprint:
 * lists and status read the stored display hint (the key store owns the encrypted columns).
 */

const SUMMARY_COLUMNS = ['id', 'provider_id', 'label', 'display_hint', 'status', 'priority', 'version', 'created_at', 'updated_at', 'updated_by', 'disabled_at', 'last_validated_at', 'last_validation'] as const;

export type KeyRow = KeySummary & {updatedBy: string | null};

/**
 * Mapped by hand: the columns' types are the database's promise (status has a check constraint).
 * Only the stored validation result, free-form jsonb, is checked — and read as "never validated"
 * when malformed rather than breaking the list.
 */
function toKey(raw: unknown): KeyRow {
	const row = raw as Record<string, unknown>;
	const stored = row['last_validation'];
	let lastValidation: LastValidation | null = null;
	if (stored !== null && stored !== undefined) {
		const parsed = lastValidationSchema.safeParse(stored);
		lastValidation = parsed.success ? parsed.data : null;
	}
	return {
		id: row['id'] as string,
		providerId: row['provider_id'] as string,
		label: row['label'] as string,
		displayHint: row['display_hint'] as string,
		status: row['status'] as KeyStatus,
		priority: row['priority'] as number,
		version: row['version'] as number,
		createdAt: row['created_at'] as Date,
		updatedAt: row['updated_at'] as Date,
		updatedBy: (row['updated_by'] as string | null) ?? null,
		disabledAt: (row['disabled_at'] as Date | null) ?? null,
		lastValidatedAt: (row['last_validated_at'] as Date | null) ?? null,
		lastValidation,
	};
}

/** Thrown when the fingerprint index refuses a second copy of a secret (a race past the pre-check). */
export class DuplicateSecret extends Error {}

/** Active first, then by priority (lower first), then oldest first. */
export async function keysOfProvider(sql: Queryable, providerId: string): Promise<KeyRow[]> {
	const rows = await sql`
		select ${sql(SUMMARY_COLUMNS)} from provider_keys where provider_id = ${providerId}
		order by (status = 'active') desc, priority, created_at, id`;
	return rows.map(toKey);
}

export async function keyById(sql: Queryable, id: string, options: {lock?: boolean} = {}): Promise<KeyRow | undefined> {
	const rows = options.lock
		? await sql`select ${sql(SUMMARY_COLUMNS)} from provider_keys where id = ${id} for update`
		: await sql`select ${sql(SUMMARY_COLUMNS)} from provider_keys where id = ${id}`;
	return rows[0] ? toKey(rows[0]) : undefined;
}

/** Keys whose id starts with `prefix` (lowercase hex and dashes only; checked by the caller). At most `limit`. */
export async function keysByIdPrefix(sql: Queryable, prefix: string, limit = 5): Promise<KeyRow[]> {
	const rows = await sql`select ${sql(SUMMARY_COLUMNS)} from provider_keys where id::text like ${prefix + '%'} order by created_at limit ${limit}`;
	return rows.map(toKey);
}

export interface NewKeyRow {
	readonly id: string;
	readonly providerId: string;
	readonly label: string;
	readonly status: KeyStatus;
	readonly priority: number;
	readonly sealed: {readonly ciphertext: string; readonly keyId: string; readonly fingerprint: Buffer; readonly displayHint: string};
}

export async function insertKey(tx: Tx, key: NewKeyRow, actor: string): Promise<KeyRow> {
	try {
		const [row] = await tx`
			insert into provider_keys (id, provider_id, label, ciphertext, key_id, fingerprint, display_hint, status, priority, updated_by, disabled_at)
			values (${key.id}, ${key.providerId}, ${key.label}, ${key.sealed.ciphertext}, ${key.sealed.keyId}, ${key.sealed.fingerprint},
				${key.sealed.displayHint}, ${key.status}, ${key.priority}, ${actor}, ${key.status === 'disabled' ? tx`now()` : null})
			returning ${tx(SUMMARY_COLUMNS)}`;
		return toKey(row);
	} catch (error) {
		if (isUniqueViolation(error, 'provider_keys_fingerprint')) throw new DuplicateSecret('fingerprint already stored');
		throw error;
	}
}

export async function updateKeyStatus(tx: Tx, id: string, expectedVersion: number, status: KeyStatus, actor: string): Promise<KeyRow | undefined> {
	const [row] = await tx`
		update provider_keys set
			status = ${status},
			disabled_at = ${status === 'disabled' ? tx`coalesce(disabled_at, now())` : null},
			version = version + 1, updated_at = now(), updated_by = ${actor}
		where id = ${id} and version = ${expectedVersion}
		returning ${tx(SUMMARY_COLUMNS)}`;
	return row ? toKey(row) : undefined;
}

export async function updateKeyPriority(tx: Tx, id: string, expectedVersion: number, priority: number, actor: string): Promise<KeyRow | undefined> {
	const [row] = await tx`
		update provider_keys set priority = ${priority}, version = version + 1, updated_at = now(), updated_by = ${actor}
		where id = ${id} and version = ${expectedVersion}
		returning ${tx(SUMMARY_COLUMNS)}`;
	return row ? toKey(row) : undefined;
}

/** The optimistic update of the editable fields; undefined when the version moved on. */
export async function updateKeyFields(tx: Tx, id: string, expectedVersion: number, fields: {label: string; priority: number; status: KeyStatus}, actor: string): Promise<KeyRow | undefined> {
	const [row] = await tx`
		update provider_keys set
			label = ${fields.label}, priority = ${fields.priority}, status = ${fields.status},
			disabled_at = ${fields.status === 'disabled' ? tx`coalesce(disabled_at, now())` : null},
			version = version + 1, updated_at = now(), updated_by = ${actor}
		where id = ${id} and version = ${expectedVersion}
		returning ${tx(SUMMARY_COLUMNS)}`;
	return row ? toKey(row) : undefined;
}

export async function deleteKeyRow(tx: Tx, id: string): Promise<boolean> {
	const rows = await tx`delete from provider_keys where id = ${id} returning id`;
	return rows.length > 0;
}

/**
 * The outcome of a smoke test with this key. Not an operator edit: the version stays, so a
 * smoke test never turns someone's open priority edit into a conflict.
 */
export async function writeValidation(sql: Queryable, id: string, validation: LastValidation): Promise<boolean> {
	const rows = await sql`
		update provider_keys set last_validated_at = ${new Date(validation.at)}, last_validation = ${sql.json(validation as never)}
		where id = ${id} returning id`;
	return rows.length > 0;
}

/** The key a call uses: the first active one by priority, then age. */
export async function firstActiveKey(sql: Queryable, providerId: string): Promise<KeyRow | undefined> {
	const [row] = await sql`
		select ${sql(SUMMARY_COLUMNS)} from provider_keys where provider_id = ${providerId} and status = 'active'
		order by priority, created_at, id limit 1`;
	return row ? toKey(row) : undefined;
}

/**
 * Where a secret with one of these fingerprints is stored: one query per configured key, so a
 * handful at most. Not one `any(${buffers}::bytea[])` query: that fails ("cannot cast type bytea
 * to bytea[]") because postgres.js sends an array of Buffers as one bytea.
 */
export async function keyLocationByFingerprints(sql: Queryable, fingerprints: readonly Buffer[]): Promise<{id: string; providerName: string; label: string} | undefined> {
	for (const fingerprint of fingerprints) {
		const [row] = await sql<{id: string; name: string; label: string}[]>`
			select k.id, p.name, k.label from provider_keys k join providers p on p.id = k.provider_id
			where k.fingerprint = ${fingerprint}
			limit 1`;
		if (row) return {id: row.id, providerName: row.name, label: row.label};
	}
	return undefined;
}

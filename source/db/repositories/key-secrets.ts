import type {Queryable} from '../types.js';

/**
 * The encrypted columns of provider_keys: only the key store reads and writes these. A row's key
 * id is the one its envelope names (`v1:<key_id>:…`, see crypto/envelope.ts) — that is the key
 * that decrypts it. The `key_id` column copies it for indexes and counts and is fixed by rekey
 * when the two disagree (a row relabelled by hand, a restore of edited data).
 */
export interface SecretRow {
	readonly id: string;
	readonly providerId: string;
	readonly ciphertext: string;
	/** The `key_id` column. */
	readonly keyId: string;
	/** The key id the envelope names ('' when the value is not an envelope at all). */
	readonly envelopeKeyId: string;
}

type Raw = {id: string; provider_id: string; ciphertext: string; key_id: string; envelope_key_id: string};

function toSecretRow(row: Raw): SecretRow {
	return {id: row.id, providerId: row.provider_id, ciphertext: row.ciphertext, keyId: row.key_id, envelopeKeyId: row.envelope_key_id};
}

export async function secretRow(sql: Queryable, id: string): Promise<SecretRow | undefined> {
	const [row] = await sql<Raw[]>`
		select id, provider_id, ciphertext, key_id, split_part(ciphertext, ':', 2) as envelope_key_id
		from provider_keys where id = ${id}`;
	return row ? toSecretRow(row) : undefined;
}

/**
 * Rows not yet under `keyId` — by their envelope — and rows whose column disagrees with their
 * envelope, oldest first, locked so two rekeys never rewrite one row twice.
 */
export async function secretRowsNotUnder(sql: Queryable, keyId: string, limit: number): Promise<SecretRow[]> {
	const rows = await sql<Raw[]>`
		select id, provider_id, ciphertext, key_id, split_part(ciphertext, ':', 2) as envelope_key_id
		from provider_keys
		where split_part(ciphertext, ':', 2) <> ${keyId} or key_id <> ${keyId}
		order by created_at, id
		limit ${limit}
		for update skip locked`;
	return rows.map(toSecretRow);
}

export async function updateSecret(sql: Queryable, id: string, sealed: {ciphertext: string; keyId: string; fingerprint: Buffer}): Promise<void> {
	await sql`update provider_keys set ciphertext = ${sealed.ciphertext}, key_id = ${sealed.keyId}, fingerprint = ${sealed.fingerprint} where id = ${id}`;
}

export async function allSecretRows(sql: Queryable): Promise<SecretRow[]> {
	const rows = await sql<Raw[]>`
		select id, provider_id, ciphertext, key_id, split_part(ciphertext, ':', 2) as envelope_key_id
		from provider_keys order by created_at, id`;
	return rows.map(toSecretRow);
}

/** Rows whose `key_id` column names another key than their envelope. */
export async function keyIdMismatches(sql: Queryable): Promise<{id: string; column: string; envelope: string}[]> {
	const rows = await sql<{id: string; key_id: string; envelope_key_id: string}[]>`
		select id, key_id, split_part(ciphertext, ':', 2) as envelope_key_id
		from provider_keys where key_id <> split_part(ciphertext, ':', 2)
		order by created_at, id`;
	return rows.map((row) => ({id: row.id, column: row.key_id, envelope: row.envelope_key_id}));
}

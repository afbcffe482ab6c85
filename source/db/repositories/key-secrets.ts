import type {Queryable} from '../types.js';

/** The encrypted columns of provider_keys: only the key store reads and writes these. */
export interface SecretRow {
	readonly id: string;
	readonly providerId: string;
	readonly ciphertext: string;
	readonly keyId: string;
}

export async function secretRow(sql: Queryable, id: string): Promise<SecretRow | undefined> {
	const [row] = await sql<{id: string; provider_id: string; ciphertext: string; key_id: string}[]>`
		select id, provider_id, ciphertext, key_id from provider_keys where id = ${id}`;
	return row ? {id: row.id, providerId: row.provider_id, ciphertext: row.ciphertext, keyId: row.key_id} : undefined;
}

/** Rows not yet under `keyId`, oldest first, locked so two rekeys never rewrite one row twice. */
export async function secretRowsNotUnder(sql: Queryable, keyId: string, limit: number): Promise<SecretRow[]> {
	const rows = await sql<{id: string; provider_id: string; ciphertext: string; key_id: string}[]>`
		select id, provider_id, ciphertext, key_id from provider_keys
		where key_id <> ${keyId}
		order by created_at, id
		limit ${limit}
		for update skip locked`;
	return rows.map((row) => ({id: row.id, providerId: row.provider_id, ciphertext: row.ciphertext, keyId: row.key_id}));
}

export async function updateSecret(sql: Queryable, id: string, sealed: {ciphertext: string; keyId: string; fingerprint: Buffer}): Promise<void> {
	await sql`update provider_keys set ciphertext = ${sealed.ciphertext}, key_id = ${sealed.keyId}, fingerprint = ${sealed.fingerprint} where id = ${id}`;
}

export async function allSecretRows(sql: Queryable): Promise<SecretRow[]> {
	const rows = await sql<{id: string; provider_id: string; ciphertext: string; key_id: string}[]>`
		select id, provider_id, ciphertext, key_id from provider_keys order by created_at, id`;
	return rows.map((row) => ({id: row.id, providerId: row.provider_id, ciphertext: row.ciphertext, keyId: row.key_id}));
}

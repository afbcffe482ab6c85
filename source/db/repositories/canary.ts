import type {Queryable} from '../types.js';

export interface CanaryRow {
	readonly keyId: string;
	readonly ciphertext: string;
}

/** False on a server that has not been migrated yet: nothing can have been written there. */
export async function canaryTableExists(sql: Queryable): Promise<boolean> {
	const [row] = await sql<{ready: boolean}[]>`select to_regclass('encryption_canary') is not null as ready`;
	return row?.ready ?? false;
}

export async function listCanaries(sql: Queryable): Promise<CanaryRow[]> {
	const rows = await sql<{key_id: string; ciphertext: string}[]>`select key_id, ciphertext from encryption_canary order by created_at`;
	return rows.map((row) => ({keyId: row.key_id, ciphertext: row.ciphertext}));
}

export async function insertCanary(sql: Queryable, row: CanaryRow): Promise<void> {
	await sql`insert into encryption_canary (key_id, ciphertext) values (${row.keyId}, ${row.ciphertext}) on conflict (key_id) do nothing`;
}

/** Removes every canary but `keyId`'s (a rekey that finished); returns the key ids removed. */
export async function deleteCanariesExcept(sql: Queryable, keyId: string): Promise<string[]> {
	const rows = await sql<{key_id: string}[]>`delete from encryption_canary where key_id <> ${keyId} returning key_id`;
	return rows.map((row) => row.key_id).sort();
}

/**
 * Key ids that encrypted provider secrets, with row counts (doctor, rekey, the start-up check),
 * as the envelopes name them (`v1:<key_id>:…`): the envelope says which key decrypts a row, the
 * `key_id` column is only an index and can be relabelled behind our back. A value that is not an
 * envelope at all counts under ''.
 */
export async function secretCountsByKeyId(sql: Queryable): Promise<{keyId: string; rows: number}[]> {
	const rows = await sql<{key_id: string; n: number}[]>`
		select split_part(ciphertext, ':', 2) as key_id, count(*)::int as n from provider_keys
		group by 1 order by 1`;
	return rows.map((row) => ({keyId: row.key_id, rows: row.n}));
}

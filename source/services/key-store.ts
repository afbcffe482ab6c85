import {displayHint, type KeyRing} from '../crypto/index.js';
import {secretRow, updateSecret, type SecretRow} from '../db/repositories/key-secrets.js';
import type {Queryable, Tx} from '../db/types.js';
import {NotFoundError} from '../errors.js';
import {ensureCanary} from './canary.js';

/**
 * The key store: the only place plaintext secrets meet the database. Secrets go in as
 * ciphertext (bound to their row id), come out only for a provider call, and are never
 * returned by list or status paths (those read `display_hint`).
 */
export interface SealedSecret {
	readonly ciphertext: string;
	readonly keyId: string;
	readonly fingerprint: Buffer;
	readonly displayHint: string;
}

export async function sealSecret(tx: Tx, ring: KeyRing, rowId: string, plaintext: string): Promise<SealedSecret> {
	await ensureCanary(tx, ring);
	return {
		ciphertext: ring.encrypt('provider_keys.secret', rowId, plaintext),
		keyId: ring.currentId,
		fingerprint: ring.fingerprint(plaintext),
		displayHint: displayHint(plaintext),
	};
}

/** Plaintext for one provider call. Throws DecryptFailed naming only the row and key id. */
export function openSecret(ring: KeyRing, row: Pick<SecretRow, 'id' | 'ciphertext'>): string {
	return ring.decrypt('provider_keys.secret', row.id, row.ciphertext).plaintext;
}

export async function decryptKeyRow(sql: Queryable, ring: KeyRing, id: string): Promise<string> {
	const row = await secretRow(sql, id);
	if (!row) throw new NotFoundError(`Key ${id} does not exist`);
	return openSecret(ring, row);
}

/** Re-encrypts one row under the current key (rekey): same plaintext, new ciphertext and fingerprint. */
export async function reencryptRow(tx: Tx, ring: KeyRing, row: SecretRow): Promise<void> {
	const plaintext = openSecret(ring, row);
	await ensureCanary(tx, ring);
	await updateSecret(tx, row.id, {ciphertext: ring.encrypt('provider_keys.secret', row.id, plaintext), keyId: ring.currentId, fingerprint: ring.fingerprint(plaintext)});
}

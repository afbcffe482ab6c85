import {CANARY_PLAINTEXT, DecryptFailed, type KeyRing} from '../crypto/index.js';
import {canaryTableExists, insertCanary, listCanaries, secretCountsByKeyId} from '../db/repositories/canary.js';
import type {Queryable, Tx} from '../db/types.js';
import type {KeyState} from './context.js';

function wrongKey(ring: KeyRing, writer: string): string {
	// Facts only: every place that shows it adds the one piece of advice (hint, banner), never twice.
	return `ENCRYPTION_KEY (key id ${ring.currentId}) did not write this data (key id ${writer})`;
}

/**
 * Start-up check: proves the configured key is the one that wrote the data, before anything
 * is written. A new current key is accepted when a previous key (ENCRYPTION_KEY_PREVIOUS) wrote
 * the data — that is a master-key rotation in progress.
 */
export async function checkKey(sql: Queryable, ring: KeyRing | undefined): Promise<KeyState> {
	if (!ring) {
		return {status: 'missing', message: 'ENCRYPTION_KEY is not set; anything that touches API keys needs it'};
	}
	// An unmigrated server (doctor reports that): nothing can have been written yet.
	if (!(await canaryTableExists(sql))) return {status: 'ok', ring};
	const canaries = await listCanaries(sql);
	const own = canaries.find((canary) => canary.keyId === ring.currentId);
	if (own) {
		try {
			if (ring.decrypt('encryption_canary', own.keyId, own.ciphertext).plaintext === CANARY_PLAINTEXT) return {status: 'ok', ring};
		} catch (error) {
			if (!(error instanceof DecryptFailed)) throw error;
		}
		return {status: 'wrong', ring, message: `The encryption canary for key id ${own.keyId} does not decrypt; the stored canary is damaged or forged`};
	}
	const known = canaries.find((canary) => ring.has(canary.keyId));
	if (known) {
		try {
			ring.decrypt('encryption_canary', known.keyId, known.ciphertext);
			return {status: 'ok', ring};
		} catch (error) {
			if (!(error instanceof DecryptFailed)) throw error;
			return {status: 'wrong', ring, message: wrongKey(ring, known.keyId)};
		}
	}
	if (canaries.length > 0) return {status: 'wrong', ring, message: wrongKey(ring, canaries[0]!.keyId)};
	// No canary yet: only secrets written without one (never by eval752) could disagree.
	const foreign = (await secretCountsByKeyId(sql)).find((entry) => !ring.has(entry.keyId));
	if (foreign) return {status: 'wrong', ring, message: wrongKey(ring, foreign.keyId)};
	return {status: 'ok', ring};
}

/** Written with the first secret a key encrypts (inside that write's transaction). */
export async function ensureCanary(tx: Tx, ring: KeyRing): Promise<void> {
	await insertCanary(tx, {keyId: ring.currentId, ciphertext: ring.encrypt('encryption_canary', ring.currentId, CANARY_PLAINTEXT)});
}

import {CANARY_PLAINTEXT, DecryptFailed, type KeyRing} from '../crypto/index.js';
import {KEY_ID_PATTERN} from '../crypto/envelope.js';
import {headMessage, sameMac} from '../domain/audit-hash.js';
import {readHead} from '../db/repositories/audit.js';
import {canaryTableExists, deleteCanariesExcept, insertCanary, listCanaries, secretCountsByKeyId} from '../db/repositories/canary.js';
import type {Queryable, Tx} from '../db/types.js';
import {sanitizeText} from '../lib/sanitize.js';
import type {KeyState} from './context.js';

function wrongKey(ring: KeyRing, writer: string): string {
	// Facts only: every place that shows it adds the one piece of advice (hint, banner), never twice.
	return `ENCRYPTION_KEY (key id ${ring.currentId}) did not write this data (key id ${writer})`;
}

function retiredKey(ring: KeyRing, now: string): string {
	return `ENCRYPTION_KEY (key id ${ring.currentId}) is retired: the data is now under key id ${now} (eval752 rekey moved it there)`;
}

/**
 * Start-up check: proves the configured keys are the ones the data needs, before anything is
 * written. A new current key is accepted while a previous key (ENCRYPTION_KEY_PREVIOUS) still
 * holds data — that is a master-key rotation in progress. Three proofs, each required where
 * there is something to prove it on:
 *
 * 1. the canary of a configured key decrypts (a wrong key fails at once, naming both key ids);
 * 2. every stored secret is under a configured key (by the key id its envelope names): after
 *    `rekey` A→B, starting with A alone is refused as "retired", although A's canary may be
 *    there still (a rekey of an older eval752 left it);
 * 3. the audit head is signed by a configured key and its MAC matches: a database that never
 *    stored a secret is still bound, from its first change, to the key that signed its log.
 *
 * A database with none of these (new, or never changed) accepts any key: there is nothing to
 * protect yet, and its first write binds it.
 */
export async function checkKey(sql: Queryable, ring: KeyRing | undefined): Promise<KeyState> {
	if (!ring) {
		return {status: 'missing', message: 'ENCRYPTION_KEY is not set; anything that touches API keys needs it'};
	}
	// An unmigrated server (doctor reports that): nothing can have been written yet.
	if (!(await canaryTableExists(sql))) return {status: 'ok', ring};
	// The message states the facts; the advice, when the check knows better than the general one, is the hint.
	const wrong = (message: string, hint?: string): KeyState => ({status: 'wrong', ring, message, ...(hint ? {hint} : {})});

	const canaries = await listCanaries(sql);
	const own = canaries.find((canary) => canary.keyId === ring.currentId);
	const proven = own ?? canaries.find((canary) => ring.has(canary.keyId));
	if (proven) {
		let plaintext: string | undefined;
		try {
			plaintext = ring.decrypt('encryption_canary', proven.keyId, proven.ciphertext).plaintext;
		} catch (error) {
			if (!(error instanceof DecryptFailed)) throw error;
		}
		if (plaintext !== CANARY_PLAINTEXT) {
			return wrong(own ? `The encryption canary for key id ${own.keyId} does not decrypt; the stored canary is damaged or forged` : wrongKey(ring, proven.keyId));
		}
	} else if (canaries.length > 0) return wrong(wrongKey(ring, canaries[0]!.keyId));

	// Key ids as envelopes name them (a value that is no envelope at all is a damaged row: doctor names it).
	const counts = (await secretCountsByKeyId(sql)).filter((entry) => KEY_ID_PATTERN.test(entry.keyId));
	const head = await readHead(sql);
	const signed = head && head.mac !== null && head.keyId !== null ? head : undefined;
	// The current key holds data already: what else is missing is a previous key, not a wrong current one.
	const currentInUse = counts.some((entry) => entry.keyId === ring.currentId) || signed?.keyId === ring.currentId;
	const missingKey = (keyId: string, what: string): KeyState =>
		currentInUse
			? wrong(
					`${what} under key id ${keyId}, which is not configured: a master-key rotation is unfinished`,
					'configure that key too (as ENCRYPTION_KEY if it is the new key, in ENCRYPTION_KEY_PREVIOUS if it is an old one), then run eval752 rekey',
				)
			: own
				? wrong(retiredKey(ring, keyId), `set ENCRYPTION_KEY to the key with id ${keyId}`)
				: wrong(wrongKey(ring, keyId));
	const foreign = counts.find((entry) => !ring.has(entry.keyId));
	if (foreign) return missingKey(foreign.keyId, `${foreign.rows} stored secret${foreign.rows === 1 ? ' is' : 's are'}`);

	if (signed) {
		const shown = sanitizeText(signed.keyId!);
		const expected = ring.auditMac(signed.keyId!, headMessage(signed));
		if (!expected) return missingKey(shown, 'The audit log is signed');
		if (!sameMac(expected, signed.mac!)) {
			return wrong(`The audit head record does not match its MAC under key id ${shown}: it was altered, or this is not the key that signed it`, 'run eval752 audit verify');
		}
	}
	return {status: 'ok', ring};
}

/** Written with the first secret a key encrypts (inside that write's transaction). */
export async function ensureCanary(tx: Tx, ring: KeyRing): Promise<void> {
	await insertCanary(tx, {keyId: ring.currentId, ciphertext: ring.encrypt('encryption_canary', ring.currentId, CANARY_PLAINTEXT)});
}

/**
 * After a finished `rekey`: the current key's canary is there, and every other one is gone — a
 * retired key's canary would otherwise keep "proving" that key. Inside the caller's transaction;
 * returns the key ids removed.
 */
export async function retireCanaries(tx: Tx, ring: KeyRing): Promise<string[]> {
	await ensureCanary(tx, ring);
	return deleteCanariesExcept(tx, ring.currentId);
}

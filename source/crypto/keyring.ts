import {createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, type Hmac} from 'node:crypto';
import {inspect} from 'node:util';
import {
	DecryptFailed,
	NONCE_BYTES,
	SECRET_PURPOSES,
	TAG_BYTES,
	associatedData,
	formatEnvelope,
	parseEnvelope,
	type SecretPurpose,
} from './envelope.js';
import {KEY_BYTES} from './key.js';

/**
 * Master keys and the key ring that encrypts and decrypts secrets with them.
 * Each master key is stretched by HKDF into independent subkeys (data key, key
 * id, fingerprint key, audit chain key) so the key id stored beside every ciphertext and the
 * fingerprints stored for duplicate detection reveal nothing about the data key.
 * The subkeys live only in a module-private WeakMap: no property of any object we
 * hand out holds key material, so logging, JSON-encoding or inspecting one can't
 * leak it.
 */

/** Written and checked at start-up under purpose 'encryption_canary' to prove the configured key is the right one. */
export const CANARY_PLAINTEXT = 'eval752 encryption canary v1';

const HKDF_SALT = 'eval752';
const INFO_DATA_KEY = 'eval752 data key v1';
const INFO_KEY_ID = 'eval752 key id v1';
const INFO_FINGERPRINT = 'eval752 fingerprint v1';
const INFO_AUDIT = 'eval752 audit chain v1';
const INFO_BACKUP_SEAL = 'eval752 backup seal v1';
const CIPHER = 'aes-256-gcm';

/** A derived master key as other modules see it: its id, and nothing that can print its bytes. */
export interface MasterKey {
	/** 16 lowercase hex characters derived from the key; stored in every envelope. */
	readonly id: string;
	toJSON(): {id: string};
	toString(): string;
}

interface Subkeys {
	readonly dataKey: Buffer;
	readonly fingerprintKey: Buffer;
	/** HMAC key of the audit chain and its head: a rewrite of the log needs it, not just the database. */
	readonly auditKey: Buffer;
	/** HMAC key of a backup file's seal: an edited backup is refused before anything is restored. */
	readonly backupKey: Buffer;
}

const subkeys = new WeakMap<MasterKey, Subkeys>();

function derive(raw: Buffer, info: string, length: number): Buffer {
	return Buffer.from(hkdfSync('sha256', raw, HKDF_SALT, info, length));
}

function secretsOf(key: MasterKey): Subkeys {
	const found = subkeys.get(key);
	// Only deriveMasterKey creates MasterKeys we accept; a look-alike object has no subkeys.
	if (!found) throw new Error(`master key ${key.id} was not created by deriveMasterKey`);
	return found;
}

/** Derives the subkeys and id of a 32-byte master key. The raw bytes are not kept. */
export function deriveMasterKey(raw: Buffer): MasterKey {
	if (!Buffer.isBuffer(raw) || raw.length !== KEY_BYTES) {
		throw new Error(`a master key must be ${KEY_BYTES} bytes`);
	}
	const id = derive(raw, INFO_KEY_ID, 8).toString('hex');
	const key: MasterKey = Object.freeze({
		id,
		toJSON: () => ({id}),
		toString: () => `MasterKey(${id})`,
		[inspect.custom]: () => `MasterKey(${id})`,
	});
	subkeys.set(key, {
		dataKey: derive(raw, INFO_DATA_KEY, 32),
		fingerprintKey: derive(raw, INFO_FINGERPRINT, 32),
		auditKey: derive(raw, INFO_AUDIT, 32),
		backupKey: derive(raw, INFO_BACKUP_SEAL, 32),
	});
	return key;
}

function assertPurpose(purpose: SecretPurpose): void {
	if (!SECRET_PURPOSES.includes(purpose)) throw new Error(`unknown secret purpose ${JSON.stringify(purpose)}`);
}

/**
 * The configured keys: the current one, which encrypts, and previous ones, which
 * only decrypt rows that `rekey` has not reached yet.
 */
export class KeyRing {
	readonly currentId: string;
	/** Current first, then previous keys in the order given, each id once. */
	readonly ids: readonly string[];
	readonly #current: MasterKey;
	readonly #keys: ReadonlyMap<string, MasterKey>;

	private constructor(current: MasterKey, keys: ReadonlyMap<string, MasterKey>) {
		this.#current = current;
		this.#keys = keys;
		this.currentId = current.id;
		this.ids = Object.freeze([...keys.keys()]);
	}

	/** Builds a ring from raw key bytes (as returned by parseEncryptionKey / parsePreviousKeys). */
	static from(current: Buffer, previous: Buffer[] = []): KeyRing {
		const currentKey = deriveMasterKey(current);
		const keys = new Map<string, MasterKey>([[currentKey.id, currentKey]]);
		for (const raw of previous) {
			const key = deriveMasterKey(raw);
			// The same key listed twice (or the current key left in PREVIOUS) is harmless; keep the first.
			if (!keys.has(key.id)) keys.set(key.id, key);
		}
		return new KeyRing(currentKey, keys);
	}

	has(keyId: string): boolean {
		return this.#keys.has(keyId);
	}

	/**
	 * Encrypts under the current key with a fresh random nonce and returns the
	 * envelope. The AAD binds purpose, row id and key id, so the result only
	 * decrypts for the same row, purpose and key.
	 */
	encrypt(purpose: SecretPurpose, rowId: string, plaintext: string): string {
		assertPurpose(purpose);
		if (typeof rowId !== 'string' || rowId === '') throw new Error('refusing to encrypt without a row id');
		if (typeof plaintext !== 'string' || plaintext === '') throw new Error('refusing to encrypt an empty secret');
		const data = Buffer.from(plaintext, 'utf8');
		// Lone surrogates would come back as U+FFFD: refuse rather than store something that doesn't round-trip.
		if (data.toString('utf8') !== plaintext) {
			data.fill(0);
			throw new Error('refusing to encrypt a secret that is not well-formed Unicode');
		}
		const keyId = this.#current.id;
		const nonce = randomBytes(NONCE_BYTES);
		const cipher = createCipheriv(CIPHER, secretsOf(this.#current).dataKey, nonce, {authTagLength: TAG_BYTES});
		cipher.setAAD(associatedData(purpose, rowId, keyId));
		const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
		data.fill(0);
		return formatEnvelope(keyId, nonce, ciphertext, cipher.getAuthTag());
	}

	/**
	 * Decrypts an envelope for the given purpose and row. Shape is checked before
	 * any cipher call; every failure is a `DecryptFailed` and no plaintext is
	 * returned unless the tag verified.
	 */
	decrypt(purpose: SecretPurpose, rowId: string, envelope: string): {plaintext: string; keyId: string} {
		const parsed = parseEnvelope(envelope, rowId);
		const key = this.#keys.get(parsed.keyId);
		if (!key) throw new DecryptFailed(rowId, parsed.keyId, 'unknown-key');
		let plain: Buffer | undefined;
		try {
			// authTagLength pins the tag at 16 bytes: without it Node 20 accepts a truncated tag.
			const decipher = createDecipheriv(CIPHER, secretsOf(key).dataKey, parsed.nonce, {authTagLength: TAG_BYTES});
			decipher.setAAD(associatedData(purpose, rowId, parsed.keyId));
			decipher.setAuthTag(parsed.tag);
			plain = decipher.update(parsed.ciphertext);
			// final() throws on a bad tag; until it returns, `plain` is unauthenticated and never leaves here.
			const rest = decipher.final();
			const plaintext = Buffer.concat([plain, rest]).toString('utf8');
			return {plaintext, keyId: parsed.keyId};
		} catch {
			// Whatever the cipher threw (bad tag, bad state, a bad purpose type), callers see one error class.
			throw new DecryptFailed(rowId, parsed.keyId, 'authentication');
		} finally {
			plain?.fill(0);
		}
	}

	/** HMAC-SHA256 of the secret under the current key's fingerprint key: finds the same key pasted twice without decrypting. */
	fingerprint(plaintext: string): Buffer {
		return fingerprintWith(this.#current, plaintext);
	}

	/** One fingerprint per configured key, current first, so a duplicate stored under a not-yet-rekeyed key is found too. */
	fingerprints(plaintext: string): Buffer[] {
		return [...this.#keys.values()].map((key) => fingerprintWith(key, plaintext));
	}

	/**
	 * HMAC-SHA256 of `message` under the audit subkey of the key with id `keyId`, or undefined
	 * when that key is not configured (the caller says which key id is needed). The audit chain
	 * signs with the current key and verifies with any configured one.
	 */
	auditMac(keyId: string, message: Buffer): Buffer | undefined {
		const key = this.#keys.get(keyId);
		if (!key) return undefined;
		return createHmac('sha256', secretsOf(key).auditKey).update(message).digest();
	}

	/**
	 * An HMAC-SHA256 under the backup-seal subkey of the key with id `keyId` (the current key when
	 * none is given), fed as a backup file is written or read; undefined when that key is not
	 * configured. The subkey is its own (`info` "eval752 backup seal v1"): a seal proves nothing
	 * about an audit row, nor the reverse.
	 */
	backupSeal(keyId: string = this.currentId): Hmac | undefined {
		const key = this.#keys.get(keyId);
		if (!key) return undefined;
		return createHmac('sha256', secretsOf(key).backupKey);
	}

	/** A printable summary: key ids only. */
	describe(): string {
		const previous = this.ids.slice(1);
		return `KeyRing(current ${this.currentId}${previous.length > 0 ? `; previous ${previous.join(', ')}` : ''})`;
	}

	toJSON(): {currentId: string; ids: readonly string[]} {
		return {currentId: this.currentId, ids: this.ids};
	}

	toString(): string {
		return this.describe();
	}

	[inspect.custom](): string {
		return this.describe();
	}
}

function fingerprintWith(key: MasterKey, plaintext: string): Buffer {
	return createHmac('sha256', secretsOf(key).fingerprintKey).update(plaintext, 'utf8').digest();
}

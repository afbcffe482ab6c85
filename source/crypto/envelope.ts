/**
 * The stored form of an encrypted secret: `v1:<key_id>:<base64url(nonce ‖ ciphertext ‖ tag)>`.
 * Parsing is strict and happens before any cipher is touched, so a truncated,
 * padded, relabelled or otherwise mangled value is refused on its shape alone and
 * every failure — shape, unknown key or authentication — surfaces as one
 * `DecryptFailed` that names the row and key id and nothing else.
 */

/**
 * What a ciphertext is for. It is bound into the AAD, so a secret encrypted for
 * one purpose can't be replayed as another (e.g. a provider key as the canary).
 */
export type SecretPurpose = 'provider_keys.secret' | 'encryption_canary';

export const SECRET_PURPOSES: readonly SecretPurpose[] = ['provider_keys.secret', 'encryption_canary'];

export const ENVELOPE_VERSION = 'v1';
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Nonce + tag + at least one byte: an empty plaintext is refused at encrypt, so a shorter body is never ours. */
export const MIN_BODY_BYTES = NONCE_BYTES + 1 + TAG_BYTES;

/** Key ids are 8 HKDF-derived bytes in lowercase hex. */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const BASE64URL_UNPADDED = /^[A-Za-z0-9_-]+$/;

export type DecryptFailedReason = 'malformed' | 'unknown-key' | 'authentication';

/**
 * The only error decrypt lets out. It carries the row id and key id so an
 * operator can act (restore the right key, re-enter the secret) and deliberately
 * nothing else: no plaintext, ciphertext, key material, and no `cause` from the
 * cipher, since this error is logged, audited and shown.
 */
export class DecryptFailed extends Error {
	readonly rowId: string;
	/** The key id named in the envelope, or '?' when the envelope does not name a well-formed one. */
	readonly keyId: string;
	readonly reason: DecryptFailedReason;

	constructor(rowId: string, keyId: string, reason: DecryptFailedReason) {
		const hint =
			reason === 'unknown-key'
				? '; no configured key has that id — set it in ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS'
				: '';
		super(`Can't decrypt the secret of row ${rowId} (key id ${keyId})${hint}`);
		this.name = 'DecryptFailed';
		this.rowId = rowId;
		this.keyId = keyId;
		this.reason = reason;
	}
}

export interface ParsedEnvelope {
	readonly version: 'v1';
	readonly keyId: string;
	readonly nonce: Buffer;
	readonly ciphertext: Buffer;
	readonly tag: Buffer;
}

/**
 * Splits an envelope into its parts, or throws `DecryptFailed` with reason
 * 'malformed'. Accepts exactly three `:`-separated segments, version `v1`, a
 * 16-lowercase-hex key id and an unpadded base64url body in its one canonical
 * spelling (Node's decoder would accept `+`, `/`, `=` and non-zero trailing bits)
 * of at least nonce + 1 byte + tag.
 */
export function parseEnvelope(envelope: string, rowId: string): ParsedEnvelope {
	// Typed as string, but it comes from a database column: null or a Buffer must not become a TypeError.
	if (typeof envelope !== 'string') throw new DecryptFailed(rowId, '?', 'malformed');
	const segments = envelope.split(':');
	const named = segments[1];
	// Only a well-formed id is repeated back; anything else might be a slice of the ciphertext.
	const keyId = named !== undefined && KEY_ID_PATTERN.test(named) ? named : '?';
	const malformed = (): DecryptFailed => new DecryptFailed(rowId, keyId, 'malformed');

	if (segments.length !== 3) throw malformed();
	const [version, , body] = segments;
	if (version !== ENVELOPE_VERSION || keyId === '?' || body === undefined) throw malformed();
	if (!BASE64URL_UNPADDED.test(body)) throw malformed();
	const bytes = Buffer.from(body, 'base64url');
	if (bytes.toString('base64url') !== body) throw malformed();
	if (bytes.length < MIN_BODY_BYTES) throw malformed();

	return {
		version: ENVELOPE_VERSION,
		keyId,
		nonce: bytes.subarray(0, NONCE_BYTES),
		ciphertext: bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES),
		tag: bytes.subarray(bytes.length - TAG_BYTES),
	};
}

/** The inverse of `parseEnvelope`; used by the key ring, which has already checked every part. */
export function formatEnvelope(keyId: string, nonce: Buffer, ciphertext: Buffer, tag: Buffer): string {
	return `${ENVELOPE_VERSION}:${keyId}:${Buffer.concat([nonce, ciphertext, tag]).toString('base64url')}`;
}

/** The additional authenticated data: binds a ciphertext to its purpose, row and key id. */
export function associatedData(purpose: SecretPurpose, rowId: string, keyId: string): Buffer {
	return Buffer.from(`eval752|${purpose}|${rowId}|${keyId}`, 'utf8');
}

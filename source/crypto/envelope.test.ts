import {createDecipheriv} from 'node:crypto';
import {beforeEach, describe, expect, it, vi} from 'vitest';
import {DecryptFailed, parseEnvelope} from './envelope.js';
import {KeyRing} from './keyring.js';

// Count cipher construction, so "refused before any cipher call" is observed rather than assumed.
vi.mock('node:crypto', async (importOriginal) => {
	const actual = await importOriginal<typeof import('node:crypto')>();
	return {...actual, createDecipheriv: vi.fn(actual.createDecipheriv)};
});
const decipherCalls = vi.mocked(createDecipheriv);

const RAW = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
/** Derived independently of our code (plain node:crypto) from RAW; never regenerate these. */
const KAT_ID = '420ad599b39b5078';
const KAT_ENVELOPE = 'v1:420ad599b39b5078:oKGio6SlpqeoqaqrPpOeh9VIr4hEG-EQaJZx_tqHeNatCsdBMdvDYTjgQGYcZ1iQD6ghWyY';
const KAT_PLAINTEXT = 'sk-test-known-answer-1234';
const ROW = 'row-kat';

const ring = KeyRing.from(RAW);
const BODY = KAT_ENVELOPE.split(':')[2]!;
const BYTES = Buffer.from(BODY, 'base64url');

function malformed(envelope: string, rowId = ROW): DecryptFailed {
	try {
		parseEnvelope(envelope, rowId);
	} catch (error) {
		expect(error).toBeInstanceOf(DecryptFailed);
		const failed = error as DecryptFailed;
		expect(failed.reason).toBe('malformed');
		return failed;
	}
	throw new Error('expected DecryptFailed, nothing was thrown');
}

beforeEach(() => {
	decipherCalls.mockClear();
});

describe('parseEnvelope', () => {
	it('splits a v1 envelope into key id, 12-byte nonce, ciphertext and 16-byte tag', () => {
		const parsed = parseEnvelope(KAT_ENVELOPE, ROW);
		expect(parsed.version).toBe('v1');
		expect(parsed.keyId).toBe(KAT_ID);
		expect(parsed.nonce.toString('hex')).toBe('a0a1a2a3a4a5a6a7a8a9aaab');
		expect(parsed.ciphertext.length).toBe(Buffer.byteLength(KAT_PLAINTEXT));
		expect(parsed.tag.equals(BYTES.subarray(BYTES.length - 16))).toBe(true);
		expect(decipherCalls).not.toHaveBeenCalled();
	});

	it('decrypts the known-answer envelope, proving the spy lets real decryption through', () => {
		expect(ring.currentId).toBe(KAT_ID);
		expect(ring.decrypt('provider_keys.secret', ROW, KAT_ENVELOPE)).toEqual({plaintext: KAT_PLAINTEXT, keyId: KAT_ID});
		expect(decipherCalls).toHaveBeenCalledTimes(1);
		// RELIABILITY 4: the tag length is pinned, so Node cannot accept a truncated tag.
		expect(decipherCalls.mock.calls[0]![3]).toEqual({authTagLength: 16});
	});
});

describe('malformed envelopes are refused before any cipher call (RELIABILITY 2, 6)', () => {
	const sloppyLast = (() => {
		// BODY's last character carries unused low bits; flipping one keeps Node's decoding identical.
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
		const last = BODY[BODY.length - 1]!;
		return BODY.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
	})();
	const cases: Array<[string, string, string]> = [
		['empty', '', '?'],
		['v1::', 'v1::', '?'],
		['only a version', 'v1', '?'],
		['no body', `v1:${KAT_ID}`, KAT_ID],
		['an empty body', `v1:${KAT_ID}:`, KAT_ID],
		['an unknown prefix', `enc:${KAT_ID}:${BODY}`, KAT_ID],
		['version v2', KAT_ENVELOPE.replace(/^v1:/, 'v2:'), KAT_ID],
		['version V1', KAT_ENVELOPE.replace(/^v1:/, 'V1:'), KAT_ID],
		['a leading space', ' ' + KAT_ENVELOPE, KAT_ID],
		['a trailing newline', KAT_ENVELOPE + '\n', KAT_ID],
		['an uppercase key id', `v1:${KAT_ID.toUpperCase()}:${BODY}`, '?'],
		['a 15-character key id', `v1:${KAT_ID.slice(1)}:${BODY}`, '?'],
		['a 17-character key id', `v1:${KAT_ID}0:${BODY}`, '?'],
		['base64 "+" in the body', `v1:${KAT_ID}:${BODY.replace(/-/g, '+')}`, KAT_ID],
		['base64 "/" in the body', `v1:${KAT_ID}:${BODY.replace(/_/g, '/')}`, KAT_ID],
		['a non-alphabet character', `v1:${KAT_ID}:${BODY.slice(0, 10)}!${BODY.slice(11)}`, KAT_ID],
		['padding', `v1:${KAT_ID}:${BODY}=`, KAT_ID],
		['a body whose length is 1 mod 4', `v1:${KAT_ID}:${BODY}A`.slice(0, 20 + 4 * 11 + 1), KAT_ID],
		['a non-canonical last character', `v1:${KAT_ID}:${sloppyLast}`, KAT_ID],
		['a body of nonce + tag only (28 bytes)', `v1:${KAT_ID}:${Buffer.alloc(28, 7).toString('base64url')}`, KAT_ID],
		['a body shorter than a nonce', `v1:${KAT_ID}:${Buffer.alloc(11, 7).toString('base64url')}`, KAT_ID],
		['an extra segment', `${KAT_ENVELOPE}:extra`, KAT_ID],
		['a trailing colon', `${KAT_ENVELOPE}:`, KAT_ID],
		['a colon inside the key id', `v1:420ad599:b39b5078:${BODY}`, '?'],
	];

	for (const [name, envelope, keyId] of cases) {
		it(`refuses ${name}`, () => {
			const parsed = malformed(envelope, 'row-7');
			expect(parsed.rowId).toBe('row-7');
			expect(parsed.keyId).toBe(keyId);
			expect(parsed.message).toBe(`Can't decrypt the secret of row row-7 (key id ${keyId})`);
			let thrown: unknown;
			try {
				ring.decrypt('provider_keys.secret', 'row-7', envelope);
			} catch (error) {
				thrown = error;
			}
			expect(thrown).toBeInstanceOf(DecryptFailed);
			expect((thrown as DecryptFailed).reason).toBe('malformed');
			expect(decipherCalls).not.toHaveBeenCalled();
		});
	}

	it('the non-canonical case is one Node alone would have accepted', () => {
		expect(sloppyLast).not.toBe(BODY);
		expect(Buffer.from(sloppyLast, 'base64url').equals(BYTES)).toBe(true);
	});

	it('refuses a value that is not a string (a NULL or bytea column) as malformed, not a TypeError', () => {
		for (const value of [null, undefined, 42, Buffer.from(KAT_ENVELOPE)]) {
			const failed = malformed(value as unknown as string);
			expect(failed.keyId).toBe('?');
		}
		expect(decipherCalls).not.toHaveBeenCalled();
	});
});

describe('DecryptFailed', () => {
	it('names row and key id and, for an unknown key, where to configure it', () => {
		const error = new DecryptFailed('9b2e', '0123456789abcdef', 'unknown-key');
		expect(error.message).toBe(
			"Can't decrypt the secret of row 9b2e (key id 0123456789abcdef); no configured key has that id — set it in ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS",
		);
		expect(error.name).toBe('DecryptFailed');
		expect(error).toBeInstanceOf(Error);
		expect(new DecryptFailed('9b2e', '0123456789abcdef', 'authentication').message).toBe(
			"Can't decrypt the secret of row 9b2e (key id 0123456789abcdef)",
		);
		expect(error.cause).toBeUndefined();
	});
});

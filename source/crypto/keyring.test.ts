import {createHmac, hkdfSync} from 'node:crypto';
import {inspect} from 'node:util';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {DecryptFailed, parseEnvelope, type SecretPurpose} from './envelope.js';
import {CANARY_PLAINTEXT, KeyRing, deriveMasterKey} from './keyring.js';

const RAW_A = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const RAW_B = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
const RAW_C = Buffer.from('5555555555555555aaaaaaaaaaaaaaaa5555555555555555aaaaaaaaaaaaaaaa', 'hex');
/** Computed with plain node:crypto from RAW_A, independently of this module: they pin the format. */
const A_ID = '420ad599b39b5078';
const KAT_PLAINTEXT = 'sk-test-known-answer-1234';
const KAT_FINGERPRINT = '2e96f2d2b5b9e9bb9316179a0dd0b7fb73d1d786fe13cc5de64ccabd690e2424';

const SECRET = 'sk-proj-Zx8Qv2Lm9Np4Rt7Wy1Bc5Df3Gh6Jk0a1b2';
const PURPOSE: SecretPurpose = 'provider_keys.secret';
const ROW = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const OTHER_ROW = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';

const ringA = KeyRing.from(RAW_A);
const ringAB = KeyRing.from(RAW_A, [RAW_B]);
const B_ID = KeyRing.from(RAW_B).currentId;

function subkey(raw: Buffer, info: string, length: number): Buffer {
	return Buffer.from(hkdfSync('sha256', raw, 'eval752', info, length));
}

/** Runs decrypt, which must fail, and returns the DecryptFailed. */
function failure(ring: KeyRing, envelope: string, rowId = ROW, purpose: SecretPurpose = PURPOSE): DecryptFailed {
	let result: unknown;
	try {
		result = ring.decrypt(purpose, rowId, envelope);
	} catch (error) {
		if (!(error instanceof DecryptFailed)) throw new Error(`expected DecryptFailed, got ${String(error)}`);
		return error;
	}
	throw new Error(`expected DecryptFailed, decrypt returned ${JSON.stringify(result)}`);
}

function bodyOf(envelope: string): Buffer {
	return Buffer.from(envelope.split(':')[2]!, 'base64url');
}

function withBody(envelope: string, body: Buffer): string {
	const [version, keyId] = envelope.split(':');
	return `${version}:${keyId}:${body.toString('base64url')}`;
}

/** Small seeded PRNG, so a failing property case can be reproduced from its seed. */
function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function randomBuffer(random: () => number, length: number): Buffer {
	return Buffer.from(Array.from({length}, () => Math.floor(random() * 256)));
}

describe('deriveMasterKey', () => {
	it('derives the key id by HKDF-SHA256 (salt eval752, info "eval752 key id v1")', () => {
		const key = deriveMasterKey(RAW_A);
		expect(key.id).toBe(A_ID);
		expect(key.id).toBe(subkey(RAW_A, 'eval752 key id v1', 8).toString('hex'));
		expect(deriveMasterKey(RAW_B).id).not.toBe(A_ID);
	});

	it('refuses raw keys that are not 32 bytes', () => {
		expect(() => deriveMasterKey(RAW_A.subarray(1))).toThrow('a master key must be 32 bytes');
		expect(() => deriveMasterKey(Buffer.concat([RAW_A, Buffer.from([0])]))).toThrow('a master key must be 32 bytes');
		expect(() => KeyRing.from(RAW_A, [Buffer.alloc(16)])).toThrow('a master key must be 32 bytes');
	});

	it('prints, serialises and enumerates as its id only', () => {
		const key = deriveMasterKey(RAW_A);
		const secrets = [
			RAW_A.toString('hex'),
			RAW_A.toString('base64'),
			subkey(RAW_A, 'eval752 data key v1', 32).toString('hex'),
			subkey(RAW_A, 'eval752 fingerprint v1', 32).toString('hex'),
		];
		const shown = [
			JSON.stringify(key),
			inspect(key, {showHidden: true, depth: Infinity}),
			String(key),
			JSON.stringify(Object.values(key).filter((value) => typeof value !== 'function')),
		];
		expect(JSON.parse(shown[0]!)).toEqual({id: A_ID});
		expect(shown[1]).toBe(`MasterKey(${A_ID})`);
		expect(shown[2]).toBe(`MasterKey(${A_ID})`);
		for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
		for (const value of Object.values(key)) expect(Buffer.isBuffer(value)).toBe(false);
	});
});

describe('KeyRing basics', () => {
	it('lists ids current first, each once, and answers has()', () => {
		const ring = KeyRing.from(RAW_A, [RAW_B, RAW_A, RAW_C, RAW_B]);
		const cId = KeyRing.from(RAW_C).currentId;
		expect(ring.currentId).toBe(A_ID);
		expect(ring.ids).toEqual([A_ID, B_ID, cId]);
		expect(ring.has(B_ID)).toBe(true);
		expect(ring.has(cId)).toBe(true);
		expect(ring.has('0000000000000000')).toBe(false);
		expect(ringA.ids).toEqual([A_ID]);
	});

	it('describes, serialises and inspects as key ids only', () => {
		expect(ringAB.describe()).toBe(`KeyRing(current ${A_ID}; previous ${B_ID})`);
		expect(ringA.describe()).toBe(`KeyRing(current ${A_ID})`);
		const shown = [ringAB.describe(), String(ringAB), JSON.stringify(ringAB), inspect(ringAB, {showHidden: true, depth: Infinity})];
		for (const raw of [RAW_A, RAW_B]) {
			for (const text of shown) {
				expect(text).not.toContain(raw.toString('hex'));
				expect(text).not.toContain(raw.toString('base64'));
				expect(text).not.toContain(subkey(raw, 'eval752 data key v1', 32).toString('hex'));
				expect(text).not.toContain(subkey(raw, 'eval752 fingerprint v1', 32).toString('hex'));
			}
		}
		expect(JSON.parse(JSON.stringify(ringAB))).toEqual({currentId: A_ID, ids: [A_ID, B_ID]});
	});
});

describe('encrypt and decrypt (RELIABILITY 1, 2)', () => {
	it('round-trips the exact plaintext and names the key id', () => {
		const envelope = ringA.encrypt(PURPOSE, ROW, SECRET);
		expect(envelope).toMatch(new RegExp(`^v1:${A_ID}:[A-Za-z0-9_-]+$`));
		expect(bodyOf(envelope).length).toBe(12 + Buffer.byteLength(SECRET) + 16);
		expect(envelope).not.toContain(SECRET);
		expect(ringA.decrypt(PURPOSE, ROW, envelope)).toEqual({plaintext: SECRET, keyId: A_ID});
	});

	it('round-trips non-ASCII and one-character secrets exactly', () => {
		for (const secret of ['ключ-🔑-ä\u0301', 'x', ' leading and trailing spaces ', 'a\u0000b']) {
			expect(ringA.decrypt(PURPOSE, ROW, ringA.encrypt(PURPOSE, ROW, secret)).plaintext).toBe(secret);
		}
	});

	it('gives a different nonce and ciphertext each time the same plaintext is encrypted', () => {
		const first = parseEnvelope(ringA.encrypt(PURPOSE, ROW, SECRET), ROW);
		const second = parseEnvelope(ringA.encrypt(PURPOSE, ROW, SECRET), ROW);
		expect(first.nonce.equals(second.nonce)).toBe(false);
		expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
		expect(first.tag.equals(second.tag)).toBe(false);
	});

	it('decrypts an envelope made independently with plain node:crypto (format is stable)', () => {
		const envelope = 'v1:420ad599b39b5078:oKGio6SlpqeoqaqrPpOeh9VIr4hEG-EQaJZx_tqHeNatCsdBMdvDYTjgQGYcZ1iQD6ghWyY';
		expect(ringA.decrypt(PURPOSE, 'row-kat', envelope)).toEqual({plaintext: KAT_PLAINTEXT, keyId: A_ID});
	});

	it('refuses an empty secret with a plain Error', () => {
		let thrown: unknown;
		try {
			ringA.encrypt(PURPOSE, ROW, '');
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(Error);
		expect(thrown).not.toBeInstanceOf(DecryptFailed);
		expect((thrown as Error).message).toBe('refusing to encrypt an empty secret');
	});

	it('refuses a secret that would not round-trip (lone surrogate), an empty row id and an unknown purpose', () => {
		expect(() => ringA.encrypt(PURPOSE, ROW, 'sk-\ud800-x')).toThrow('refusing to encrypt a secret that is not well-formed Unicode');
		expect(() => ringA.encrypt(PURPOSE, '', SECRET)).toThrow('refusing to encrypt without a row id');
		expect(() => ringA.encrypt('provider_keys' as SecretPurpose, ROW, SECRET)).toThrow('unknown secret purpose "provider_keys"');
	});

	it('treats an empty or v1:: stored value as an error, never as ""', () => {
		for (const stored of ['', 'v1::', `v1:${A_ID}:`]) {
			const failed = failure(ringA, stored);
			expect(failed.reason).toBe('malformed');
		}
	});
});

describe('tampering (RELIABILITY 3, 4, 5)', () => {
	const short = 'sk-a1b2';
	const envelope = ringA.encrypt(PURPOSE, ROW, short);
	const body = bodyOf(envelope);

	it(`fails on every single flipped bit of nonce, ciphertext and tag (${(12 + 7 + 16) * 8} bits)`, () => {
		expect(body.length).toBe(12 + Buffer.byteLength(short) + 16);
		const reasons = new Map<string, number>();
		for (let bit = 0; bit < body.length * 8; bit++) {
			const flipped = Buffer.from(body);
			flipped[bit >> 3]! ^= 1 << (bit & 7);
			const failed = failure(ringA, withBody(envelope, flipped));
			expect(failed.keyId).toBe(A_ID);
			expect(failed.rowId).toBe(ROW);
			expect(failed.message).not.toContain(short);
			reasons.set(failed.reason, (reasons.get(failed.reason) ?? 0) + 1);
		}
		expect(Object.fromEntries(reasons)).toEqual({authentication: body.length * 8});
		// The untouched envelope still decrypts, so the failures above are due to the flips.
		expect(ringA.decrypt(PURPOSE, ROW, envelope).plaintext).toBe(short);
	});

	it('fails when the tag is truncated to 4, 8, 12 or 15 bytes, or removed', () => {
		const long = ringA.encrypt(PURPOSE, ROW, SECRET);
		const full = bodyOf(long);
		for (const kept of [15, 12, 8, 4, 0]) {
			const truncated = full.subarray(0, full.length - 16 + kept);
			const failed = failure(ringA, withBody(long, truncated));
			// Long enough to parse, so it is the cipher (authTagLength 16) that refuses it.
			expect(failed.reason).toBe('authentication');
		}
		// With a short secret, a body that lost its tag is too short to be an envelope at all.
		expect(failure(ringA, withBody(envelope, body.subarray(0, body.length - 16))).reason).toBe('malformed');
		expect(failure(ringA, withBody(envelope, body.subarray(0, body.length - 12))).reason).toBe('malformed');
	});

	it('fails when a ciphertext is copied to another row', () => {
		const failed = failure(ringA, envelope, OTHER_ROW);
		expect(failed.reason).toBe('authentication');
		expect(failed.message).toBe(`Can't decrypt the secret of row ${OTHER_ROW} (key id ${A_ID})`);
	});

	it('fails for another purpose, both ways', () => {
		expect(failure(ringA, envelope, ROW, 'encryption_canary').reason).toBe('authentication');
		const canary = ringA.encrypt('encryption_canary', ROW, CANARY_PLAINTEXT);
		expect(failure(ringA, canary, ROW, 'provider_keys.secret').reason).toBe('authentication');
		expect(ringA.decrypt('encryption_canary', ROW, canary).plaintext).toBe(CANARY_PLAINTEXT);
	});

	it('fails when the key id is relabelled to another configured key', () => {
		const underA = ringAB.encrypt(PURPOSE, ROW, SECRET);
		expect(ringAB.has(B_ID)).toBe(true);
		const relabelled = underA.replace(`:${A_ID}:`, `:${B_ID}:`);
		expect(relabelled).not.toBe(underA);
		const failed = failure(ringAB, relabelled);
		expect(failed.reason).toBe('authentication');
		expect(failed.keyId).toBe(B_ID);
	});

	it('fails when the version is changed', () => {
		expect(failure(ringA, envelope.replace(/^v1:/, 'v2:')).reason).toBe('malformed');
	});
});

describe('rotation (RELIABILITY 7, 10)', () => {
	it('reads envelopes written under a previous key and writes new ones under the current key', () => {
		const old = KeyRing.from(RAW_B).encrypt(PURPOSE, ROW, SECRET);
		expect(parseEnvelope(old, ROW).keyId).toBe(B_ID);
		expect(ringAB.decrypt(PURPOSE, ROW, old)).toEqual({plaintext: SECRET, keyId: B_ID});
		const fresh = ringAB.encrypt(PURPOSE, ROW, SECRET);
		expect(parseEnvelope(fresh, ROW).keyId).toBe(A_ID);
		expect(ringAB.decrypt(PURPOSE, ROW, fresh)).toEqual({plaintext: SECRET, keyId: A_ID});
	});

	it('reports an unknown key id with the id it needs and where to set it', () => {
		const old = KeyRing.from(RAW_B).encrypt(PURPOSE, ROW, SECRET);
		const failed = failure(ringA, old);
		expect(failed.reason).toBe('unknown-key');
		expect(failed.keyId).toBe(B_ID);
		expect(failed.message).toBe(
			`Can't decrypt the secret of row ${ROW} (key id ${B_ID}); no configured key has that id — set it in ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS`,
		);
	});

	it('a canary written under one key fails closed under another, naming the key id that wrote it', () => {
		const canary = ringA.encrypt('encryption_canary', 'canary', CANARY_PLAINTEXT);
		const wrong = KeyRing.from(RAW_C);
		const failed = failure(wrong, canary, 'canary', 'encryption_canary');
		expect(failed.reason).toBe('unknown-key');
		expect(failed.keyId).toBe(A_ID);
		expect(wrong.currentId).not.toBe(A_ID);
		expect(CANARY_PLAINTEXT).toBe('eval752 encryption canary v1');
	});
});

describe('fingerprints', () => {
	it('is HMAC-SHA256 under the HKDF fingerprint key (known answer)', () => {
		expect(ringA.fingerprint(KAT_PLAINTEXT).toString('hex')).toBe(KAT_FINGERPRINT);
		const expected = createHmac('sha256', subkey(RAW_A, 'eval752 fingerprint v1', 32)).update(SECRET).digest();
		expect(ringA.fingerprint(SECRET).equals(expected)).toBe(true);
	});

	it('is deterministic per key and differs across secrets and keys', () => {
		expect(ringA.fingerprint(SECRET).equals(ringA.fingerprint(SECRET))).toBe(true);
		expect(ringA.fingerprint(SECRET).equals(ringA.fingerprint(SECRET + 'x'))).toBe(false);
		expect(ringA.fingerprint(SECRET).equals(KeyRing.from(RAW_B).fingerprint(SECRET))).toBe(false);
		expect(ringA.fingerprint(SECRET).toString('hex')).not.toContain(Buffer.from(SECRET).toString('hex'));
	});

	it('gives one fingerprint per configured key, current first, matching what each key wrote', () => {
		const all = ringAB.fingerprints(SECRET);
		expect(all).toHaveLength(2);
		expect(all[0]!.equals(ringAB.fingerprint(SECRET))).toBe(true);
		expect(all[1]!.equals(KeyRing.from(RAW_B).fingerprint(SECRET))).toBe(true);
	});
});

describe('random input to decrypt yields only DecryptFailed (RELIABILITY 9)', () => {
	const SEED = 752;
	let consoleCalls = 0;

	beforeEach(() => {
		consoleCalls = 0;
		for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
			vi.spyOn(console, method).mockImplementation(() => {
				consoleCalls++;
			});
		}
	});

	afterEach(() => {
		vi.restoreAllMocks();
	});

	function expectOnlyDecryptFailed(input: string, label: string): DecryptFailed {
		let thrown: unknown;
		let returned: unknown;
		try {
			returned = ringAB.decrypt(PURPOSE, ROW, input);
		} catch (error) {
			thrown = error;
		}
		expect(returned, label).toBeUndefined();
		expect(thrown, label).toBeInstanceOf(DecryptFailed);
		const failed = thrown as DecryptFailed;
		expect(['malformed', 'unknown-key', 'authentication'], label).toContain(failed.reason);
		const body = input.split(':')[2] ?? input;
		if (body.length >= 8) expect(failed.message, label).not.toContain(body);
		return failed;
	}

	it(`500 random byte strings (seed ${SEED})`, () => {
		const random = mulberry32(SEED);
		for (let i = 0; i < 500; i++) {
			const bytes = randomBuffer(random, Math.floor(random() * 160));
			const input = bytes.toString(i % 2 === 0 ? 'latin1' : 'utf8');
			expectOnlyDecryptFailed(input, `seed ${SEED} case ${i}`);
		}
		expect(consoleCalls).toBe(0);
	});

	it(`500 random well-shaped envelopes under configured, unknown and invalid key ids (seed ${SEED + 1})`, () => {
		const random = mulberry32(SEED + 1);
		const reasons = new Set<string>();
		for (let i = 0; i < 500; i++) {
			const body = randomBuffer(random, Math.floor(random() * 96));
			const keyId = [A_ID, B_ID, 'ffffffffffffffff', A_ID.toUpperCase()][i % 4]!;
			const failed = expectOnlyDecryptFailed(`v1:${keyId}:${body.toString('base64url')}`, `seed ${SEED + 1} case ${i}`);
			reasons.add(failed.reason);
		}
		// The generator reached every outcome, including the cipher path.
		expect([...reasons].sort()).toEqual(['authentication', 'malformed', 'unknown-key']);
		expect(consoleCalls).toBe(0);
	});

	it(`500 random edits of a real envelope never decrypt (seed ${SEED + 2})`, () => {
		const random = mulberry32(SEED + 2);
		const real = ringAB.encrypt(PURPOSE, ROW, SECRET);
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:=+/ v';
		for (let i = 0; i < 500; i++) {
			let edited = real;
			const at = Math.floor(random() * real.length);
			const pick = (): string => alphabet[Math.floor(random() * alphabet.length)]!;
			switch (i % 3) {
				case 0: {
					let replacement = pick();
					while (replacement === real[at]) replacement = pick();
					edited = real.slice(0, at) + replacement + real.slice(at + 1);
					break;
				}
				case 1:
					edited = real.slice(0, at) + real.slice(at + 1);
					break;
				default:
					edited = real.slice(0, at) + pick() + real.slice(at);
			}
			expect(edited).not.toBe(real);
			const failed = expectOnlyDecryptFailed(edited, `seed ${SEED + 2} case ${i}`);
			expect(failed.message).not.toContain(SECRET);
		}
		expect(consoleCalls).toBe(0);
	});
});

describe('the audit key', () => {
	const message = Buffer.from('eval752 audit row v1\nexample', 'utf8');

	it('is HMAC-SHA256 under its own HKDF subkey (info "eval752 audit chain v1"), for the key id asked', () => {
		const expected = createHmac('sha256', subkey(RAW_A, 'eval752 audit chain v1', 32)).update(message).digest();
		expect(ringA.auditMac(A_ID, message)!.equals(expected)).toBe(true);
		// A previous key still verifies what it signed; the current key signs new rows.
		expect(ringAB.auditMac(B_ID, message)!.equals(KeyRing.from(RAW_B).auditMac(B_ID, message)!)).toBe(true);
		expect(ringAB.auditMac(A_ID, message)!.equals(expected)).toBe(true);
	});

	it('is none of the other subkeys, and a key id that is not configured gives nothing', () => {
		const mac = ringA.auditMac(A_ID, message)!;
		for (const info of ['eval752 data key v1', 'eval752 fingerprint v1']) {
			expect(mac.equals(createHmac('sha256', subkey(RAW_A, info, 32)).update(message).digest())).toBe(false);
		}
		expect(ringA.auditMac(B_ID, message)).toBeUndefined();
		expect(ringA.auditMac('0000000000000000', message)).toBeUndefined();
	});

	it('never shows in what a ring prints', () => {
		const audit = subkey(RAW_A, 'eval752 audit chain v1', 32).toString('hex');
		for (const text of [ringAB.describe(), JSON.stringify(ringAB), inspect(ringAB, {showHidden: true, depth: Infinity}), JSON.stringify(deriveMasterKey(RAW_A))]) {
			expect(text).not.toContain(audit);
		}
	});
});

import {describe, expect, it} from 'vitest';
import {KeyFormatError, generateKey, parseEncryptionKey, parsePreviousKeys} from './key.js';

const HEX = '3f1c9a0b7e6d5c4b2a1908f7e6d5c4b3a29180ffeeddccbbaa99887766554433';
const BYTES = Buffer.from(HEX, 'hex');
const BASE64 = BYTES.toString('base64');
const OTHER_HEX = '0b1c2d3e4f5a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f4';
/** 32 bytes whose base64 is mostly '+' and '/', the two characters base64 and base64url disagree on. */
const PLUS_SLASH = Buffer.from('fbefff'.repeat(11), 'hex').subarray(0, 32);
const FORM = '32 bytes written as 64 hex characters (openssl rand -hex 32) or base64 (44 characters)';

/** Runs `fn`, which must throw a KeyFormatError, and returns it. */
function keyError(fn: () => unknown): KeyFormatError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(KeyFormatError);
		return error as KeyFormatError;
	}
	throw new Error('expected a KeyFormatError, nothing was thrown');
}

/** No 8-character run of the secret input may appear in the message. */
function expectNoPartOf(input: string, message: string): void {
	for (let start = 0; start + 8 <= input.length; start++) {
		expect(message.includes(input.slice(start, start + 8)), `message leaks input[${start}..${start + 8}]`).toBe(false);
	}
}

describe('parseEncryptionKey accepts exactly one spelling per form (RELIABILITY 8)', () => {
	it('accepts 64 hex characters in lower and upper case as the same 32 bytes', () => {
		const lower = parseEncryptionKey(HEX);
		const upper = parseEncryptionKey(HEX.toUpperCase());
		expect(lower.length).toBe(32);
		expect(lower.toString('hex')).toBe(HEX);
		expect(upper.equals(lower)).toBe(true);
	});

	it('accepts canonical padded base64 of 32 bytes as the same bytes as its hex', () => {
		expect(BASE64).toHaveLength(44);
		expect(parseEncryptionKey(BASE64).toString('hex')).toBe(HEX);
	});

	it('accepts a base64 key whose alphabet includes + and /', () => {
		const text = PLUS_SLASH.toString('base64');
		expect(text).toMatch(/\+/);
		expect(text).toMatch(/\//);
		expect(parseEncryptionKey(text).equals(PLUS_SLASH)).toBe(true);
	});
});

describe('parseEncryptionKey refuses everything else with one line naming the variable, never the value (RELIABILITY 8)', () => {
	const bad64 = HEX.slice(0, 10) + 'g' + HEX.slice(11);
	const b64Of = (n: number): string => Buffer.from(HEX.repeat(2), 'hex').subarray(0, n).toString('base64');
	const cases: Array<[string, string, string]> = [
		['63 hex characters', HEX.slice(0, 63), 'it has 63 characters'],
		['65 hex characters', HEX + 'a', 'it has 65 characters'],
		['128 hex characters (a doubled key)', HEX + HEX, 'it has 128 characters'],
		['one non-hex letter among 64', bad64, 'it has 64 characters but not all of them are hex digits'],
		['one symbol among 64', HEX.slice(0, 20) + '!' + HEX.slice(21), 'it contains a character that is neither hex nor base64'],
		['a non-ASCII character', HEX.slice(0, 63) + 'é', 'it contains a character that is neither hex nor base64'],
		['base64 with a space inside', BASE64.slice(0, 20) + ' ' + BASE64.slice(20), 'it contains whitespace'],
		['base64 with a trailing newline', BASE64 + '\n', 'it contains whitespace'],
		['base64 with a newline inside', BASE64.slice(0, 22) + '\n' + BASE64.slice(22), 'it contains whitespace'],
		['hex with a leading tab', '\t' + HEX, 'it contains whitespace'],
		['base64 of 31 bytes', b64Of(31), 'it decodes to 31 bytes'],
		['base64 of 33 bytes', b64Of(33), 'it decodes to 33 bytes'],
		['base64 of 45 bytes', b64Of(45), 'it decodes to 45 bytes'],
		['unpadded base64', BASE64.replace(/=+$/, ''), 'it has 43 characters'],
		['base64url alphabet', PLUS_SLASH.toString('base64url') + '=', 'it contains a character that is neither hex nor base64'],
		['misplaced padding', '=' + BASE64.slice(0, 43), 'it is not well-formed base64 (misplaced "=" padding)'],
		['empty', '', 'it is empty'],
	];

	for (const [name, input, reason] of cases) {
		it(`refuses ${name}`, () => {
			const error = keyError(() => parseEncryptionKey(input));
			expect(error.variable).toBe('ENCRYPTION_KEY');
			expect(error.name).toBe('KeyFormatError');
			expect(error.message).toBe(`ENCRYPTION_KEY must be ${FORM}; ${reason}`);
			expect(error.message).not.toContain('\n');
			if (input !== '') expect(error.message).not.toContain(input);
			expectNoPartOf(input.trim(), error.message);
		});
	}

	it('refuses non-canonical base64 that Node would silently decode to the same 32 bytes', () => {
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
		const last = BASE64[42]!;
		// Flip one of the two unused low bits of the last data character.
		const sloppy = BASE64.slice(0, 42) + alphabet[alphabet.indexOf(last) ^ 1] + '=';
		expect(sloppy).not.toBe(BASE64);
		expect(Buffer.from(sloppy, 'base64').equals(BYTES)).toBe(true);
		const error = keyError(() => parseEncryptionKey(sloppy));
		expect(error.message).toBe(`ENCRYPTION_KEY must be ${FORM}; it is not canonical base64 (its unused trailing bits are not zero)`);
		expectNoPartOf(sloppy, error.message);
	});

	it('names the variable it was given', () => {
		const error = keyError(() => parseEncryptionKey(HEX.slice(1), 'EVAL752_KEY_FILE'));
		expect(error.variable).toBe('EVAL752_KEY_FILE');
		expect(error.message.startsWith('EVAL752_KEY_FILE must be 32 bytes')).toBe(true);
	});
});

describe('parsePreviousKeys', () => {
	it('treats unset and blank as no previous keys', () => {
		expect(parsePreviousKeys(undefined)).toEqual([]);
		expect(parsePreviousKeys('')).toEqual([]);
		expect(parsePreviousKeys('  ')).toEqual([]);
	});

	it('parses a comma-separated list in order, trimming each entry, in either form', () => {
		const keys = parsePreviousKeys(` ${HEX} ,${OTHER_HEX.toUpperCase()},  ${BASE64}`);
		expect(keys.map((key) => key.toString('hex'))).toEqual([HEX, OTHER_HEX, HEX]);
	});

	const cases: Array<[string, string, string]> = [
		['a short second entry', `${HEX},${OTHER_HEX.slice(0, 63)}`, 'entry 2 has 63 characters'],
		['a bad first entry', `${HEX}0,${OTHER_HEX}`, 'entry 1 has 65 characters'],
		['an empty entry from a stray comma', `${HEX},,${OTHER_HEX}`, 'entry 2 is empty'],
		['a trailing comma', `${HEX},${OTHER_HEX},`, 'entry 3 is empty'],
		['whitespace inside an entry', `${HEX},${OTHER_HEX.slice(0, 30)} ${OTHER_HEX.slice(30)}`, 'entry 2 contains whitespace'],
		['a base64 entry of 31 bytes', `${BASE64},${BYTES.subarray(1).toString('base64')}`, 'entry 2 decodes to 31 bytes'],
	];

	for (const [name, input, reason] of cases) {
		it(`names the position of ${name}, never its value`, () => {
			const error = keyError(() => parsePreviousKeys(input));
			expect(error.variable).toBe('ENCRYPTION_KEY_PREVIOUS');
			expect(error.message).toBe(`ENCRYPTION_KEY_PREVIOUS must be a comma-separated list of keys, each ${FORM}; ${reason}`);
			expect(error.message).not.toContain('\n');
			for (const entry of input.split(',')) expectNoPartOf(entry.trim(), error.message);
		});
	}
});

describe('generateKey', () => {
	it('prints 64 lowercase hex characters that parse back to 32 bytes, fresh each time', () => {
		const first = generateKey();
		const second = generateKey();
		expect(first).toMatch(/^[0-9a-f]{64}$/);
		expect(parseEncryptionKey(first).toString('hex')).toBe(first);
		expect(second).not.toBe(first);
	});
});

import {randomBytes} from 'node:crypto';

/**
 * Parsing of the master key operators give us (ENCRYPTION_KEY and
 * ENCRYPTION_KEY_PREVIOUS). Parsing is strict on purpose: Node's hex and base64
 * decoders silently stop at the first bad character or ignore stray ones, so a
 * typo would otherwise yield a shorter or different key and every secret would
 * become unreadable (or, worse, be written under a key nobody has). We check the
 * form with regexes and the decoded length ourselves, and every error message
 * describes the problem without ever echoing the value.
 */

/** Length in bytes of a master key (AES-256 and HKDF input). */
export const KEY_BYTES = 32;

const KEY_FORM = '32 bytes written as 64 hex characters (openssl rand -hex 32) or base64 (44 characters)';
const LIST_FORM = `a comma-separated list of keys, each ${KEY_FORM}`;

const HEX_ONLY = /^[0-9a-fA-F]+$/;
const BASE64_ALPHABET_ONLY = /^[A-Za-z0-9+/=]+$/;
/** Standard alphabet, padded, padding only at the end: the shape `Buffer#toString('base64')` produces. */
const BASE64_WELL_FORMED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHITESPACE = /\s/;

/**
 * A malformed key. The message is one line that names the variable, the form it
 * must have and what is wrong with it — never the value, since it is a secret and
 * the message ends up on screen and in logs.
 */
export class KeyFormatError extends Error {
	/** The environment variable (or other source) that held the bad key. */
	readonly variable: string;
	/** What is wrong, e.g. "it has 63 characters"; never contains the value. */
	readonly reason: string;

	constructor(variable: string, reason: string, expected: string = KEY_FORM) {
		super(`${variable} must be ${expected}; ${reason}`);
		this.name = 'KeyFormatError';
		this.variable = variable;
		this.reason = reason;
	}
}

type Parsed = {readonly ok: true; readonly bytes: Buffer} | {readonly ok: false; readonly problem: string};

/**
 * Decides what `text` is, returning the key bytes or a problem phrased to follow
 * "it" / "entry N". Only lengths and character classes go into the problem.
 */
function examine(text: string): Parsed {
	if (text.length === 0) return {ok: false, problem: 'is empty'};
	if (WHITESPACE.test(text)) return {ok: false, problem: 'contains whitespace'};

	if (HEX_ONLY.test(text)) {
		// A hex-only string is never a valid base64 key (that needs a trailing '='), so its length settles it.
		if (text.length !== KEY_BYTES * 2) return {ok: false, problem: `has ${text.length} characters`};
		const bytes = Buffer.from(text, 'hex');
		// Belt and braces: the regex already guarantees this, the decoder would not tell us otherwise.
		if (bytes.length !== KEY_BYTES) return {ok: false, problem: `decodes to ${bytes.length} bytes`};
		return {ok: true, bytes};
	}

	if (!BASE64_ALPHABET_ONLY.test(text)) {
		return {ok: false, problem: 'contains a character that is neither hex nor base64'};
	}
	if (text.length === KEY_BYTES * 2) {
		// Almost certainly a hex key with a typo; saying "decodes to 48 bytes" would mislead.
		return {ok: false, problem: `has ${text.length} characters but not all of them are hex digits`};
	}
	if (!BASE64_WELL_FORMED.test(text)) {
		return {
			ok: false,
			problem:
				text.length === 44 ? 'is not well-formed base64 (misplaced "=" padding)' : `has ${text.length} characters`,
		};
	}
	const bytes = Buffer.from(text, 'base64');
	if (bytes.length !== KEY_BYTES) return {ok: false, problem: `decodes to ${bytes.length} bytes`};
	// Non-zero unused trailing bits decode to the same bytes as another string: refuse, so one key has one spelling.
	if (bytes.toString('base64') !== text) {
		return {ok: false, problem: 'is not canonical base64 (its unused trailing bits are not zero)'};
	}
	return {ok: true, bytes};
}

/**
 * Parses one master key: exactly 64 hex characters (either case) or canonical
 * padded standard base64 of exactly 32 bytes. Nothing is trimmed — a key with
 * whitespace is refused rather than guessed at.
 */
export function parseEncryptionKey(text: string, variable = 'ENCRYPTION_KEY'): Buffer {
	if (typeof text !== 'string') throw new KeyFormatError(variable, 'it is not a string');
	const parsed = examine(text);
	if (!parsed.ok) throw new KeyFormatError(variable, `it ${parsed.problem}`);
	return parsed.bytes;
}

/**
 * Parses ENCRYPTION_KEY_PREVIOUS: keys that may still have written some rows,
 * comma-separated, each entry trimmed. An unset or blank variable means none. An
 * empty entry (e.g. a stray comma) is an error rather than skipped, because it
 * usually means a key went missing when the list was edited. Errors name the
 * entry by its 1-based position, never by value.
 */
export function parsePreviousKeys(text: string | undefined): Buffer[] {
	const variable = 'ENCRYPTION_KEY_PREVIOUS';
	if (text === undefined || text.trim() === '') return [];
	return text.split(',').map((entry, index) => {
		const parsed = examine(entry.trim());
		if (!parsed.ok) throw new KeyFormatError(variable, `entry ${index + 1} ${parsed.problem}`, LIST_FORM);
		return parsed.bytes;
	});
}

/** A new master key in the form `eval752 keygen` prints: 64 lowercase hex characters. */
export function generateKey(): string {
	return randomBytes(KEY_BYTES).toString('hex');
}

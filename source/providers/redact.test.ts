import {describe, expect, it} from 'vitest';
import {createRedactor, redactSecret, REDACTED, StreamRedactor, untrustedTextStage, type TextStage} from './redact.js';

const secret = 'sk-proj-Q3x9LmN7pR2tV8wY4zA1bC6dE0fG5hJ';

describe('redactSecret', () => {
	it('replaces the whole secret, every time it appears', () => {
		expect(redactSecret(`key ${secret} and again ${secret}.`, secret)).toBe(`key ${REDACTED} and again ${REDACTED}.`);
	});

	it('replaces fragments of 8+ characters: prefix, suffix, middle', () => {
		const head = secret.slice(0, 12);
		const tail = secret.slice(-9);
		const middle = secret.slice(10, 20);
		const text = `Incorrect API key provided: ${head}***********${tail}; also ${middle}`;
		const output = redactSecret(text, secret);
		expect(output).toBe(`Incorrect API key provided: ${REDACTED}***********${REDACTED}; also ${REDACTED}`);
	});

	it('keeps fragments shorter than 8 characters', () => {
		expect(redactSecret(`hint sk-…${secret.slice(-4)}`, secret)).toBe(`hint sk-…${secret.slice(-4)}`);
		expect(redactSecret(secret.slice(0, 7), secret)).toBe(secret.slice(0, 7));
	});

	it('merges overlapping and touching fragments into one', () => {
		// Two pieces that overlap in the text: 0..15 and 10..25 of the secret, glued.
		const glued = secret.slice(0, 15) + secret.slice(15, 30);
		expect(redactSecret(`<${glued}>`, secret)).toBe(`<${REDACTED}>`);
		const overlapping = secret.slice(0, 12) + secret.slice(4, 20);
		expect(redactSecret(`<${overlapping}>`, secret)).toBe(`<${REDACTED}>`);
	});

	it('handles secrets with repeated characters', () => {
		const repetitive = 'aaaaaaaaaabaaaaaaaaaa';
		expect(redactSecret('xxaaaaaaaaxx', repetitive)).toBe(`xx${REDACTED}xx`);
		expect(redactSecret('aaaaaaa', repetitive)).toBe('aaaaaaa');
		expect(redactSecret(`${'a'.repeat(30)}`, repetitive)).toBe(REDACTED);
	});

	it('redacts short secrets only where they appear whole', () => {
		expect(redactSecret('pass=abc12 and abc1', 'abc12')).toBe(`pass=${REDACTED} and abc1`);
	});

	it('leaves text alone without a secret', () => {
		expect(redactSecret('nothing here', null)).toBe('nothing here');
		expect(redactSecret('nothing here', undefined)).toBe('nothing here');
		expect(redactSecret('nothing here', '')).toBe('nothing here');
		expect(redactSecret('', secret)).toBe('');
	});

	it('is linear enough for a 1 MB body and a 200-character secret', () => {
		const long = Array.from({length: 200}, (_, index) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(index * 7) % 36]).join('');
		const filler = 'lorem ipsum dolor sit amet '.repeat(40_000);
		const text = `${filler}${long}${filler}${long.slice(50, 120)}${filler}`;
		const started = performance.now();
		const output = redactSecret(text, long);
		expect(performance.now() - started).toBeLessThan(3000);
		expect(output.split(REDACTED)).toHaveLength(3);
		expect(output).not.toContain(long.slice(60, 68));
	});

	it('a bound redactor gives the same answer chunk after chunk', () => {
		const redact = createRedactor(secret);
		expect(redact(`a ${secret} b`)).toBe(`a ${REDACTED} b`);
		expect(redact('clean')).toBe('clean');
		expect(redact(secret.slice(5, 14))).toBe(REDACTED);
	});
});

/** Every run of 8 characters of the secret. */
function fragments(text: string): string[] {
	return Array.from({length: text.length - 7}, (_, index) => text.slice(index, index + 8));
}

function chunked(text: string, size: number): string[] {
	const out: string[] = [];
	for (let index = 0; index < text.length; index += size) out.push(text.slice(index, index + size));
	return out;
}

/** Feeds deltas through a stage, keeping what was released after each one. */
function stream(stage: TextStage, deltas: readonly string[]): {released: string[]; shown: string} {
	const released = deltas.map((delta) => stage.push(delta));
	released.push(stage.flush());
	return {released, shown: released.join('')};
}

describe('redaction of disguised echoes', () => {
	it('percent-encoded: partly or every character', () => {
		const partly = secret.replace(/-/g, '%2D');
		const every = [...secret].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).join('');
		const lower = every.toLowerCase();
		for (const text of [partly, every, lower]) expect(redactSecret(`url?key=${text}&x=1`, secret)).toBe(`url?key=${REDACTED}&x=1`);
	});

	it('with invisible characters inside', () => {
		const zeroWidth = [...secret].join('\u200b');
		const mixed = [...secret].map((char, index) => char + (index === secret.length - 1 ? '' : ['\u200c', '\u00ad', '\ufeff', String.fromCodePoint(0xe0041), ''][index % 5])).join('');
		expect(redactSecret(`key: ${zeroWidth}.`, secret)).toBe(`key: ${REDACTED}.`);
		expect(redactSecret(`key: ${mixed}.`, secret)).toBe(`key: ${REDACTED}.`);
	});

	it('leaves a lone % and ordinary escapes alone', () => {
		expect(redactSecret('100% sure, a%20b, %zz', secret)).toBe('100% sure, a%20b, %zz');
	});
});

describe('StreamRedactor: a key split across deltas', () => {
	const text = `Your key is: ${secret} — keep it safe. Again: ${secret.slice(3, 20)}!`;

	it.each([1, 2, 3, 5, 7, 8, 13])('%i-character deltas: no 8 characters of the key are ever released, the rest is', (size) => {
		const {released, shown} = stream(new StreamRedactor(secret), chunked(text, size));
		expect(shown).toBe(redactSecret(text, secret));
		expect(shown).toBe(`Your key is: ${REDACTED} — keep it safe. Again: ${REDACTED}!`);
		for (const fragment of fragments(secret)) expect(shown).not.toContain(fragment);
		// Nothing of the key is released before the redaction: no delta carries a piece of it.
		for (const piece of released) expect(piece.includes(secret.slice(0, 4)) && !piece.includes(REDACTED)).toBe(false);
	});

	it('releases ordinary text at once and holds back only what may be the start of the key', () => {
		const redactor = new StreamRedactor(secret);
		expect(redactor.push('Hello, ')).toBe('Hello, ');
		expect(redactor.push('world. ')).toBe('world. ');
		// `sk-p` is the start of the key: held.
		expect(redactor.push('The sk-p')).toBe('The ');
		// …and then it is not the key after all: released (up to a space, which no form of a key holds).
		expect(redactor.push('ython snake. ')).toBe('sk-python snake. ');
		expect(redactor.flush()).toBe('');
	});

	it('a key cut off by the end of the stream: the piece is redacted on flush, a short piece shown', () => {
		const long = new StreamRedactor(secret);
		expect(long.push(`tail ${secret.slice(0, 12)}`)).toBe('tail ');
		expect(long.flush()).toBe(REDACTED);
		const short = new StreamRedactor(secret);
		expect(short.push(`tail ${secret.slice(0, 5)}`)).toBe('tail ');
		expect(short.flush()).toBe(secret.slice(0, 5));
	});

	it('percent-encoded in 1- and 3-character deltas, a half escape held until it completes', () => {
		const encoded = `go to https://x.example/?k=${[...secret].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('')} now`;
		for (const size of [1, 3]) {
			const {shown} = stream(new StreamRedactor(secret), chunked(encoded, size));
			expect(shown).toBe(`go to https://x.example/?k=${REDACTED} now`);
		}
	});

	it('holds no more than the key: a run of the key is released, redacted, once the text stops matching it', () => {
		const redactor = new StreamRedactor(secret);
		let released = '';
		for (const delta of chunked(`${secret}${secret}${secret}`, 1)) released += redactor.push(delta);
		// The first two are known to be over (the key does not follow itself); the third may go on.
		expect(released).toBe(`${REDACTED}${REDACTED}`);
		expect(redactor.push('.')).toBe(`${REDACTED}.`);
	});

	it('without a secret it is a pass-through', () => {
		const redactor = new StreamRedactor(null);
		expect(redactor.push('sk-anything')).toBe('sk-anything');
		expect(redactor.flush()).toBe('');
	});
});

describe('untrustedTextStage: sanitiser then redactor, over the stream', () => {
	it.each([1, 3, 5])('a key with U+200B between its characters, in %i-character deltas, is redacted', (size) => {
		const text = `key=${[...secret].join('\u200b')}; done`;
		const {shown} = stream(untrustedTextStage(secret), chunked(text, size));
		expect(shown).toBe(`key=${REDACTED}; done`);
	});

	it('a key with an escape sequence in the middle, split across deltas, is redacted and the sequence gone', () => {
		const text = `key=${secret.slice(0, 10)}\u001b]0;x\u0007${secret.slice(10)} done`;
		const {shown} = stream(untrustedTextStage(secret), chunked(text, 3));
		expect(shown).toBe(`key=${REDACTED} done`);
	});
});

/** The key disguised as a hostile provider would echo it (RELIABILITY case 48). */
function disguises(key: string): Record<string, string> {
	const bytes = Buffer.from(key, 'utf8');
	const chars = [...key];
	return {
		base64: bytes.toString('base64'),
		base64url: bytes.toString('base64url'),
		hex: bytes.toString('hex'),
		HEX: bytes.toString('hex').toUpperCase(),
		reversed: [...chars].reverse().join(''),
		'\\u escapes': chars.map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
		'\\U ESCAPES': chars.map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`).join(''),
		'JS \\x escapes': chars.map((char) => `\\x${char.charCodeAt(0).toString(16)}`).join(''),
		'HTML decimal': chars.map((char) => `&#${char.charCodeAt(0)};`).join(''),
		'HTML hex': chars.map((char) => `&#X${char.charCodeAt(0).toString(16).toUpperCase()};`).join(''),
		'HTML named punctuation': key.replace(/-/g, '&#45;').replace(/_/g, '&lowbar;'),
		'full-width': chars.map((char) => String.fromCodePoint(char.codePointAt(0)! - 0x21 + 0xff01)).join(''),
		'mixed escapes': chars.map((char, index) => (index % 3 === 0 ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}` : index % 3 === 1 ? `&#${char.charCodeAt(0)};` : char)).join(''),
	};
}

describe('case 48: a key echoed encoded is redacted', () => {
	const key = 'sk-ant-api03-Zq7Lm2Xv8Rt4Wz1Yb6Nc0Pd5Hs_9Kf';

	it.each(Object.entries(disguises(key)))('case 48: %s, whole, in a complete text', (_name, encoded) => {
		expect(redactSecret(`Invalid key ${encoded} (see docs)`, key)).toBe(`Invalid key ${REDACTED} (see docs)`);
	});

	it.each(Object.entries(disguises(key)))('case 48: %s, in 1-, 3- and 5-character deltas through the stream stage', (_name, encoded) => {
		for (const size of [1, 3, 5]) {
			const {shown} = stream(untrustedTextStage(key), chunked(`Your key: ${encoded} — done`, size));
			expect(shown, `${size}`).toBe(`Your key: ${REDACTED} — done`);
		}
	});

	it('case 48: base64 of a piece of the key, at any byte alignment, is redacted', () => {
		for (let start = 0; start < 6; start++) {
			const piece = Buffer.from(key.slice(start, start + 20)).toString('base64');
			const shown = redactSecret(`part: ${piece} end`, key);
			expect(shown, `from ${start}`).toMatch(/^part: \[redacted\][A-Za-z0-9+/=]{0,4} end$/);
		}
		// Basic auth: "user:key" encoded together.
		const basic = Buffer.from(`svc:${key}`).toString('base64');
		expect(redactSecret(`Authorization: Basic ${basic}`, key)).toMatch(/^Authorization: Basic [A-Za-z0-9+/]{0,8}\[redacted\][A-Za-z0-9+/=]{0,4}$/);
	});

	it('case 48: every key in play is redacted, each in its forms; short secrets only whole and never by their encodings', () => {
		const other = 'gsk_0123456789abcdefghijKLMNOP';
		const text = `${Buffer.from(key).toString('hex')} and ${[...other].reverse().join('')}`;
		expect(redactSecret(text, [key, other, null])).toBe(`${REDACTED} and ${REDACTED}`);
		expect(redactSecret('616263 abc', 'abc')).toBe(`616263 ${REDACTED}`);
	});

	it('case 48: eval752’s own words kept in a stored message are not redacted; the quoted key around them is', () => {
		const placeholder = 'sk-peering-0123456789';
		const redact = createRedactor(placeholder, {keep: ['peering-01']});
		expect(redact(`Provider peering-01 rejects the key: ${Buffer.from(placeholder).toString('base64')}`)).toBe(`Provider peering-01 rejects the key: ${REDACTED}`);
		expect(createRedactor(placeholder)('Provider peering-01')).toBe(`Provider ${REDACTED}`);
	});

	it('case 48: ordinary text with escapes and entities is left as it was', () => {
		const text = 'Use &amp; not \\u0026 — a 5% fee, &#169; 2026, ｆｕｌｌ-width is fine, deadbeef is hex';
		expect(redactSecret(text, key)).toBe(text);
	});
});

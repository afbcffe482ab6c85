import {describe, expect, it} from 'vitest';
import {INVISIBLE_RANGES, isInvisible, sanitizeLine, sanitizeText, STRING_SEQUENCE_CAP, stripTerminalControls, TerminalSanitizer, terminalJson} from './sanitize.js';

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;

/** Nothing a terminal would act on or hide: no ESC, no C1, no C0 but LF/TAB, no DEL, no format character, no lone surrogate. */
function expectInert(text: string): void {
	expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
}

describe('sanitizeText', () => {
	const cases: Array<[string, string, string]> = [
		['OSC 52 clipboard write (BEL)', `a${ESC}]52;c;ZWNobyBoaQ==${BEL}b`, 'ab'],
		['OSC 52 clipboard write (ST)', `a${ESC}]52;c;ZWNobyBoaQ==${ST}b`, 'ab'],
		['OSC 8 link keeps its text, not its URL', `see ${ESC}]8;;https://evil.example/x${ST}the docs${ESC}]8;;${ST} now`, 'see the docs now'],
		['OSC 0 title', `${ESC}]0;owned${BEL}text`, 'text'],
		['OSC 2 title', `${ESC}]2;owned${ST}text`, 'text'],
		['CSI clear screen', `${ESC}[2Jclean`, 'clean'],
		['CSI cursor moves', `${ESC}[H${ESC}[10;20Hx${ESC}[5Ay${ESC}[?25l${ESC}[?1049h`, 'xy'],
		['CSI with intermediates', `${ESC}[0 qz`, 'z'],
		['SGR colours', `${ESC}[1;31mred${ESC}[0m`, 'red'],
		['8-bit CSI', '\u009b2Jx\u009b31my', 'xy'],
		['8-bit OSC to 8-bit ST', 'a\u009d0;title\u009cb', 'ab'],
		['8-bit OSC to BEL', `a\u009d52;c;aGk=${BEL}b`, 'ab'],
		['DCS', `a${ESC}P1$r0m${ST}b`, 'ab'],
		['SOS, PM, APC', `a${ESC}Xsos${ST}b${ESC}^pm${ST}c${ESC}_apc${ST}d`, 'abcd'],
		['8-bit DCS, SOS, PM, APC', 'a\u0090dcs\u009cb\u0098sos\u009cc\u009epm\u009cd\u009fapc\u009ce', 'abcde'],
		['two-byte escapes (RIS, DECSC, RI)', `a${ESC}cb${ESC}7c${ESC}Md`, 'abcd'],
		['charset designation', `a${ESC}(Bb${ESC}#8c`, 'abc'],
		['lone ESC before a line break', `a${ESC}\nb`, 'a\nb'],
		['lone ESC before non-ASCII text', `a${ESC}é`, 'aé'],
		// ESC SP F is a real (7-bit controls) sequence, so the letter goes with it.
		['ESC, space, final byte', `a${ESC} Fb`, 'ab'],
		['lone ESC at the end', `ab${ESC}`, 'ab'],
		['double ESC', `a${ESC}${ESC}[31mb`, 'ab'],
		['ESC inside OSC starts a new sequence', `a${ESC}]0;t${ESC}[31mb`, 'ab'],
		['CAN cancels a string', `a${ESC}]0;t\u0018b`, 'ab'],
		['other C1 controls', 'a\u0080\u0085\u008d\u0096\u009cb', 'ab'],
		['lone CR is dropped', 'abc\rxyz', 'abcxyz'],
		['CRLF becomes LF', 'one\r\ntwo\r\n', 'one\ntwo\n'],
		['backspaces', 'abc\b\b\bxyz', 'abcxyz'],
		['BEL and other C0', `a${BEL}b\u0000c\u000bd\u000ce\u001ff`, 'abcdef'],
		['DEL', 'a\u007fb', 'ab'],
		['LF and TAB stay', 'a\tb\nc', 'a\tb\nc'],
		['bidi overrides and isolates', 'a\u202eb\u202ac\u202bd\u202ce\u202df\u2066g\u2067h\u2068i\u2069j\u200ek\u200fl\u061cm', 'abcdefghijklm'],
		['unicode text survives', 'héllo 世界 🙂 — “quotes” ─ ✓ █', 'héllo 世界 🙂 — “quotes” ─ ✓ █'],
		['zero-width characters', 'a\u200bb\u200cc\u200dd\u2060e\u2061f\u2062g\u2063h\u2064i\ufeffj', 'abcdefghij'],
		['soft hyphen, Mongolian vowel separator, annotation marks', 'a\u00adb\u180ec\ufff9d\ufffae\ufffbf', 'abcdef'],
		['line and paragraph separators', 'a\u2028b\u2029c', 'abc'],
		['deprecated format characters U+206A–U+206F', 'a\u206ab\u206fc', 'abc'],
		['tag characters (ASCII smuggling)', `visible${String.fromCodePoint(0xe0001, 0xe0069, 0xe0067, 0xe006e, 0xe007f)} text`, 'visible text'],
		['lone surrogates', 'a\ud800b\udc00c', 'abc'],
		['astral letters and emoji survive', '𝔘𝔫𝔦 🙂🚀', '𝔘𝔫𝔦 🙂🚀'],
		['CSI cut by a control: control dropped, rest is text', `a${ESC}[3\n1mb`, 'a\n1mb'],
	];
	it.each(cases)('%s', (_name, input, expected) => {
		const output = sanitizeText(input);
		expect(output).toBe(expected);
		expectInert(output);
	});
});

describe('invisible characters', () => {
	it('the hard-coded ranges are exactly the format characters of this Node, plus U+2028/U+2029 and the tag block', () => {
		const format = /[\p{Cf}\p{Zl}\p{Zp}]/u;
		const mismatches: string[] = [];
		for (let code = 0; code <= 0x10ffff; code++) {
			if (code >= 0xd800 && code <= 0xdfff) continue;
			const expected = format.test(String.fromCodePoint(code)) || (code >= 0xe0000 && code <= 0xe007f);
			if (isInvisible(code) !== expected) mismatches.push(code.toString(16));
		}
		expect(mismatches).toEqual([]);
		expect(INVISIBLE_RANGES.every(([low, high], index) => low <= high && (index === 0 || INVISIBLE_RANGES[index - 1]![1] < low))).toBe(true);
	});

	it('a key with zero-width characters inside comes out whole, so the redactor can see it', () => {
		expect(sanitizeText('sk-\u200babc\u200d123\ufeffxyz')).toBe('sk-abc123xyz');
	});
});

describe('stripTerminalControls', () => {
	it('removes every control and invisible character one by one, leaving payloads visible', () => {
		const hostile = `name${ESC}]0;pwned${BEL} \u009b31mx\u202e\u200b${String.fromCodePoint(0xe0041)}\r\b\ud800 🙂\tok\n`;
		const output = stripTerminalControls(hostile);
		expect(output).toBe('name]0;pwned 31mx 🙂\tok\n');
		expectInert(output);
	});

	it('never swallows what follows a hostile value', () => {
		for (const tail of [`${ESC}]`, `${ESC}[`, `${ESC} `, '\u009d', '\u009b', `${ESC}P`]) {
			expect(stripTerminalControls(`evil${tail} — started`)).toMatch(/ — started$/);
		}
	});

	it('leaves text with nothing to strip as it is', () => {
		const plain = 'Provider groq · ok ─ ✓ █ “q” 世界 🙂\n\tindented';
		expect(stripTerminalControls(plain)).toBe(plain);
	});

	it('drops exactly the controls, invisibles and lone surrogates, code unit by code unit', () => {
		const kept: number[] = [];
		const wrong: number[] = [];
		for (let code = 0; code <= 0xffff; code++) {
			const unit = String.fromCharCode(code);
			const drop = (code < 0x20 && code !== 0x0a && code !== 0x09) || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff) || isInvisible(code);
			const text = `a${unit}b`;
			if (stripTerminalControls(text) !== (drop ? 'ab' : text)) wrong.push(code);
			if (!drop) kept.push(code);
		}
		expect(wrong).toEqual([]);
		expect(kept.length).toBeGreaterThan(60_000);
		for (const [low, high] of INVISIBLE_RANGES.filter(([low]) => low > 0xffff)) {
			for (const point of [low, high]) expect(stripTerminalControls(`a${String.fromCodePoint(point)}b`)).toBe('ab');
		}
		expect(stripTerminalControls(`a${String.fromCodePoint(0x1f642)}b`)).toBe('a🙂b');
	});
});

describe('sanitizeLine', () => {
	it('keeps a field on one line', () => {
		expect(sanitizeLine(`name\nFAKE ROW\t${ESC}[31mx\r`)).toBe('name FAKE ROW x');
	});
});

describe('terminalJson', () => {
	const hostile = {
		name: `${ESC}]0;title${BEL}a\u009b2J\u202eb\u200bc\u2028d`,
		tag: `x${String.fromCodePoint(0xe0041)}y`,
		list: ['\u0000\u007f\u0085', 'plain 世界 🙂'],
	};

	it('is exact: parsing it gives back every string unchanged', () => {
		expect(JSON.parse(terminalJson(hostile))).toEqual(hostile);
	});

	it('holds no raw control or invisible character, only escapes', () => {
		const text = terminalJson(hostile);
		expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/u);
		expect(text).toContain('\\u001b]0;title\\u0007a\\u009b2J\\u202eb\\u200bc\\u2028d');
		expect(text).toContain('x\\udb40\\udc41y');
		expect(text).toContain('plain 世界 🙂');
	});

	it('escapes exactly the controls and invisibles, code unit by code unit', () => {
		const wrong: number[] = [];
		for (let code = 0; code <= 0xffff; code++) {
			if (code >= 0xd800 && code <= 0xdfff) continue;
			const unit = String.fromCharCode(code);
			const escape = code < 0x20 || (code >= 0x7f && code <= 0x9f) || isInvisible(code);
			const expected = escape ? JSON.stringify(`a${unit}b`).replace(unit, `\\u${code.toString(16).padStart(4, '0')}`) : JSON.stringify(`a${unit}b`);
			if (terminalJson(`a${unit}b`) !== expected) wrong.push(code);
		}
		expect(wrong).toEqual([]);
		expect(terminalJson(`a${String.fromCodePoint(0xe0041)}b`)).toBe('"a\\udb40\\udc41b"');
	});

	it('is what JSON.stringify gives when there is nothing to escape', () => {
		const plain = {a: [1, 'two', null], b: {c: 'é — “q”'}};
		expect(terminalJson(plain)).toBe(JSON.stringify(plain, null, 2));
	});
});

describe('TerminalSanitizer across chunks', () => {
	const sequences = [
		`x${ESC}]52;c;ZWNobyBoaQ==${BEL}y`,
		`x${ESC}]8;;https://evil.example${ST}link${ESC}]8;;${ST}y`,
		`x${ESC}[2J${ESC}[10;20Hy`,
		'x\u009b31my',
		`x${ESC}P1$r0m${ST}y`,
		'x\r\ny',
		'x\u009d0;t\u009cy',
		`x${String.fromCodePoint(0xe0041)}🙂y`,
	];
	it.each(sequences)('removes %j split at every position', (input) => {
		const expected = sanitizeText(input);
		for (let cut = 0; cut <= input.length; cut++) {
			const sanitizer = new TerminalSanitizer();
			const output = sanitizer.push(input.slice(0, cut)) + sanitizer.push(input.slice(cut)) + sanitizer.flush();
			expect(output, `cut at ${cut}`).toBe(expected);
			expectInert(output);
		}
	});

	it('removes a sequence fed one code unit at a time', () => {
		const input = `a${ESC}]0;title${ST}b${ESC}[1;31mc\u009b0md`;
		const sanitizer = new TerminalSanitizer();
		let output = '';
		for (const unit of input.split('')) output += sanitizer.push(unit);
		output += sanitizer.flush();
		expect(output).toBe('abcd');
	});

	it('keeps a surrogate pair split between chunks whole', () => {
		const emoji = '🙂';
		const sanitizer = new TerminalSanitizer();
		const first = sanitizer.push(`a${emoji[0]}`);
		expect(first).toBe('a');
		expect(sanitizer.push(`${emoji[1]}b`)).toBe(`${emoji}b`);
		expect(sanitizer.flush()).toBe('');
	});

	it('drops half a surrogate pair left at the end of the stream', () => {
		const sanitizer = new TerminalSanitizer();
		expect(sanitizer.push('a\ud83d')).toBe('a');
		expect(sanitizer.flush()).toBe('');
	});

	it('forgets an unfinished sequence on flush', () => {
		const sanitizer = new TerminalSanitizer();
		expect(sanitizer.push(`a${ESC}]0;unfinished`)).toBe('a');
		expect(sanitizer.flush()).toBe('');
		expect(sanitizer.push('b')).toBe('b');
	});
});

describe('unterminated string sequences', () => {
	it('gives up on a 1 MB unterminated OSC: later text survives, nothing unsafe passes', () => {
		const payload = 'A'.repeat(1024 * 1024);
		const input = `before ${ESC}]52;c;${payload} VISIBLE ${ESC}[2J${ESC}]0;late${BEL}end`;
		const started = performance.now();
		const output = sanitizeText(input);
		expect(performance.now() - started).toBeLessThan(2000);
		expect(output.startsWith('before ')).toBe(true);
		expect(output).toContain(' VISIBLE end');
		expect(output).not.toContain('late');
		expectInert(output);
		// What was swallowed is bounded by the cap; the rest of the payload reads as text.
		expect(output.length).toBeGreaterThan(payload.length - STRING_SEQUENCE_CAP - 10);
	});

	it('gives up on an unterminated OSC streamed in many chunks', () => {
		const sanitizer = new TerminalSanitizer();
		let output = sanitizer.push(`start ${ESC}]8;;`);
		for (let index = 0; index < 64; index++) output += sanitizer.push('u'.repeat(16 * 1024));
		output += sanitizer.push(` tail${ESC}[31m!`);
		output += sanitizer.flush();
		expect(output.startsWith('start ')).toBe(true);
		expect(output.endsWith(' tail!')).toBe(true);
		expectInert(output);
	});

	it('swallows an OSC shorter than the cap entirely', () => {
		const url = `https://example.com/${'p'.repeat(2000)}`;
		expect(sanitizeText(`a${ESC}]8;;${url}${ST}link${ESC}]8;;${ST}b`)).toBe('alinkb');
	});

	it('bounds a CSI that never ends', () => {
		const output = sanitizeText(`a${ESC}[${'1;'.repeat(10_000)}b`);
		expect(output.startsWith('a')).toBe(true);
		expect(output.endsWith('b')).toBe(true);
		expectInert(output);
	});
});

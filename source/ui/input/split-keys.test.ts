import {describe, expect, it} from 'vitest';
import {isKnownSequence, pastedText, splitKeys} from './split-keys.js';

const keys = (text: string) => splitKeys(text).tokens.map((t) => (t.kind === 'key' ? t.sequence : `paste:${t.text}`));

describe('splitKeys', () => {
	it('splits a run of ordinary keys, Enter, Tab and Backspace into single keys', () => {
		expect(keys('jj\r\tab\u007F')).toEqual(['j', 'j', '\r', '\t', 'a', 'b', '\u007F']);
	});

	it('keeps escape sequences whole: arrows, Shift+Tab, modified arrows, function keys, a bound Alt+key', () => {
		const altX = (char: string) => char === 'x';
		const split = (text: string) => splitKeys(text, altX).tokens.map((t) => (t.kind === 'key' ? t.sequence : `paste:${t.text}`));
		expect(split('\u001B[Aj\u001B[Z\u001B[1;5C\u001B[15~\u001Bx\u001BOP')).toEqual(['\u001B[A', 'j', '\u001B[Z', '\u001B[1;5C', '\u001B[15~', '\u001Bx', '\u001BOP']);
	});

	it('ESC and a printable key in one read are Esc and then that key when no Alt binding takes it', () => {
		expect(keys('\u001BA')).toEqual(['\u001B', 'A']);
		expect(keys('\u001BLj\u001B:')).toEqual(['\u001B', 'L', 'j', '\u001B', ':']);
		// A control character after ESC stays Alt+that key (never a printable one).
		expect(keys('\u001B\r')).toEqual(['\u001B\r']);
		// Only where an Alt binding exists is it Alt+key.
		expect(splitKeys('\u001BA', (char) => char === 'A').tokens).toEqual([{kind: 'key', sequence: '\u001BA'}]);
	});

	it('keeps a character outside the BMP (an emoji) as one key', () => {
		expect(keys('a😀b')).toEqual(['a', '😀', 'b']);
	});

	it('drops sequences Ink cannot name (colours, focus and mouse reports) instead of passing them on', () => {
		expect(keys('a\u001B[31mb\u001B[Ic\u001B[<0;1;1Md')).toEqual(['a', 'b', 'c', 'd']);
		expect(isKnownSequence('\u001B[31m')).toBe(false);
		expect(isKnownSequence('\u001B[B')).toBe(true);
	});

	it('holds back an ESC ending the read and an unfinished sequence, for the next read to complete', () => {
		expect(splitKeys('j\u001B')).toEqual({tokens: [{kind: 'key', sequence: 'j'}], rest: '\u001B'});
		expect(splitKeys('j\u001B[1;')).toEqual({tokens: [{kind: 'key', sequence: 'j'}], rest: '\u001B[1;'});
		expect(keys('\u001B\u001B')).toEqual(['\u001B']);
	});

	it('turns a bracketed paste into one text event without any control character or escape sequence', () => {
		expect(keys('\u001B[200~sk-a\r\nb\u001B[31mc\u0007\u202Ed\u001B[201~\r')).toEqual(['paste:sk-abcd', '\r']);
		expect(splitKeys('\u001B[200~half of a pas').rest).toBe('\u001B[200~half of a pas');
		expect(pastedText('a\u200Bb\tc')).toBe('abc');
	});
});

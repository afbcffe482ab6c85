/**
 * Splits what one read from the terminal holds into single keypresses.
 *
 * Ink 6.8 splits a read only at ESC, so `jj`, `:provider x⏎` or `name⇥url⏎` arriving in one read
 * (a slow SSH link, a fast typist, tmux send-keys, a paste without bracketed-paste mode) would
 * reach the dashboard as ONE event that matches no key. Here every read becomes a list of tokens:
 * one printable character, one control key, one escape sequence (arrows, function keys with
 * modifiers, Shift+Tab, Alt+key), or one bracketed paste. Sequences Ink cannot name (colour codes,
 * focus and mouse reports) are dropped here: Ink's keypress parser fails on some of them.
 */

import {sanitizeText} from '../../lib/sanitize.js';

export type KeyToken =
	/** One key as Ink should see it: a character, a control character or an escape sequence. */
	| {readonly kind: 'key'; readonly sequence: string}
	/** A bracketed paste, control characters already removed: text, never commands. */
	| {readonly kind: 'paste'; readonly text: string};

const ESC = '\u001B';
const PASTE_START = `${ESC}[200~`;
const PASTE_END = `${ESC}[201~`;

/**
 * The codes Ink's parse-keypress names (node_modules/ink/build/parse-keypress.js `keyName`),
 * written as the code it assembles: prefix (`[`, `[[`, `O`) + number + final character.
 */
const knownCodes = new Set([
	'OP', 'OQ', 'OR', 'OS',
	'[11~', '[12~', '[13~', '[14~', '[15~', '[17~', '[18~', '[19~', '[20~', '[21~', '[23~', '[24~',
	'[[A', '[[B', '[[C', '[[D', '[[E', '[[5~', '[[6~',
	'[A', '[B', '[C', '[D', '[E', '[F', '[H', 'OA', 'OB', 'OC', 'OD', 'OE', 'OF', 'OH',
	'[1~', '[2~', '[3~', '[4~', '[5~', '[6~', '[7~', '[8~',
	'[a', '[b', '[c', '[d', '[e', '[2$', '[3$', '[5$', '[6$', '[7$', '[8$', 'Oa', 'Ob', 'Oc', 'Od', 'Oe',
	'[2^', '[3^', '[5^', '[6^', '[7^', '[8^',
	'[Z',
]);

/** Ink's own pattern for function keys, so "known" means what Ink will parse. */
const fnKey = /^(?:\u001B+)(O|N|\[|\[\[)(?:(\d+)(?:;(\d+))?([~^$])|(?:1;)?(\d+)?([a-zA-Z]))$/;

export function isKnownSequence(sequence: string): boolean {
	const parts = fnKey.exec(sequence);
	if (!parts) return false;
	const code = [parts[1], parts[2], parts[4], parts[6]].filter(Boolean).join('');
	return knownCodes.has(code);
}

/** Removes every control character (C0, DEL, C1) and bidi/zero-width format characters. */
export function stripControls(text: string): string {
	return text.replace(/[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g, '');
}

/** Pasted text as a field takes it: whole escape sequences removed (not just their ESC), then every control character. */
export function pastedText(text: string): string {
	return stripControls(sanitizeText(text));
}

/** The end of a CSI sequence starting at `start` (ESC [ …), or -1 when the read ends inside it. */
function csiEnd(text: string, start: number): number {
	let index = start + 2;
	// Legacy function keys: ESC [ [ A.
	if (text[index] === '[') index++;
	for (; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code >= 0x40 && code <= 0x7e) return index + 1;
		if (code < 0x20 || code > 0x3f) return index; // not a CSI after all: ends before this
	}
	return -1;
}

export interface SplitResult {
	readonly tokens: KeyToken[];
	/**
	 * The unfinished tail of the read (half an escape sequence, or a paste whose end marker has
	 * not arrived yet), to be put in front of the next read.
	 */
	readonly rest: string;
}

/**
 * Splits `text` into keys. An unfinished escape sequence or bracketed paste, and an ESC that
 * ends the read, are returned as `rest`.
 *
 * ESC followed by a printable character is what a terminal sends for Alt+key — and also what
 * arrives when Esc and the next key are typed quickly (over SSH the two often share one read).
 * It is Alt+key only where the dashboard binds that Alt combination (`altBound`); otherwise it
 * is the Esc key and then the key, as the operator meant: `Esc A` on the audit log closes it and
 * opens the aliases view.
 */
export function splitKeys(text: string, altBound: (char: string) => boolean = () => false): SplitResult {
	const tokens: KeyToken[] = [];
	let index = 0;
	while (index < text.length) {
		const char = text[index]!;
		if (char !== ESC) {
			const point = text.codePointAt(index)!;
			const size = point > 0xffff ? 2 : 1;
			tokens.push({kind: 'key', sequence: text.slice(index, index + size)});
			index += size;
			continue;
		}
		if (text.startsWith(PASTE_START, index)) {
			const end = text.indexOf(PASTE_END, index + PASTE_START.length);
			if (end < 0) return {tokens, rest: text.slice(index)};
			const pasted = pastedText(text.slice(index + PASTE_START.length, end));
			if (pasted.length > 0) tokens.push({kind: 'paste', text: pasted});
			index = end + PASTE_END.length;
			continue;
		}
		const next = text[index + 1];
		// An ESC ending a read is the Esc key, or the start of a sequence split between reads:
		// the caller waits a moment for the rest (PacedInput: sequenceWaitMs) before calling it Esc.
		if (next === undefined) return {tokens, rest: text.slice(index)};
		if (next === '[' || (next === ESC && text[index + 2] === '[')) {
			const offset = next === ESC ? 1 : 0;
			const end = csiEnd(text, index + offset);
			if (end < 0) return {tokens, rest: text.slice(index)};
			const sequence = text.slice(index, end);
			if (isKnownSequence(sequence)) tokens.push({kind: 'key', sequence});
			index = end;
			continue;
		}
		if (next === 'O') {
			if (index + 2 >= text.length) return {tokens, rest: text.slice(index)};
			const sequence = text.slice(index, index + 3);
			if (isKnownSequence(sequence)) tokens.push({kind: 'key', sequence});
			index += 3;
			continue;
		}
		if (next === ESC) {
			// Esc pressed twice: two Esc keys.
			tokens.push({kind: 'key', sequence: ESC});
			index++;
			continue;
		}
		// Alt+key: ESC followed by one character — or Esc and then that key, when no Alt binding takes it.
		const point = text.codePointAt(index + 1)!;
		const size = point > 0xffff ? 2 : 1;
		const after = text.slice(index + 1, index + 1 + size);
		if (isPrintable({kind: 'key', sequence: after}) && !altBound(after)) {
			tokens.push({kind: 'key', sequence: ESC}, {kind: 'key', sequence: after});
		} else tokens.push({kind: 'key', sequence: text.slice(index, index + 1 + size)});
		index += 1 + size;
	}
	return {tokens, rest: ''};
}

/** A printable character: what a text field inserts (runs of these may travel as one event). */
export function isPrintable(token: KeyToken): boolean {
	if (token.kind !== 'key') return false;
	const code = token.sequence.codePointAt(0)!;
	return token.sequence[0] !== ESC && code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code <= 0x9f) && stripControls(token.sequence) === token.sequence;
}

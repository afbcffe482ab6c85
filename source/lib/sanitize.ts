/**
 * Terminal sanitiser for untrusted text: model output, provider error bodies, model
 * ids, stored fields and echoed argv — everything that reaches a terminal and was not
 * written by eval752 itself.
 *
 * Anything a provider sends can reach the operator's terminal, and a terminal
 * obeys what it is sent: OSC 52 writes the clipboard, OSC 8 hides a link behind
 * harmless text, CSI 2J clears the screen, a lone CR or backspaces overwrite what
 * the operator already read, bidi overrides reorder it, and invisible characters
 * hide text or split a key so that it no longer reads as one. The sanitiser
 * removes all of it, so its output holds no ESC, no C1 control, no C0 control
 * except `\n` and `\t`, no DEL, no lone surrogate and no invisible character —
 * whatever the input was.
 *
 * Invisible characters ({@link isInvisible}) are every Unicode format character
 * (general category Cf: bidi controls, zero-width space/joiners U+200B–U+200F,
 * word joiner and invisible operators U+2060–U+2064, U+FEFF, the soft hyphen
 * U+00AD, the Mongolian vowel separator U+180E, the interlinear annotation marks,
 * the tag characters U+E0000–U+E007F, …) plus the line and paragraph separators
 * U+2028/U+2029, which some terminals and most log viewers treat as line breaks.
 * They are removed, not shown as placeholders: none of them is needed to read
 * text in a terminal, and removing them lets the redactor see a key that had
 * zero-width characters slipped between its characters. The price is small and
 * accepted: emoji ZWJ sequences fall apart into their parts and subdivision flags
 * (which use tag characters) show as a plain black flag.
 *
 * It is a state machine over UTF-16 code units that keeps its state between
 * `push` calls: a sequence split across two stream chunks is removed just like a
 * whole one. It never buffers the contents of a sequence (nothing of one is ever
 * shown), so memory stays constant; a string sequence (OSC, DCS, SOS, PM, APC)
 * that does not end within {@link STRING_SEQUENCE_CAP} code units is given up on
 * and the rest reads as ordinary text, so an unterminated OSC cannot hide the rest
 * of a response.
 */

/** Longest string sequence swallowed before giving up on it (OSC 8 URLs are far shorter). */
export const STRING_SEQUENCE_CAP = 4096;

/** Longest CSI or two-byte-escape tail swallowed; real ones are a few dozen bytes. */
const CONTROL_SEQUENCE_CAP = 256;

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;
const DEL = 0x7f;
const LF = 0x0a;
const TAB = 0x09;
const CSI_8BIT = 0x9b;
const ST_8BIT = 0x9c;
const BACKSLASH = 0x5c;

/** Parser states; a const object rather than an enum so the file stays erasable TypeScript. */
const State = {
	/** Ordinary text. */
	Text: 0,
	/** After ESC: the next code unit decides what the sequence is. */
	Escape: 1,
	/** After ESC plus intermediate bytes (0x20–0x2F): waiting for the final byte. */
	EscapeIntermediate: 2,
	/** Inside CSI: parameter and intermediate bytes until a final byte 0x40–0x7E. */
	Csi: 3,
	/** Inside OSC/DCS/SOS/PM/APC: everything until BEL or ST. */
	String: 4,
	/** Inside a string sequence right after ESC: `\` ends it, anything else starts a new escape. */
	StringEscape: 5,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * Unicode format characters (general category Cf, Unicode 17) and the line and
 * paragraph separators, as inclusive code point ranges. Hard-coded rather than
 * computed from `\p{Cf}` at start-up: the table is consulted for every character
 * shown, and building it costs start-up time on every command. A unit test checks
 * it against the running Node's own Unicode data.
 */
export const INVISIBLE_RANGES: readonly (readonly [number, number])[] = [
	[0x00ad, 0x00ad],
	[0x0600, 0x0605],
	[0x061c, 0x061c],
	[0x06dd, 0x06dd],
	[0x070f, 0x070f],
	[0x0890, 0x0891],
	[0x08e2, 0x08e2],
	[0x180e, 0x180e],
	[0x200b, 0x200f],
	[0x2028, 0x202e],
	[0x2060, 0x2064],
	[0x2066, 0x206f],
	[0xfeff, 0xfeff],
	[0xfff9, 0xfffb],
	[0x110bd, 0x110bd],
	[0x110cd, 0x110cd],
	[0x13430, 0x1343f],
	[0x1bca0, 0x1bca3],
	[0x1d173, 0x1d17a],
	// The whole tag block, assigned or not: invisible "ASCII smuggling" text.
	[0xe0000, 0xe007f],
];

/** True for a code point that a terminal does not show but that changes or hides text (see the module comment). */
export function isInvisible(codePoint: number): boolean {
	if (codePoint < 0x00ad) return false;
	for (const [low, high] of INVISIBLE_RANGES) {
		if (codePoint < low) return false;
		if (codePoint <= high) return true;
	}
	return false;
}

const hex4 = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;

/**
 * Every code unit that {@link stripTerminalControls} or {@link terminalJson} might change: C0
 * except `\n`, DEL and C1, any surrogate (astral invisibles and lone halves), the invisible
 * ranges of the BMP. A string without one passes both unchanged, so they can hand it back after
 * one native regex scan instead of a loop over every code unit: `status --json` on a few hundred
 * providers writes well over half a megabyte, and that loop runs cold, once per command.
 */
const MAY_CHANGE = new RegExp(
	`[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\ud800-\\udfff${INVISIBLE_RANGES.filter(([low]) => low <= 0xffff)
		.map(([low, high]) => `${hex4(low)}-${hex4(high)}`)
		.join('')}]`,
);

/** True for a C0 or C1 control or DEL (`\n` and `\t` included: callers decide about those). */
export function isControl(codePoint: number): boolean {
	return codePoint < 0x20 || (codePoint >= DEL && codePoint <= 0x9f);
}

/** Code units of the BMP, outside the surrogates, that are shown as they are; everything else is dropped or starts a sequence. */
function isPlain(code: number): boolean {
	if (code < 0x20) return code === LF || code === TAB;
	if (code >= DEL && code <= 0x9f) return false;
	return !isInvisible(code);
}

function isHighSurrogate(code: number): boolean {
	return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
	return code >= 0xdc00 && code <= 0xdfff;
}

export class TerminalSanitizer {
	#state: State = State.Text;
	/** Code units consumed by the current sequence, for the caps. */
	#sequenceLength = 0;
	/**
	 * A high surrogate at the end of a chunk, held until the next chunk so a
	 * character split between two deltas is not emitted as half a pair.
	 */
	#pendingHigh = '';

	/** Sanitises the next chunk of a stream; the state carries over to the next call. */
	push(chunk: string): string {
		let input = chunk;
		if (this.#pendingHigh) {
			input = this.#pendingHigh + input;
			this.#pendingHigh = '';
		}
		// Held whatever the state: the machine reads code units one at a time, so
		// reading the held one with the next chunk gives the same result.
		if (input.length > 0 && isHighSurrogate(input.charCodeAt(input.length - 1))) {
			this.#pendingHigh = input.slice(-1);
			input = input.slice(0, -1);
		}

		const out: string[] = [];
		let runStart = -1;
		const closeRun = (end: number) => {
			if (runStart >= 0) {
				out.push(input.slice(runStart, end));
				runStart = -1;
			}
		};

		for (let index = 0; index < input.length; index++) {
			const code = input.charCodeAt(index);
			switch (this.#state) {
				case State.Text: {
					if (isHighSurrogate(code)) {
						// A trailing high surrogate is held back above, so its pair (if any) is here.
						const next = input.charCodeAt(index + 1);
						if (isLowSurrogate(next) && !isInvisible(((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000)) {
							if (runStart < 0) runStart = index;
						} else {
							// An invisible astral character (a tag character) or a lone surrogate: dropped.
							closeRun(index);
						}
						if (isLowSurrogate(next)) index++;
						continue;
					}
					if (isLowSurrogate(code)) {
						closeRun(index);
						continue;
					}
					if (isPlain(code)) {
						if (runStart < 0) runStart = index;
						continue;
					}
					closeRun(index);
					this.#enterFromText(code);
					continue;
				}
				case State.Escape: {
					this.#sequenceLength = 1;
					if (code === 0x5b /* [ */) {
						this.#state = State.Csi;
					} else if (code === 0x5d /* ] */ || code === 0x50 /* P */ || code === 0x58 /* X */ || code === 0x5e /* ^ */ || code === 0x5f /* _ */) {
						this.#state = State.String;
					} else if (code >= 0x20 && code <= 0x2f) {
						this.#state = State.EscapeIntermediate;
					} else if (code >= 0x30 && code <= 0x7e) {
						// A complete two-byte sequence (ESC c, ESC 7, ESC M, …): dropped.
						this.#state = State.Text;
					} else if (code === ESC) {
						// A lone ESC followed by another ESC: the first one is dropped.
						this.#state = State.Escape;
					} else {
						// A lone ESC: dropped, and this code unit is read as text.
						this.#state = State.Text;
						index--;
					}
					continue;
				}
				case State.EscapeIntermediate: {
					if (code >= 0x20 && code <= 0x2f) {
						if (++this.#sequenceLength > CONTROL_SEQUENCE_CAP) this.#state = State.Text;
					} else if (code >= 0x30 && code <= 0x7e) {
						this.#state = State.Text;
					} else {
						this.#state = State.Text;
						index--;
					}
					continue;
				}
				case State.Csi: {
					if (code >= 0x40 && code <= 0x7e) {
						this.#state = State.Text;
					} else if (code >= 0x20 && code <= 0x3f) {
						if (++this.#sequenceLength > CONTROL_SEQUENCE_CAP) this.#state = State.Text;
					} else {
						// Not part of a CSI (a control, ESC, a C1 or non-ASCII text): the
						// sequence is abandoned and this code unit is read afresh.
						this.#state = State.Text;
						index--;
					}
					continue;
				}
				case State.String: {
					if (code === BEL || code === ST_8BIT || code === CAN || code === SUB) {
						this.#state = State.Text;
					} else if (code === ESC) {
						this.#state = State.StringEscape;
					} else if (++this.#sequenceLength > STRING_SEQUENCE_CAP) {
						// Give up: what was swallowed stays dropped, the rest is text again.
						this.#state = State.Text;
						index--;
					}
					continue;
				}
				case State.StringEscape: {
					if (code === BACKSLASH) {
						this.#state = State.Text;
					} else {
						// ESC inside a string ends it and starts a new escape sequence.
						this.#state = State.Escape;
						index--;
					}
					continue;
				}
			}
		}
		closeRun(input.length);
		return out.join('');
	}

	/**
	 * Ends the stream: returns what is still held back (half of a surrogate pair)
	 * and forgets any unfinished sequence, so the instance can be reused.
	 */
	flush(): string {
		// Half a surrogate pair at the very end has no other half coming: it is dropped.
		this.#pendingHigh = '';
		this.#state = State.Text;
		this.#sequenceLength = 0;
		return '';
	}

	#enterFromText(code: number): void {
		this.#sequenceLength = 0;
		if (code === ESC) {
			this.#state = State.Escape;
		} else if (code === CSI_8BIT) {
			this.#state = State.Csi;
		} else if (code === 0x9d || code === 0x90 || code === 0x98 || code === 0x9e || code === 0x9f) {
			// 8-bit OSC, DCS, SOS, PM, APC.
			this.#state = State.String;
		}
		// Every other non-plain code unit (C0, CR, DEL, lone C1, ST, invisible) is dropped.
	}
}

/** One-shot form of {@link TerminalSanitizer} for a complete string (an error body, a stored excerpt). */
export function sanitizeText(text: string): string {
	const sanitizer = new TerminalSanitizer();
	return sanitizer.push(text) + sanitizer.flush();
}

/**
 * For composed text where the untrusted parts' edges are unknown (a whole line that quotes a
 * stored name): every control character (C0 but `\n` and `\t`, CR, DEL, C1), invisible
 * character and lone surrogate is removed one by one, and nothing else. The payload of an
 * escape sequence stays as plain, visible text (`]0;pwned`), which a terminal does not act on —
 * and, unlike {@link sanitizeText}, which swallows a whole sequence, it can never swallow the
 * text that follows a hostile value (a name ending in `ESC ]` would otherwise hide the rest of
 * the line, or of the table, behind it). The headless commands' output boundary uses this.
 */
export function stripTerminalControls(text: string): string {
	if (!MAY_CHANGE.test(text)) return text;
	let out = '';
	let runStart = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		let drop = 0;
		if (isHighSurrogate(code)) {
			const next = text.charCodeAt(index + 1);
			if (!isLowSurrogate(next)) drop = 1;
			else if (isInvisible(((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000)) drop = 2;
			else {
				index++;
				continue;
			}
		} else if (isLowSurrogate(code) || (isControl(code) && code !== LF && code !== TAB) || isInvisible(code)) drop = 1;
		if (drop === 0) continue;
		out += text.slice(runStart, index);
		index += drop - 1;
		runStart = index + 1;
	}
	return out + text.slice(runStart);
}

/**
 * One field on one line (a table cell, a name in a list row, a header): sanitised, and
 * line breaks and tabs become single spaces, so a stored value cannot break the layout
 * around it or push a fake row under it.
 */
export function sanitizeLine(text: string): string {
	return sanitizeText(text).replace(/[\n\t]+/g, ' ');
}

/**
 * `JSON.stringify` for output that may reach a terminal (`--json` piped to a pager, or
 * shown as it is): exact — parsing it gives back every string unchanged — but every
 * control character (C0, DEL, C1), line/paragraph separator and invisible character is
 * written as a `\uXXXX` escape. JSON.stringify escapes only C0 itself; those characters
 * can only occur inside strings, so escaping them keeps the document valid.
 */
export function terminalJson(value: unknown, indent = 2): string {
	const text = JSON.stringify(value, null, indent) ?? 'null';
	if (!MAY_CHANGE.test(text)) return text;
	let out = '';
	let runStart = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		let length = 0;
		if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(index + 1))) {
			if (isInvisible(((code - 0xd800) << 10) + (text.charCodeAt(index + 1) - 0xdc00) + 0x10000)) length = 2;
			else {
				index++;
				continue;
			}
		} else if ((isControl(code) && code !== LF) || isInvisible(code)) length = 1;
		if (length === 0) continue;
		out += text.slice(runStart, index);
		for (let unit = 0; unit < length; unit++) out += `\\u${text.charCodeAt(index + unit).toString(16).padStart(4, '0')}`;
		index += length - 1;
		runStart = index + 1;
	}
	return out + text.slice(runStart);
}

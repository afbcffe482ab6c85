/**
 * Terminal sanitiser for untrusted text: model output and provider error bodies.
 *
 * Anything a provider sends can reach the operator's terminal, and a terminal
 * obeys what it is sent: OSC 52 writes the clipboard, OSC 8 hides a link behind
 * harmless text, CSI 2J clears the screen, a lone CR or backspaces overwrite what
 * the operator already read, bidi overrides reorder it. The sanitiser removes all
 * of it, so its output holds no ESC, no C1 control, no C0 control except `\n` and
 * `\t`, no DEL and no bidi control — whatever the input was.
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

/** Bidi controls that reorder what the operator sees (Trojan Source). */
function isBidiControl(code: number): boolean {
	return (
		(code >= 0x202a && code <= 0x202e) ||
		(code >= 0x2066 && code <= 0x2069) ||
		code === 0x200e ||
		code === 0x200f ||
		code === 0x061c
	);
}

/** Code units that are shown as they are; everything else is dropped or starts a sequence. */
function isPlain(code: number): boolean {
	if (code < 0x20) return code === LF || code === TAB;
	if (code === DEL) return false;
	if (code >= 0x80 && code <= 0x9f) return false;
	if (code < 0x061c) return true;
	return !isBidiControl(code);
}

function isHighSurrogate(code: number): boolean {
	return code >= 0xd800 && code <= 0xdbff;
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
		const rest = this.#pendingHigh;
		this.#pendingHigh = '';
		this.#state = State.Text;
		this.#sequenceLength = 0;
		return rest;
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
		// Every other non-plain code unit (C0, CR, DEL, lone C1, ST, bidi) is dropped.
	}
}

/** One-shot form of {@link TerminalSanitizer} for a complete string (an error body, a stored excerpt). */
export function sanitizeText(text: string): string {
	const sanitizer = new TerminalSanitizer();
	return sanitizer.push(text) + sanitizer.flush();
}

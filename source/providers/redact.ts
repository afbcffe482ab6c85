/**
 * Secret redaction for text that came back from a provider (error bodies, SDK
 * messages, model output, model ids) before it is shown, logged, audited or stored.
 * Only text from outside is redacted: eval752's own words (a provider's name in
 * "Provider X rejects the key") are never passed through here.
 *
 * Providers echo keys whole ("Incorrect API key provided: sk-…") and in parts
 * (`sk-abc1…wxyz`, the first or last dozen characters), so redacting only the
 * exact secret is not enough: every run of {@link MIN_FRAGMENT} or more
 * consecutive characters of the secret is replaced too. Shorter runs stay — four
 * characters of a key are what the display hint shows anyway, and redacting every
 * short coincidence would mangle ordinary text.
 *
 * A key can also come back disguised: percent-encoded (`sk%2Dabc…`, or every
 * character as `%73%6B…`, as in a URL a model writes out), or with invisible
 * characters between its characters (U+200B, a soft hyphen, a tag character) so
 * that it never reads as one run. The text is therefore matched through a view:
 * `%XX` of an ASCII character counts as that character and invisible characters
 * count as nothing, and whatever a match covers in the real text — escapes and
 * invisible characters included — is replaced.
 *
 * A stream is redacted with {@link StreamRedactor}: a rolling window that holds back
 * just the tail that could still be the start of a key, so a key split across any
 * number of deltas is redacted before any of it is shown.
 */
import {isInvisible, TerminalSanitizer} from '../lib/sanitize.js';

/** Shortest fragment of a secret that is redacted on its own. */
export const MIN_FRAGMENT = 8;

export const REDACTED = '[redacted]';

/**
 * Suffix automaton of the secret: it recognises exactly the substrings of the
 * secret, so one left-to-right pass over the text gives, at each position, the
 * longest piece of the secret ending there. That is linear in the text (1 MB of
 * body against a 200-character key is a single pass), where trying every
 * substring of the secret would be O(n·m²).
 */
class SubstringAutomaton {
	readonly #next: Map<number, number>[] = [new Map()];
	readonly #link: number[] = [-1];
	readonly #length: number[] = [0];

	constructor(text: string) {
		let last = 0;
		for (let index = 0; index < text.length; index++) last = this.#extend(last, text.charCodeAt(index));
	}

	#extend(last: number, code: number): number {
		const current = this.#add(this.#length[last]! + 1, -1, new Map());
		let state = last;
		while (state !== -1 && !this.#next[state]!.has(code)) {
			this.#next[state]!.set(code, current);
			state = this.#link[state]!;
		}
		if (state === -1) {
			this.#link[current] = 0;
			return current;
		}
		const target = this.#next[state]!.get(code)!;
		if (this.#length[state]! + 1 === this.#length[target]) {
			this.#link[current] = target;
			return current;
		}
		const clone = this.#add(this.#length[state]! + 1, this.#link[target]!, new Map(this.#next[target]!));
		while (state !== -1 && this.#next[state]!.get(code) === target) {
			this.#next[state]!.set(code, clone);
			state = this.#link[state]!;
		}
		this.#link[target] = clone;
		this.#link[current] = clone;
		return current;
	}

	#add(length: number, link: number, next: Map<number, number>): number {
		this.#next.push(next);
		this.#link.push(link);
		this.#length.push(length);
		return this.#next.length - 1;
	}

	/**
	 * Calls `visit(end, length)` for each position of `codes` where a piece of the
	 * secret of at least `minimum` characters ends; `length` is the longest such piece.
	 * Returns the length of the longest piece of the secret that `codes` ends with.
	 */
	scan(codes: ArrayLike<number>, count: number, minimum: number, visit: (end: number, length: number) => void): number {
		let state = 0;
		let length = 0;
		for (let index = 0; index < count; index++) {
			const code = codes[index]!;
			while (state !== 0 && !this.#next[state]!.has(code)) {
				state = this.#link[state]!;
				length = this.#length[state]!;
			}
			const target = this.#next[state]!.get(code);
			if (target === undefined) {
				state = 0;
				length = 0;
			} else {
				state = target;
				length++;
			}
			if (length >= minimum) visit(index + 1, length);
		}
		return length;
	}
}

/**
 * The text as the matcher sees it: percent escapes of ASCII characters decoded,
 * invisible characters left out. `starts[i]`/`ends[i]` say where view unit `i` sits in
 * the real text. Typed arrays: a 1 MB error body is a million of these.
 */
interface View {
	readonly length: number;
	readonly codes: Uint16Array;
	readonly starts: Uint32Array;
	readonly ends: Uint32Array;
}

function hexValue(code: number): number {
	if (code >= 0x30 && code <= 0x39) return code - 0x30;
	const lower = code | 0x20;
	if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
	return -1;
}

/** `%XX` of an ASCII character at `index`, or -1. */
function percentDecoded(text: string, index: number): number {
	if (text.charCodeAt(index) !== 0x25 || index + 2 >= text.length) return -1;
	const high = hexValue(text.charCodeAt(index + 1));
	const low = hexValue(text.charCodeAt(index + 2));
	if (high < 0 || low < 0 || high > 7) return -1;
	return high * 16 + low;
}

function viewOf(text: string): View {
	const codes = new Uint16Array(text.length);
	const starts = new Uint32Array(text.length);
	const ends = new Uint32Array(text.length);
	let length = 0;
	for (let index = 0; index < text.length; ) {
		const code = text.charCodeAt(index);
		const decoded = code === 0x25 ? percentDecoded(text, index) : -1;
		if (decoded >= 0) {
			codes[length] = decoded;
			starts[length] = index;
			ends[length++] = index + 3;
			index += 3;
			continue;
		}
		const point = code >= 0xd800 && code <= 0xdbff ? text.codePointAt(index)! : code;
		const size = point > 0xffff ? 2 : 1;
		if (!isInvisible(point)) {
			// Astral characters are matched unit by unit, like the secret they are compared with.
			for (let unit = 0; unit < size; unit++) {
				codes[length] = text.charCodeAt(index + unit);
				starts[length] = index + unit;
				ends[length++] = index + unit + 1;
			}
		}
		index += size;
	}
	return {length, codes, starts, ends};
}

/** Pieces of the secret found in `text`, as merged [start, end) ranges of the real text, and how much of its end could still be one. */
function findPieces(automaton: SubstringAutomaton, minimum: number, text: string): {spans: Array<[number, number]>; tail: number} {
	const view = viewOf(text);
	const spans: Array<[number, number]> = [];
	// The longest piece ending at a position never starts before the one ending
	// earlier, so spans arrive sorted by start and merge in one sweep.
	const tailLength = automaton.scan(view.codes, view.length, minimum, (end, length) => {
		const start = view.starts[end - length]!;
		const stop = view.ends[end - 1]!;
		const previous = spans.at(-1);
		if (previous && start <= previous[1]) previous[1] = Math.max(previous[1], stop);
		else spans.push([start, stop]);
	});
	// Where the longest suffix that is a piece of the secret begins in the real text: from
	// there on, what follows may turn out to be a key.
	const tail = tailLength > 0 ? view.starts[view.length - tailLength]! : text.length;
	return {spans, tail};
}

function replaceSpans(text: string, spans: ReadonlyArray<readonly [number, number]>): string {
	if (spans.length === 0) return text;
	let result = '';
	let cursor = 0;
	for (const [start, end] of spans) {
		result += text.slice(cursor, start) + REDACTED;
		cursor = end;
	}
	return result + text.slice(cursor);
}

/**
 * Replaces the secret and every fragment of it of 8+ consecutive characters with
 * `[redacted]`, also where it is percent-encoded or has invisible characters inside.
 * Overlapping or touching fragments become one `[redacted]`. A secret shorter than 8
 * characters is redacted only where it appears whole.
 */
export function redactSecret(text: string, secret: string | null | undefined): string {
	if (!secret || !text) return text;
	return createRedactor(secret)(text);
}

/**
 * A redactor bound to one secret, for complete texts (an error body, an excerpt).
 * It is deliberately not cached at module level: the secret would outlive the
 * call it was decrypted for. A stream needs {@link StreamRedactor} instead: this
 * one cannot see a key split between two calls.
 */
export function createRedactor(secret: string | null | undefined): (text: string) => string {
	if (!secret) return (text) => text;
	const automaton = new SubstringAutomaton(secret);
	const minimum = Math.min(MIN_FRAGMENT, secret.length);
	return (text) => (text ? replaceSpans(text, findPieces(automaton, minimum, text).spans) : text);
}

/** A push/flush text stage: what a stream of deltas passes through before anyone sees it. */
export interface TextStage {
	/** The next delta in; what may be shown now out (possibly less than came in, possibly ''). */
	push(text: string): string;
	/** The end of the stream: everything still held back, processed. The stage can then be reused. */
	flush(): string;
}

/**
 * Redaction over a stream, as a rolling window. Each `push` redacts what is pending and
 * releases everything except the tail that could still grow into a piece of the key: the
 * longest end of the text that is itself a piece of the key (at most the key's length, in
 * the matching view), an unfinished `%X` escape, and a half surrogate pair. So a key split
 * across deltas of any size — one character each, or three, or five — is whole in the window
 * by the time any of it would be released, and is redacted. `flush` releases the rest.
 *
 * The tail is held only while it looks like the key: ordinary text is released as it comes,
 * and what is held is at most a key's length (three times that, percent-encoded) — a delay
 * nobody reading at human speed notices.
 */
export class StreamRedactor implements TextStage {
	readonly #automaton: SubstringAutomaton | undefined;
	readonly #minimum: number;
	#pending = '';

	constructor(secret: string | null | undefined) {
		this.#automaton = secret ? new SubstringAutomaton(secret) : undefined;
		this.#minimum = secret ? Math.min(MIN_FRAGMENT, secret.length) : 0;
	}

	push(text: string): string {
		if (!this.#automaton) return text;
		this.#pending += text;
		return this.#release(false);
	}

	flush(): string {
		if (!this.#automaton) return '';
		return this.#release(true);
	}

	#release(final: boolean): string {
		const text = this.#pending;
		if (!text) return '';
		// An unfinished `%X` (or half a surrogate pair) at the end is held as it is, and left
		// out of the matching: read literally it would hide the key piece in front of it.
		const body = final ? text : text.slice(0, unfinishedEscape(text));
		const {spans, tail} = findPieces(this.#automaton!, this.#minimum, body);
		let cut = final ? body.length : tail;
		// A piece that the cut would split is held back whole: it may go on in the next delta.
		for (const [start, end] of spans) if (start < cut && cut < end) cut = start;
		this.#pending = text.slice(cut);
		return replaceSpans(
			body.slice(0, cut),
			spans.filter(([, end]) => end <= cut),
		);
	}
}

/** Where an escape or character that the next delta may complete begins (`%`, `%7`, a high surrogate), else the end. */
function unfinishedEscape(text: string): number {
	const length = text.length;
	const last = text.charCodeAt(length - 1);
	if (last >= 0xd800 && last <= 0xdbff) return length - 1;
	if (last === 0x25) return length - 1;
	if (length >= 2 && text.charCodeAt(length - 2) === 0x25 && hexValue(last) >= 0) return length - 2;
	return length;
}

/**
 * The one stage every delta of provider text passes before it is shown, stored or handed to
 * a consumer: the terminal sanitiser (escape sequences and invisible characters out, with
 * its state kept across deltas), then the rolling-window redactor. Sanitising first means a
 * key with zero-width characters or escape sequences slipped between its characters is
 * whole again by the time the redactor looks at it.
 */
export function untrustedTextStage(secret: string | null | undefined): TextStage {
	const sanitizer = new TerminalSanitizer();
	const redactor = new StreamRedactor(secret);
	return {
		push: (text) => redactor.push(sanitizer.push(text)),
		flush: () => redactor.push(sanitizer.flush()) + redactor.flush(),
	};
}

/**
 * Values of a header map with the secret redacted: a provider's response headers are its own
 * text like any other, and a hostile one can echo the key there too.
 */
export function redactValues(headers: Record<string, string> | null, secret: string | null | undefined): Record<string, string> | null {
	if (!headers || !secret) return headers;
	const redact = createRedactor(secret);
	return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, redact(value)]));
}

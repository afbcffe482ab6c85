/**
 * Secret redaction for text that came back from a provider (error bodies, SDK
 * messages, model output, model ids, rate-limit headers) before it is shown, logged, audited or
 * stored. Only text from outside is redacted: eval752's own words (a provider's name in
 * "Provider X rejects the key") are never passed through here.
 *
 * Providers echo keys whole ("Incorrect API key provided: sk-…") and in parts
 * (`sk-abc1…wxyz`, the first or last dozen characters), so redacting only the
 * exact secret is not enough: every run of {@link MIN_FRAGMENT} or more
 * consecutive characters of the secret is replaced too. Shorter runs stay — four
 * characters of a key are what the display hint shows anyway, and redacting every
 * short coincidence would mangle ordinary text.
 *
 * A key can also come back disguised, and a hostile provider (or a model asked to) will try:
 * - encoded as a whole: base64 and base64url of its bytes (at each of the three byte
 *   alignments, so a piece of the key encoded on its own is caught too), hex in either case,
 *   or reversed. These are *forms* of the key: the matcher looks for pieces of every form
 *   at once, as it does for the key itself;
 * - escaped character by character: percent-encoding (`%73%6B…`), JSON and JavaScript escapes
 *   (`\u0073\u006b…`, `\x73`, `\/`), HTML character references (`&#115;`, `&#x6B;`,
 *   `&lowbar;`), full-width and other compatibility characters (`ｓｋ－…`, equal to the key
 *   under NFKC), or invisible characters (U+200B, a soft hyphen, a tag character) between its
 *   characters. The text is therefore matched through a *view*: each escape counts as the
 *   character it stands for, each compatibility character as its NFKC form, and invisible
 *   characters as nothing — and whatever a match covers in the real text, escapes and
 *   invisible characters included, is replaced.
 * Forms and escapes are not combined (a reversed key written as HTML entities is not looked
 * for): every form named here is.
 *
 * A stream is redacted with {@link StreamRedactor}: a rolling window that holds back
 * just the tail that could still be the start of a key (or of one of its forms, or an
 * unfinished escape), so a key split across any number of deltas is redacted before any of it
 * is shown. Several keys can be in play at once (a rotation's old and new key): every
 * redactor takes a list.
 */
import {isInvisible, TerminalSanitizer} from '../lib/sanitize.js';

/** Shortest fragment of a secret that is redacted on its own. */
export const MIN_FRAGMENT = 8;

export const REDACTED = '[redacted]';

/** One key, several keys (all in play at once), or none. */
export type Secrets = string | null | undefined | ReadonlyArray<string | null | undefined>;

function secretList(secrets: Secrets): string[] {
	const list = typeof secrets === 'string' || secrets === null || secrets === undefined ? [secrets] : [...secrets];
	return [...new Set(list.filter((secret): secret is string => typeof secret === 'string' && secret !== ''))];
}

/**
 * The strings whose pieces are redacted for one secret: the secret, its NFKC form, and — for a
 * secret long enough to have fragments at all — its encoded forms (see the module comment).
 * Base64 forms leave out the `=` padding: it says nothing about the key.
 */
export function secretForms(secret: string): string[] {
	const forms = [secret, secret.normalize('NFKC')];
	if (Array.from(secret).length >= MIN_FRAGMENT) {
		forms.push(Array.from(secret).reverse().join(''));
		const bytes = Buffer.from(secret, 'utf8');
		for (let shift = 0; shift < 3; shift++) {
			const part = bytes.subarray(shift);
			forms.push(part.toString('base64').replace(/=+$/, ''), part.toString('base64url'));
		}
		const hex = bytes.toString('hex');
		forms.push(hex, hex.toUpperCase());
	}
	return [...new Set(forms)];
}

/**
 * Generalised suffix automaton of every form of every secret: it recognises exactly the
 * substrings of those strings, so one left-to-right pass over the text gives, at each position,
 * the longest piece of any of them ending there. That is linear in the text (1 MB of body
 * against a dozen 200-character forms is a single pass), where trying every substring of every
 * form would be O(n·m²).
 */
class SubstringAutomaton {
	readonly #next: Map<number, number>[] = [new Map()];
	readonly #link: number[] = [-1];
	readonly #length: number[] = [0];

	constructor(texts: readonly string[]) {
		for (const text of texts) {
			let last = 0;
			for (let index = 0; index < text.length; index++) last = this.#extend(last, text.charCodeAt(index));
		}
	}

	#extend(last: number, code: number): number {
		// A later string may walk a path an earlier one built: reuse (or split) that state.
		const existing = this.#next[last]!.get(code);
		if (existing !== undefined) {
			if (this.#length[last]! + 1 === this.#length[existing]) return existing;
			return this.#split(last, code, existing);
		}
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
		this.#link[current] = this.#split(state, code, target);
		return current;
	}

	/** Clones `target` at length(state)+1 and moves the transitions on `code` that led to it. */
	#split(state: number, code: number, target: number): number {
		const clone = this.#add(this.#length[state]! + 1, this.#link[target]!, new Map(this.#next[target]!));
		let walk = state;
		while (walk !== -1 && this.#next[walk]!.get(code) === target) {
			this.#next[walk]!.set(code, clone);
			walk = this.#link[walk]!;
		}
		this.#link[target] = clone;
		return clone;
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

/** What a redactor matches with: the automaton of every form of every secret, and the shortest piece it redacts. */
interface Matcher {
	readonly automaton: SubstringAutomaton;
	readonly minimum: number;
}

function matcherOf(secrets: Secrets): Matcher | undefined {
	const list = secretList(secrets);
	if (list.length === 0) return undefined;
	// A secret shorter than a fragment is redacted only whole (and has no encoded forms).
	const minimum = Math.min(MIN_FRAGMENT, ...list.map((secret) => secret.length));
	return {automaton: new SubstringAutomaton(list.flatMap(secretForms)), minimum};
}

/**
 * The text as the matcher sees it: escapes decoded to the character they stand for,
 * compatibility characters as their NFKC form, invisible characters left out.
 * `starts[i]`/`ends[i]` say where view unit `i` sits in the real text. Typed arrays: a 1 MB
 * error body is a million of these.
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

/** `count` hex digits at `index` as a number, or -1. */
function hexDigits(text: string, index: number, count: number): number {
	if (index + count > text.length) return -1;
	let value = 0;
	for (let offset = 0; offset < count; offset++) {
		const digit = hexValue(text.charCodeAt(index + offset));
		if (digit < 0) return -1;
		value = value * 16 + digit;
	}
	return value;
}

/**
 * Named character references that stand for an ASCII character a key may hold (HTML5 names).
 * Numeric references cover every character; these are the names an encoder picks for them.
 */
const NAMED_ENTITIES: Readonly<Record<string, number>> = {
	amp: 0x26, lt: 0x3c, gt: 0x3e, quot: 0x22, apos: 0x27, lowbar: 0x5f, UnderBar: 0x5f, period: 0x2e, plus: 0x2b, equals: 0x3d, sol: 0x2f,
	bsol: 0x5c, colon: 0x3a, comma: 0x2c, excl: 0x21, num: 0x23, dollar: 0x24, percnt: 0x25, lpar: 0x28, rpar: 0x29, ast: 0x2a, midast: 0x2a,
	semi: 0x3b, quest: 0x3f, commat: 0x40, lsqb: 0x5b, lbrack: 0x5b, rsqb: 0x5d, rbrack: 0x5d, Hat: 0x5e, grave: 0x60, lcub: 0x7b, lbrace: 0x7b,
	rcub: 0x7d, rbrace: 0x7d, verbar: 0x7c, vert: 0x7c, VerticalLine: 0x7c, tilde: 0x7e,
};

/** An escape at `index` — `%XX`, `\uXXXX`, `\xXX`, `\/`, `&#N;`, `&#xH;`, `&name;` — as [code point, length], or undefined. */
function escapeAt(text: string, index: number): [number, number] | undefined {
	const code = text.charCodeAt(index);
	if (code === 0x25) {
		// Percent-encoding of an ASCII character (multi-byte UTF-8 is not a key's alphabet).
		const value = hexDigits(text, index + 1, 2);
		return value >= 0 && value < 0x80 ? [value, 3] : undefined;
	}
	if (code === 0x5c) {
		const kind = text.charCodeAt(index + 1);
		if (kind === 0x75) {
			const value = hexDigits(text, index + 2, 4);
			return value >= 0 ? [value, 6] : undefined;
		}
		if (kind === 0x78) {
			const value = hexDigits(text, index + 2, 2);
			return value >= 0 ? [value, 4] : undefined;
		}
		return kind === 0x2f ? [0x2f, 2] : undefined;
	}
	if (code === 0x26) {
		const end = text.indexOf(';', index + 2);
		if (end < 0 || end - index > 12) return undefined;
		const body = text.slice(index + 1, end);
		let value: number | undefined;
		if (/^#[0-9]{1,7}$/.test(body)) value = Number(body.slice(1));
		else if (/^#[xX][0-9a-fA-F]{1,6}$/.test(body)) value = Number.parseInt(body.slice(2), 16);
		else value = NAMED_ENTITIES[body];
		return value !== undefined && value > 0 && value <= 0x10ffff ? [value, end - index + 1] : undefined;
	}
	return undefined;
}

/** A character's NFKC form, when it differs (full-width letters, ligatures, superscripts…); cached. */
const compatibility = new Map<number, string | null>();
function compatibilityForm(point: number): string | null {
	let form = compatibility.get(point);
	if (form === undefined) {
		const char = String.fromCodePoint(point);
		const normal = char.normalize('NFKC');
		form = normal === char ? null : normal;
		if (compatibility.size < 4096) compatibility.set(point, form);
	}
	return form;
}

function viewOf(text: string): View {
	let capacity = text.length + 16;
	let codes = new Uint16Array(capacity);
	let starts = new Uint32Array(capacity);
	let ends = new Uint32Array(capacity);
	let length = 0;
	const push = (unit: number, start: number, end: number): void => {
		if (length === capacity) {
			capacity *= 2;
			const grow = <T extends Uint16Array | Uint32Array>(old: T, next: T): T => (next.set(old), next);
			codes = grow(codes, new Uint16Array(capacity));
			starts = grow(starts, new Uint32Array(capacity));
			ends = grow(ends, new Uint32Array(capacity));
		}
		codes[length] = unit;
		starts[length] = start;
		ends[length++] = end;
	};
	/** A character of the view covering text[start, end): its NFKC form, unit by unit, unless invisible. */
	const character = (point: number, start: number, end: number): void => {
		if (isInvisible(point)) return;
		const form = point < 0x80 ? null : compatibilityForm(point);
		const units = form ?? String.fromCodePoint(point);
		for (let unit = 0; unit < units.length; unit++) push(units.charCodeAt(unit), start, end);
	};
	for (let index = 0; index < text.length; ) {
		const code = text.charCodeAt(index);
		const escape = code === 0x25 || code === 0x5c || code === 0x26 ? escapeAt(text, index) : undefined;
		if (escape) {
			character(escape[0], index, index + escape[1]);
			index += escape[1];
			continue;
		}
		if (code < 0x80) {
			push(code, index, index + 1);
			index++;
			continue;
		}
		const point = code >= 0xd800 && code <= 0xdbff ? text.codePointAt(index)! : code;
		const size = point > 0xffff ? 2 : 1;
		if (size === 2 && !isInvisible(point) && compatibilityForm(point) === null) {
			// Astral characters are matched unit by unit, like the forms they are compared with.
			push(text.charCodeAt(index), index, index + 1);
			push(text.charCodeAt(index + 1), index + 1, index + 2);
		} else character(point, index, index + size);
		index += size;
	}
	return {length, codes, starts, ends};
}

/** Pieces of any form of a secret found in `text`, as merged [start, end) ranges of the real text, and how much of its end could still be one. */
function findPieces(matcher: Matcher, text: string): {spans: Array<[number, number]>; tail: number} {
	const view = viewOf(text);
	const spans: Array<[number, number]> = [];
	// The longest piece ending at a position never starts before the one ending
	// earlier, so spans arrive sorted by start and merge in one sweep.
	const tailLength = matcher.automaton.scan(view.codes, view.length, matcher.minimum, (end, length) => {
		const start = view.starts[end - length]!;
		const stop = view.ends[end - 1]!;
		const previous = spans.at(-1);
		if (previous && start <= previous[1]) previous[1] = Math.max(previous[1], stop);
		else spans.push([start, stop]);
	});
	// A base64 form's `=` padding goes with it: it is not the key, but `[redacted]==` reads as a leftover.
	for (const span of spans) for (let pad = 0; pad < 2 && text.charCodeAt(span[1]) === 0x3d; pad++) span[1]++;
	// Where the longest suffix that is a piece of a form begins in the real text: from
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
 * `[redacted]` — also in any of its forms (base64, base64url, hex, reversed) and behind any of
 * the escapes the module comment lists. Overlapping or touching fragments become one
 * `[redacted]`. A secret shorter than 8 characters is redacted only where it appears whole.
 */
export function redactSecret(text: string, secrets: Secrets): string {
	if (!text) return text;
	return createRedactor(secrets)(text);
}

/**
 * A redactor bound to the keys in play, for complete texts (an error body, an excerpt, a
 * stored message, a header value). It is deliberately not cached at module level: the
 * secrets would outlive the call they were decrypted for. A stream needs
 * {@link StreamRedactor} instead: this one cannot see a key split between two calls.
 */
export function createRedactor(secrets: Secrets, options: RedactOptions = {}): (text: string) => string {
	const matcher = matcherOf(secrets);
	if (!matcher) return (text) => text;
	const keep = (options.keep ?? []).filter((word) => word.length > 0);
	return (text) => {
		if (!text) return text;
		const {spans} = findPieces(matcher, text);
		return replaceSpans(text, keep.length === 0 ? spans : spans.filter((span) => !withinKept(text, span, keep)));
	};
}

export interface RedactOptions {
	/**
	 * eval752's own words in a text that also quotes provider text (a stored error message names
	 * the provider and the model): a piece found wholly inside one of them is left alone, so a key
	 * that happens to share eight characters with a provider's name does not turn "Provider
	 * peering" into "Provider peer[redacted]". The quoted parts were redacted where they were quoted.
	 */
	readonly keep?: readonly string[];
}

function withinKept(text: string, [start, end]: readonly [number, number], keep: readonly string[]): boolean {
	for (const word of keep) {
		for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
			if (at <= start && end <= at + word.length) return true;
			if (at > start) break;
		}
	}
	return false;
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
 * releases everything except the tail that could still grow into a piece of a key: the
 * longest end of the text that is itself a piece of one of its forms (at most the longest
 * form's length, in the matching view), an unfinished escape (`%7`, `\u00`, `&#x6`), and a
 * half surrogate pair. So a key split across deltas of any size — one character each, or
 * three, or five, encoded or escaped — is whole in the window by the time any of it would be
 * released, and is redacted. `flush` releases the rest.
 *
 * The tail is held only while it looks like a key: ordinary text is released as it comes,
 * and what is held is at most a form's length (a few times that, escaped) — a delay
 * nobody reading at human speed notices.
 */
export class StreamRedactor implements TextStage {
	readonly #matcher: Matcher | undefined;
	#pending = '';

	constructor(secrets: Secrets) {
		this.#matcher = matcherOf(secrets);
	}

	push(text: string): string {
		if (!this.#matcher) return text;
		this.#pending += text;
		return this.#release(false);
	}

	flush(): string {
		if (!this.#matcher) return '';
		return this.#release(true);
	}

	#release(final: boolean): string {
		const text = this.#pending;
		if (!text) return '';
		// An unfinished escape (or half a surrogate pair) at the end is held as it is, and left
		// out of the matching: read literally it would hide the key piece in front of it.
		const body = final ? text : text.slice(0, unfinishedEscape(text));
		const {spans, tail} = findPieces(this.#matcher!, body);
		let cut = final ? body.length : tail;
		// A piece that the cut would split is held back whole: it may go on in the next delta (so
		// may one that ends the text: its base64 padding may be on the way).
		for (const [start, end] of spans) if (start < cut && (cut < end || (!final && end === body.length && !body.endsWith('==')))) cut = start;
		this.#pending = text.slice(cut);
		return replaceSpans(
			body.slice(0, cut),
			spans.filter(([, end]) => end <= cut),
		);
	}
}

/** The end of a text that the next delta may turn into an escape: `%`, `%7`, `\`, `\u00`, `\x`, `&`, `&#1`, `&#x6`, `&lowb`. */
const UNFINISHED_ESCAPE = /(?:%[0-9a-fA-F]?|\\(?:u[0-9a-fA-F]{0,3}|x[0-9a-fA-F]?)?|&(?:#(?:[0-9]{0,7}|[xX][0-9a-fA-F]{0,6})|[a-zA-Z]{1,11})?)$/;

/** Where an escape or character that the next delta may complete begins, else the end. */
function unfinishedEscape(text: string): number {
	const length = text.length;
	const last = text.charCodeAt(length - 1);
	if (last >= 0xd800 && last <= 0xdbff) return length - 1;
	// Only the last dozen characters can hold the start of an unfinished escape.
	const match = UNFINISHED_ESCAPE.exec(text.slice(-14));
	return match ? length - match[0].length : length;
}

/**
 * The one stage every delta of provider text passes before it is shown, stored or handed to
 * a consumer: the terminal sanitiser (escape sequences and invisible characters out, with
 * its state kept across deltas), then the rolling-window redactor. Sanitising first means a
 * key with zero-width characters or escape sequences slipped between its characters is
 * whole again by the time the redactor looks at it.
 */
export function untrustedTextStage(secrets: Secrets): TextStage {
	const sanitizer = new TerminalSanitizer();
	const redactor = new StreamRedactor(secrets);
	return {
		push: (text) => redactor.push(sanitizer.push(text)),
		flush: () => redactor.push(sanitizer.flush()) + redactor.flush(),
	};
}

/**
 * Values of a header map with the keys in play redacted: a provider's response headers are
 * its own text like any other, and a hostile one can echo a key there too (encoded or not).
 */
export function redactValues(headers: Record<string, string> | null, secrets: Secrets): Record<string, string> | null {
	if (!headers) return headers;
	const redact = createRedactor(secrets);
	return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, redact(value)]));
}

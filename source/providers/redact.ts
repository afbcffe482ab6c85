/**
 * Secret redaction for text that came back from a provider (error bodies, SDK
 * messages, model output) before it is shown, logged, audited or stored.
 *
 * Providers echo keys whole ("Incorrect API key provided: sk-…") and in parts
 * (`sk-abc1…wxyz`, the first or last dozen characters), so redacting only the
 * exact secret is not enough: every run of {@link MIN_FRAGMENT} or more
 * consecutive characters of the secret is replaced too. Shorter runs stay — four
 * characters of a key are what the display hint shows anyway, and redacting every
 * short coincidence would mangle ordinary text.
 */

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
	 * Calls `visit(end, length)` for each position of `text` where a piece of the
	 * secret of at least `minimum` characters ends; `length` is the longest such piece.
	 */
	scan(text: string, minimum: number, visit: (end: number, length: number) => void): void {
		let state = 0;
		let length = 0;
		for (let index = 0; index < text.length; index++) {
			const code = text.charCodeAt(index);
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
	}
}

/**
 * Replaces the secret and every fragment of it of 8+ consecutive characters with
 * `[redacted]`. Overlapping or touching fragments become one `[redacted]`. A
 * secret shorter than 8 characters is redacted only where it appears whole.
 */
export function redactSecret(text: string, secret: string | null | undefined): string {
	if (!secret || !text) return text;
	return createRedactor(secret)(text);
}

/**
 * A redactor bound to one secret, for a stream that redacts chunk after chunk.
 * It is deliberately not cached at module level: the secret would outlive the
 * call it was decrypted for.
 */
export function createRedactor(secret: string | null | undefined): (text: string) => string {
	if (!secret) return (text) => text;
	const automaton = new SubstringAutomaton(secret);
	const minimum = Math.min(MIN_FRAGMENT, secret.length);
	return (text) => {
		if (!text) return text;
		const spans: Array<[number, number]> = [];
		// The longest piece ending at `end` never starts before the one ending
		// earlier, so spans arrive sorted by start and merge in one sweep.
		automaton.scan(text, minimum, (end, length) => {
			const start = end - length;
			const previous = spans.at(-1);
			if (previous && start <= previous[1]) {
				previous[1] = Math.max(previous[1], end);
			} else {
				spans.push([start, end]);
			}
		});
		if (spans.length === 0) return text;
		let result = '';
		let cursor = 0;
		for (const [start, end] of spans) {
			result += text.slice(cursor, start) + REDACTED;
			cursor = end;
		}
		return result + text.slice(cursor);
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

/**
 * Observed limits: the rate-limit headers a provider sent with a probe's response — what the
 * provider said about its own counters at that moment, for that key. They sit beside the
 * declared limits (rpm, rps, concurrency), which eval752 enforces for its own requests only;
 * nothing here is enforced, and a reading is only as current as the probe it came with.
 *
 * Pure rules over plain name/value pairs; this module imports nothing of ours.
 */

/** Header names kept: OpenAI/Groq/Together/OpenRouter style, Anthropic's, and retry hints. */
const RATE_HEADER = /^(?:x-ratelimit-[a-z0-9-]{1,60}|anthropic-ratelimit-[a-z0-9-]{1,60}|retry-after(?:-ms)?)$/;

/** At most this many headers are kept from one response, each value at most this long. */
export const RATE_HEADERS_MAX = 32;
export const RATE_HEADER_VALUE_MAX = 100;

export type RateHeaders = Readonly<Record<string, string>>;

/**
 * The rate-limit headers of a response, names lower-cased, values reduced to printable ASCII,
 * trimmed and capped: they come from the provider and are stored and shown as they are.
 * Null when there are none.
 */
export function pickRateHeaders(source: Iterable<readonly [string, string]> | Readonly<Record<string, string>> | undefined | null): Record<string, string> | null {
	if (!source) return null;
	const entries: Iterable<readonly [string, string]> = Symbol.iterator in source ? (source as Iterable<readonly [string, string]>) : Object.entries(source);
	const picked: Record<string, string> = {};
	let count = 0;
	for (const [rawName, rawValue] of entries) {
		if (typeof rawName !== 'string' || typeof rawValue !== 'string') continue;
		const name = rawName.toLowerCase();
		if (!RATE_HEADER.test(name) || name in picked) continue;
		const value = cleanValue(rawValue);
		if (value === '') continue;
		picked[name] = value;
		if (++count >= RATE_HEADERS_MAX) break;
	}
	return count === 0 ? null : picked;
}

function cleanValue(value: string): string {
	const printable = String(value).replace(/[^\x20-\x7e]/g, '').replace(/\s+/g, ' ').trim();
	return printable.length > RATE_HEADER_VALUE_MAX ? `${printable.slice(0, RATE_HEADER_VALUE_MAX - 1)}…` : printable;
}

/** A stored reading: the headers and when the provider sent them. */
export interface ObservedLimits {
	readonly at: Date;
	readonly headers: RateHeaders;
	/** The run that carried them. */
	readonly runId: string;
	readonly probeKind: string;
}

interface Counter {
	readonly label: string;
	readonly limit?: string;
	readonly remaining?: string;
	readonly reset?: string;
}

/** The counters a header set describes, OpenAI-style and Anthropic-style names both. */
function counters(headers: RateHeaders): {counters: Counter[]; rest: string[]} {
	const used = new Set<string>();
	const take = (name: string): string | undefined => {
		const value = headers[name];
		if (value !== undefined) used.add(name);
		return value;
	};
	const found: Counter[] = [];
	const add = (label: string, limit: string | undefined, remaining: string | undefined, reset: string | undefined) => {
		if (limit === undefined && remaining === undefined && reset === undefined) return;
		found.push({label, limit, remaining, reset});
	};
	for (const unit of ['requests', 'tokens']) {
		add(unit, take(`x-ratelimit-limit-${unit}`), take(`x-ratelimit-remaining-${unit}`), take(`x-ratelimit-reset-${unit}`));
	}
	for (const unit of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
		add(unit.replace('-', ' '), take(`anthropic-ratelimit-${unit}-limit`), take(`anthropic-ratelimit-${unit}-remaining`), take(`anthropic-ratelimit-${unit}-reset`));
	}
	const rest: string[] = [];
	const retryMs = take('retry-after-ms');
	const retry = take('retry-after');
	if (retry !== undefined) rest.push(`retry after ${/^\d+$/.test(retry) ? `${retry}s` : retry}`);
	else if (retryMs !== undefined) rest.push(`retry after ${retryMs} ms`);
	for (const [name, value] of Object.entries(headers)) if (!used.has(name)) rest.push(`${name} ${value}`);
	return {counters: found, rest};
}

/**
 * What the provider said, in short phrases: "requests 58 of 60 left (resets 1s)",
 * "tokens 149500 of 150000 left (resets 6m0s)", "retry after 7s".
 */
export function describeRateHeaders(headers: RateHeaders): string[] {
	const {counters: found, rest} = counters(headers);
	const phrases = found.map((counter) => {
		const amount =
			counter.remaining !== undefined && counter.limit !== undefined ? `${counter.remaining} of ${counter.limit} left`
			: counter.remaining !== undefined ? `${counter.remaining} left`
			: counter.limit !== undefined ? `limit ${counter.limit}`
			: '';
		const reset = counter.reset === undefined ? '' : `${amount ? ' ' : ''}(resets ${counter.reset})`;
		return `${counter.label} ${amount}${reset}`.trim();
	});
	return [...phrases, ...rest];
}

/** "5m" / "3h" / "2d": how old a reading is. */
function ago(at: Date, now: Date): string {
	const seconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
	if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
	return `${Math.floor(seconds / 86_400)}d`;
}

/**
 * One line, labelled as the provider's own words and dated:
 * "provider said 5m ago (2025-06-01 12:03:04Z, chat probe): requests 58 of 60 left (resets 1s)".
 */
export function describeObservedLimits(observed: ObservedLimits | null, now: Date = new Date()): string {
	if (!observed) return 'provider said nothing yet (no probe response carried rate-limit headers)';
	const when = observed.at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
	const phrases = describeRateHeaders(observed.headers);
	return `provider said ${ago(observed.at, now)} ago (${when}, ${observed.probeKind} probe): ${phrases.join('; ') || 'no readable values'}`;
}

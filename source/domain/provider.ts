import * as z from 'zod';
import {ValidationError} from '../errors.js';
import {capabilities, capabilityLabels, families, providerTypes, type Capability, type ProviderType} from './families.js';
import {isProbeKind, probeKinds, type ProbeKind} from './probe.js';
import {cleartextRisk, originOf} from './destination.js';
import {field, FieldProblem, isUuid, parseFields, textRule, UNSAFE} from './fields.js';

/**
 * Providers as operators define them, and the input rules every front end shares (the text and
 * field helpers are in fields.ts).
 */

export type {Capability, ProviderType} from './families.js';
export type {ProbeKind} from './probe.js';

export interface RateLimits {
	rpm: number | null;
	rps: number | null;
	concurrency: number | null;
}

export interface Provider {
	id: string;
	name: string;
	type: ProviderType;
	baseUrl: string;
	capabilities: Capability[];
	rateLimits: RateLimits;
	extraHeaders: Record<string, string>;
	enabled: boolean;
	/** The check a probe runs unless told otherwise (`eval752 smoke --probe`, `eval752 probe --kind`). */
	probeKind: ProbeKind;
	version: number;
	createdAt: Date;
	updatedAt: Date;
	updatedBy: string | null;
}

export interface ProviderInput {
	name: string;
	type: ProviderType;
	baseUrl?: string;
	capabilities?: Capability[];
	rateLimits?: Partial<RateLimits>;
	extraHeaders?: Record<string, string>;
	enabled?: boolean;
	probeKind?: ProbeKind;
}

/** What `createProvider` stores: every field decided. */
export interface ProviderFields {
	name: string;
	type: ProviderType;
	baseUrl: string;
	capabilities: Capability[];
	rateLimits: RateLimits;
	extraHeaders: Record<string, string>;
	enabled: boolean;
	probeKind: ProbeKind;
}

export const NAME_MAX = 64;

/**
 * Provider names allow letters of any script, digits, spaces and punctuation — they are labels
 * for people — but never control or escape characters, and never something shaped like an id
 * (a provider is looked up by name or id, and the two must not collide).
 */
export function normaliseProviderName(value: unknown): string {
	const name = textRule(value, {label: 'Name', max: NAME_MAX, allowed: 'names may use letters of any script, digits, spaces and punctuation'});
	if (isUuid(name)) throw new FieldProblem('Name can\'t look like an id (a uuid) — pick a name people can read');
	return name;
}

export function parseProviderType(value: unknown): ProviderType {
	if (typeof value !== 'string') throw new FieldProblem('Type must be text');
	const type = value.trim().toLowerCase();
	if (type === '') throw new FieldProblem(`Type is required — one of ${providerTypes.join(', ')}`);
	if (!(providerTypes as readonly string[]).includes(type)) {
		throw new FieldProblem(`Type must be one of ${providerTypes.join(', ')}${UNSAFE.test(type) || type.length > 40 ? '' : ` (got "${type}")`}`);
	}
	return type as ProviderType;
}

export const BASE_URL_MAX = 2048;

/**
 * A provider's base URL: http or https, host required, no credentials, query or fragment (eval752
 * appends paths like /models and /chat/completions, and a secret in the URL would be shown in
 * every list). Normalised without trailing slashes, so `…/v1/` and `…/v1` are one provider.
 *
 * The text is checked as typed before the URL parser sees it: WHATWG parsing is forgiving for
 * http(s) — `http:///v1`, `http:/v1` and `http:v1` all become `http://v1/`, and backslashes
 * count as slashes — so a mistyped URL would be stored as a different host.
 */
export function normaliseBaseUrl(value: unknown): string {
	const text = textRule(value, {label: 'Base URL', max: BASE_URL_MAX});
	if (/\s/.test(text)) throw new FieldProblem('Base URL can\'t contain spaces');
	const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
	if (scheme === undefined) throw new FieldProblem('Base URL must be a full URL like https://api.example.com/v1');
	if (scheme !== 'http' && scheme !== 'https') throw new FieldProblem(`Base URL must use http:// or https:// (not ${scheme})`);
	if (text.includes('\\')) throw new FieldProblem('Base URL can\'t contain backslashes — use / between the parts of the path');
	const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(text)?.[1];
	if (authority === undefined || authority === '') {
		throw new FieldProblem(`Base URL needs a host right after ${scheme}:// (like ${scheme}://api.example.com/v1)`);
	}
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new FieldProblem('Base URL must be a full URL like https://api.example.com/v1');
	}
	if (url.hostname === '') throw new FieldProblem('Base URL needs a host, like https://api.example.com/v1');
	if (url.username !== '' || url.password !== '' || authority.includes('@')) throw new FieldProblem('Base URL can\'t carry credentials (user:password@) — put secrets in a key');
	if (url.search !== '' || text.includes('?')) throw new FieldProblem('Base URL can\'t have a query string (?…) — give the bare endpoint, like https://api.example.com/v1; put secrets in a key');
	if (url.hash !== '' || text.includes('#')) throw new FieldProblem('Base URL can\'t have a fragment (#…) — give the bare endpoint, like https://api.example.com/v1');
	return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
}

/** Accepts an array or a comma-separated string; `system-prompt`, `System prompt` and `system_prompt` are one capability. */
export function parseCapabilities(value: unknown): Capability[] {
	let items: unknown[];
	if (typeof value === 'string') items = value.split(',').filter((item) => item.trim() !== '');
	else if (Array.isArray(value)) items = value;
	else throw new FieldProblem('Capabilities must be a list, like tools,streaming');
	const found = new Set<Capability>();
	for (const item of items) {
		if (typeof item !== 'string') throw new FieldProblem('Capabilities must be a list of names, like tools,streaming');
		const slug = item.trim().toLowerCase().replace(/[\s-]+/g, '_');
		const match = capabilities.find((capability) => capability === slug || capabilityLabels[capability].toLowerCase().replace(/[\s-]+/g, '_') === slug);
		if (!match) {
			const shown = UNSAFE.test(item) || item.length > 40 ? '' : ` "${item.trim()}"`;
			throw new FieldProblem(`Capability${shown} is unknown — use ${capabilities.join(', ')}`);
		}
		found.add(match);
	}
	return capabilities.filter((capability) => found.has(capability));
}

export const RATE_MAX = 1_000_000;

/** A positive whole number, or empty (null, '') for "no limit"; digits in a string are accepted (forms and flags). */
export function parseRate(label: string): (value: unknown) => number | null {
	return (value) => {
		const message = `${label} must be a whole number from 1 to ${RATE_MAX}, or empty for no limit`;
		if (value === null || value === undefined) return null;
		let number: number;
		if (typeof value === 'string') {
			if (value.trim() === '') return null;
			if (!/^\s*\d+\s*$/.test(value)) throw new FieldProblem(message);
			number = Number(value.trim());
		} else if (typeof value === 'number') number = value;
		else throw new FieldProblem(message);
		if (!Number.isSafeInteger(number) || number < 1 || number > RATE_MAX) throw new FieldProblem(message);
		return number;
	};
}

/** RFC 7230 token: what a header name may be. */
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * Header names that carry credentials by convention or by their wording: Authorization and
 * Proxy-Authorization, *-Key and api-key, *Token*, *Secret*, X-Bearer, Cookie, passwords,
 * sessions, signatures, JWTs, CSRF tokens. Such a value belongs in a key: encrypted, masked,
 * rotated — not in a plain column shown by every list.
 */
const SECRET_HEADER = /key|token|secret|auth|bearer|cookie|pass|credential|session|signature|jwt|csrf|xsrf|private/i;
/** Headers the HTTP client sets itself; a configured value would break requests. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'te', 'upgrade', 'accept-encoding', 'keep-alive', 'expect']);
export const HEADERS_MAX = 32;
export const HEADER_VALUE_MAX = 1024;

export function normaliseHeaderName(value: unknown): string {
	const name = textRule(value, {label: 'Header name', max: 64});
	if (!HEADER_TOKEN.test(name)) throw new FieldProblem('Header name may use only letters, digits and !#$%&\'*+.^_`|~- (no spaces or colons)');
	if (SECRET_HEADER.test(name)) {
		throw new FieldProblem(`Header ${name} looks like it carries a secret — put secrets in a key (eval752 keys add), not in extra headers`);
	}
	if (RESERVED_HEADERS.has(name.toLowerCase())) throw new FieldProblem(`Header ${name} is set by eval752 itself and can't be configured`);
	return name;
}

export function normaliseHeaderValue(name: string, value: unknown): string {
	const text = textRule(value, {label: `Header ${name} value`, max: HEADER_VALUE_MAX});
	// Header values travel as bytes: anything beyond printable ASCII is mangled or refused by fetch.
	if (!/^[\x20-\x7e]+$/.test(text)) throw new FieldProblem(`Header ${name} value must be plain printable ASCII`);
	return text;
}

/** Non-secret extra headers: valid names, case-insensitively unique, plain values. */
export function parseHeaders(value: unknown): Record<string, string> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FieldProblem('Extra headers must be a map of name to value');
	const entries = Object.entries(value as Record<string, unknown>);
	if (entries.length > HEADERS_MAX) throw new FieldProblem(`There are ${entries.length} extra headers; the limit is ${HEADERS_MAX}`);
	const out: Record<string, string> = {};
	const seen = new Set<string>();
	for (const [rawName, rawValue] of entries) {
		const name = normaliseHeaderName(rawName);
		if (seen.has(name.toLowerCase())) throw new FieldProblem(`Header ${name} is given twice`);
		seen.add(name.toLowerCase());
		out[name] = normaliseHeaderValue(name, rawValue);
	}
	return out;
}

/** `Name: value` as typed on a command line or in a form. */
export function parseHeaderLine(line: string): {name: string; value: string} {
	const colon = line.indexOf(':');
	if (colon <= 0) throw new ValidationError({extraHeaders: 'A header must look like "Name: value"'});
	return {name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim()};
}

/** `models`, `chat` or `stream`, any case. */
export function parseProbeKind(value: unknown): ProbeKind {
	const message = `Probe kind must be one of ${probeKinds.join(', ')}`;
	if (typeof value !== 'string') throw new FieldProblem(message);
	const kind = value.trim().toLowerCase();
	if (!isProbeKind(kind)) throw new FieldProblem(UNSAFE.test(value) || value.length > 40 ? message : `${message} (got "${value.trim()}")`);
	return kind;
}

/** A new provider's probe kind: the full streaming smoke test, what every check was before probe kinds existed. */
export const DEFAULT_PROBE_KIND: ProbeKind = 'stream';

function parseEnabled(value: unknown): boolean {
	if (typeof value === 'boolean') return value;
	throw new FieldProblem('Enabled must be true or false');
}

const rateLimitsSchema = z
	.object({rpm: field(parseRate('rpm')), rps: field(parseRate('rps')), concurrency: field(parseRate('Concurrency'))})
	.partial()
	.strict();

const providerInputSchema = z
	.object({
		name: field(normaliseProviderName),
		type: field(parseProviderType),
		// Optional fields: zod skips the rule for an absent key; null and '' mean "the default".
		baseUrl: field((value) => (value === null || value === '' ? undefined : normaliseBaseUrl(value))).optional(),
		capabilities: field(parseCapabilities).optional(),
		rateLimits: rateLimitsSchema.optional(),
		extraHeaders: field(parseHeaders).optional(),
		enabled: field(parseEnabled).optional(),
		probeKind: field(parseProbeKind).optional(),
	})
	.strict();

function completeRates(rates: Partial<RateLimits> | undefined): RateLimits {
	return {rpm: rates?.rpm ?? null, rps: rates?.rps ?? null, concurrency: rates?.concurrency ?? null};
}

function noDefaultUrl(type: ProviderType): string {
	const hint = type === 'azure-openai' ? 'like https://<resource>.openai.azure.com/openai/v1' : 'like http://gateway.internal:8080/v1';
	return `Base URL is required for ${families[type].label} (it has no default) — ${hint}`;
}

/** Plain http:// to a public vendor host is refused as the URL is typed (domain/destination.ts). */
function refuseCleartext(type: ProviderType, baseUrl: string): void {
	const risk = cleartextRisk(type, baseUrl);
	// Short enough to sit beside the field at 80 columns; the README and --help say the rest.
	if (risk?.refused) throw new ValidationError({baseUrl: `Base URL ${originOf(new URL(baseUrl))} is plain http:// to ${families[type].label}, a public service: use https:// (a key never travels in cleartext)`});
}

/**
 * A new provider's input, validated; `baseUrl` defaults to the family's. Throws
 * ValidationError with one message per bad field.
 */
export function parseProviderInput(raw: unknown): ProviderInput {
	const input = parseFields(providerInputSchema, raw);
	const baseUrl = input.baseUrl ?? families[input.type].defaultBaseUrl ?? undefined;
	if (baseUrl === undefined) throw new ValidationError({baseUrl: noDefaultUrl(input.type)});
	refuseCleartext(input.type, baseUrl);
	return {
		name: input.name,
		type: input.type,
		baseUrl,
		capabilities: input.capabilities ?? [],
		rateLimits: completeRates(input.rateLimits),
		extraHeaders: input.extraHeaders ?? {},
		enabled: input.enabled ?? true,
		probeKind: input.probeKind ?? DEFAULT_PROBE_KIND,
	};
}

/** Every field of a new provider, decided. */
export function providerFields(raw: unknown): ProviderFields {
	const input = parseProviderInput(raw);
	return {
		name: input.name,
		type: input.type,
		baseUrl: input.baseUrl!,
		capabilities: input.capabilities ?? [],
		rateLimits: completeRates(input.rateLimits),
		extraHeaders: input.extraHeaders ?? {},
		enabled: input.enabled ?? true,
		probeKind: input.probeKind ?? DEFAULT_PROBE_KIND,
	};
}

const providerPatchSchema = providerInputSchema.partial().strict();

/**
 * An edit applied to the current provider: only the given fields change; rate limits merge
 * per limit (null clears one); an empty base URL goes back to the family default.
 */
export function applyProviderPatch(current: ProviderFields, raw: unknown): ProviderFields {
	if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0) {
		throw new ValidationError({input: 'Nothing to change — give at least one field'});
	}
	const patch = parseFields(providerPatchSchema, raw);
	const type = patch.type ?? current.type;
	const clearsUrl = Object.prototype.hasOwnProperty.call(raw, 'baseUrl') && patch.baseUrl === undefined;
	let baseUrl = patch.baseUrl ?? current.baseUrl;
	if (clearsUrl) {
		const fallback = families[type].defaultBaseUrl;
		if (!fallback) throw new ValidationError({baseUrl: noDefaultUrl(type)});
		baseUrl = fallback;
	}
	// Checked when the destination changes: a row stored before the rule keeps its other edits
	// working (the door refuses to send its key all the same).
	if (patch.type !== undefined || Object.prototype.hasOwnProperty.call(raw, 'baseUrl')) refuseCleartext(type, baseUrl);
	return {
		name: patch.name ?? current.name,
		type,
		baseUrl,
		capabilities: patch.capabilities ?? current.capabilities,
		rateLimits: patch.rateLimits ? {...current.rateLimits, ...patch.rateLimits} : current.rateLimits,
		extraHeaders: patch.extraHeaders ?? current.extraHeaders,
		enabled: patch.enabled ?? current.enabled,
		probeKind: patch.probeKind ?? current.probeKind,
	};
}

/** The non-secret fields of a provider, as audit details and change summaries carry them. */
export function providerProjection(provider: ProviderFields): ProviderFields {
	return {
		name: provider.name,
		type: provider.type,
		baseUrl: provider.baseUrl,
		capabilities: provider.capabilities,
		rateLimits: provider.rateLimits,
		extraHeaders: provider.extraHeaders,
		enabled: provider.enabled,
		probeKind: provider.probeKind,
	};
}

import * as z from 'zod';
import {ValidationError} from '../errors.js';

/**
 * The field-validation kit every domain file uses: plain-text rules, a zod field driven by a rule,
 * parsing into one message per field, and the before/after diff an audit row stores. One wording
 * covers every field: a message says what is wrong and what is allowed, never echoes control
 * characters back to the terminal, and nothing is written when any field is wrong.
 */

/** A thrown rule failure: the message for one field. */
export class FieldProblem extends Error {}

/**
 * Control characters (C0, DEL, C1), format characters (bidi overrides, zero-width joiners),
 * lone surrogates and line/paragraph separators. They can rewrite a terminal, hide text or
 * break a log line, so no stored field accepts them (multi-line fields allow \n and \t).
 */
export const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
export const UNSAFE_MULTILINE = /(?![\n\t])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

export function codePoint(char: string): string {
	return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

export interface TextRule {
	/** Capitalised, as it starts a sentence: "Name", "Label". */
	readonly label: string;
	readonly max: number;
	/** Empty (after trimming) is allowed and returns ''. */
	readonly optional?: boolean;
	/** Allows \n and \t inside (prompts). */
	readonly multiline?: boolean;
	/** Added to the control-character message: what the field does allow. */
	readonly allowed?: string;
}

/**
 * Plain text: a string, free of control and escape characters, trimmed, within length
 * (counted in characters, not UTF-16 units). SQL metacharacters are ordinary text here: every
 * query is parameterised, so `'; drop table …` is stored exactly as typed.
 */
export function textRule(value: unknown, rule: TextRule): string {
	if (typeof value !== 'string') throw new FieldProblem(`${rule.label} must be text`);
	const bad = (rule.multiline ? UNSAFE_MULTILINE : UNSAFE).exec(value);
	if (bad) {
		throw new FieldProblem(`${rule.label} can't contain control or escape characters (found ${codePoint(bad[0])})${rule.allowed ? ` — ${rule.allowed}` : ''}`);
	}
	const trimmed = value.trim();
	if (trimmed === '') {
		if (rule.optional) return '';
		throw new FieldProblem(value === '' ? `${rule.label} is required` : `${rule.label} can't be only spaces`);
	}
	const length = Array.from(trimmed).length;
	if (length > rule.max) throw new FieldProblem(`${rule.label} is ${length} characters long; the limit is ${rule.max}`);
	return trimmed;
}

/** A zod schema for one field, driven by a rule function that throws {@link FieldProblem}. */
export function field<T>(rule: (value: unknown) => T) {
	return z.unknown().transform((value, ctx): T => {
		try {
			return rule(value);
		} catch (error) {
			if (!(error instanceof FieldProblem)) throw error;
			ctx.addIssue({code: 'custom', message: error.message});
			return z.NEVER;
		}
	});
}

/**
 * Parses with a zod schema and turns its issues into a {@link ValidationError}: one message per
 * field (the first), keyed by the field's path (`rateLimits.rpm`, `extraHeaders`).
 */
export function parseFields<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
	if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError({input: 'must be an object of fields'});
	// zod 4 reports an absent key as "expected nonoptional" before our rule can say "X is required"
	// (or supply its default): every known key is passed explicitly, absent ones as undefined.
	const filled: Record<string, unknown> = {};
	if (schema instanceof z.ZodObject) for (const key of Object.keys(schema.shape)) filled[key] = undefined;
	const result = schema.safeParse({...filled, ...(raw as Record<string, unknown>)});
	if (result.success) return result.data;
	const issues: Record<string, string> = {};
	for (const issue of result.error.issues) {
		const key = issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
		if (issue.code === 'unrecognized_keys') {
			for (const unknown of issue.keys) issues[unknown] ??= `${unknown} is not a field here`;
			continue;
		}
		issues[key] ??= issue.message;
	}
	throw new ValidationError(issues);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
	return UUID.test(value);
}

/** For single-field edits (priority, status) outside an input object. */
export function checkField<T>(name: string, rule: (value: unknown) => T, value: unknown): T {
	try {
		return rule(value);
	} catch (error) {
		if (error instanceof FieldProblem) throw new ValidationError({[name]: error.message});
		throw error;
	}
}

/** Only what changed: `{before: {field: old}, after: {field: new}}`. */
export function diffProjection(beforeFields: object, afterFields: object): {before: Record<string, unknown>; after: Record<string, unknown>} {
	const before = beforeFields as Record<string, unknown>;
	const after = afterFields as Record<string, unknown>;
	const out = {before: {} as Record<string, unknown>, after: {} as Record<string, unknown>};
	for (const key of Object.keys(after)) {
		if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
			out.before[key] = before[key];
			out.after[key] = after[key];
		}
	}
	return out;
}

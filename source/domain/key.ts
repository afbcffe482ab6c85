import * as z from 'zod';
import {ValidationError} from '../errors.js';
import {field, FieldProblem, parseFields, textRule} from './fields.js';

/**
 * API keys as everything outside the key store sees them: label, display hint, status,
 * priority and the last validation — never the secret. The secret's own rule lives here
 * too, and its messages never quote the secret.
 */

export type KeyStatus = 'active' | 'disabled';

export interface LastValidation {
	outcome: 'ok' | 'failed' | 'cancelled';
	errorClass: string | null;
	message: string | null;
	model: string;
	at: string;
}

export interface KeySummary {
	id: string;
	providerId: string;
	label: string;
	displayHint: string;
	status: KeyStatus;
	priority: number;
	version: number;
	createdAt: Date;
	updatedAt: Date;
	disabledAt: Date | null;
	lastValidatedAt: Date | null;
	lastValidation: LastValidation | null;
}

export interface KeyInput {
	secret: string;
	label: string;
	priority: number;
	status: KeyStatus;
}

export const SECRET_MAX = 8192;
export const LABEL_MAX = 64;
export const PRIORITY_MAX = 1000;

/**
 * The secret as pasted: surrounding whitespace (a trailing newline from a pipe) is dropped;
 * anything inside that is not a visible character is refused, because it is a paste error that
 * would only show up later as a 401.
 */
export function normaliseSecret(value: unknown): string {
	if (typeof value !== 'string') throw new FieldProblem('The key must be text');
	const secret = value.trim();
	if (secret === '') throw new FieldProblem('The key is empty — paste the whole key');
	if (/[\s\p{Cc}\p{Cf}\p{Cs}]/u.test(secret)) throw new FieldProblem('The key contains spaces, line breaks or control characters — paste it again as one piece');
	if (secret.length > SECRET_MAX) throw new FieldProblem(`The key is longer than ${SECRET_MAX} characters — check what was pasted`);
	return secret;
}

export function normaliseLabel(value: unknown): string {
	if (value === undefined || value === null) return '';
	return textRule(value, {label: 'Label', max: LABEL_MAX, optional: true, allowed: 'labels may use letters of any script, digits, spaces and punctuation'});
}

/** Lower is used first; digits in a string are accepted (flags and forms). */
export function parsePriority(value: unknown): number {
	const message = `Priority must be a whole number from 0 to ${PRIORITY_MAX} (lower is used first)`;
	let number: number;
	if (typeof value === 'number') number = value;
	else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) number = Number(value.trim());
	else throw new FieldProblem(message);
	if (!Number.isSafeInteger(number) || number < 0 || number > PRIORITY_MAX) throw new FieldProblem(message);
	return number;
}

export function parseKeyStatus(value: unknown): KeyStatus {
	if (value === 'active' || value === 'disabled') return value;
	throw new FieldProblem('Status must be active or disabled');
}

const keyInputSchema = z
	.object({
		secret: field(normaliseSecret),
		label: field(normaliseLabel),
		priority: field((value) => (value === undefined ? 0 : parsePriority(value))),
		status: field((value) => (value === undefined ? 'active' : parseKeyStatus(value))),
	})
	.strict();

export function parseKeyInput(raw: unknown): KeyInput {
	return parseFields(keyInputSchema, raw);
}

/** The fields of a key an operator edits: everything but the secret. */
export interface KeyFields {
	label: string;
	priority: number;
	status: KeyStatus;
}

const keyPatchSchema = z
	.object({
		label: field(normaliseLabel),
		priority: field(parsePriority),
		status: field(parseKeyStatus),
	})
	.partial()
	.strict();

/** An edit of a key: only the fields given change (the secret is never edited; a new secret is a rotation). */
export function applyKeyPatch(current: KeyFields, raw: unknown): KeyFields {
	if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0) {
		throw new ValidationError({input: 'Nothing to change — give at least one of label, priority, status'});
	}
	if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'secret' in raw) {
		throw new ValidationError({secret: 'A key\'s secret is never edited — rotate it instead (eval752 keys rotate PROVIDER)'});
	}
	const patch = parseFields(keyPatchSchema, raw);
	return {label: patch.label ?? current.label, priority: patch.priority ?? current.priority, status: patch.status ?? current.status};
}

/** What an audit row may say about a key: the hint and label, never ciphertext, fingerprint or secret. */
export function keyProjection(key: Pick<KeySummary, 'label' | 'displayHint' | 'status' | 'priority'>): Record<string, unknown> {
	return {label: key.label, displayHint: key.displayHint, status: key.status, priority: key.priority};
}

export const lastValidationSchema = z.object({
	outcome: z.enum(['ok', 'failed', 'cancelled']),
	errorClass: z.string().nullable(),
	message: z.string().nullable(),
	model: z.string(),
	at: z.string(),
});

import * as z from 'zod';
import {ValidationError} from '../errors.js';
import type {Capability} from './families.js';
import {field, FieldProblem, parseFields, textRule} from './fields.js';

/**
 * Models attached to a provider, and aliases: one operator-chosen name (`fast-chat`) served
 * by models on several providers, so a comparison can run one prompt everywhere.
 */

export interface Model {
	id: string;
	providerId: string;
	modelName: string;
	displayLabel: string;
	alias: string | null;
	version: number;
	createdAt: Date;
	updatedAt: Date;
}

export interface AliasEntry {
	alias: string;
	providers: {providerId: string; providerName: string; providerEnabled: boolean; modelId: string; modelName: string; displayLabel: string; capabilities: Capability[]}[];
}

export interface ModelInput {
	modelName: string;
	displayLabel: string;
	alias: string | null;
}

export const MODEL_NAME_MAX = 256;
export const DISPLAY_LABEL_MAX = 64;
export const ALIAS_MAX = 64;

/**
 * The id the provider serves (`gpt-4o-mini`, `meta-llama/Llama-3-70b`, `llama3:8b`): sent
 * verbatim, so no spaces and no control characters; letters of any script are allowed
 * (local servers name models freely).
 */
export function normaliseModelName(value: unknown): string {
	const name = textRule(value, {label: 'Model name', max: MODEL_NAME_MAX});
	if (/\s/.test(name)) throw new FieldProblem('Model name can\'t contain spaces — use the id exactly as the provider lists it');
	return name;
}

/**
 * Ids from a provider's `/models` list, checked by the same rule as a typed model name: an id
 * that is not exactly what {@link normaliseModelName} would keep (control or escape characters,
 * invisible characters, spaces, padding, over-long) is never shown, only counted.
 */
export function screenModelIds(ids: readonly string[]): {valid: string[]; skipped: number} {
	const valid: string[] = [];
	let skipped = 0;
	for (const id of ids) {
		let name: string | undefined;
		try {
			name = normaliseModelName(id);
		} catch (error) {
			if (!(error instanceof FieldProblem)) throw error;
		}
		if (name !== undefined && name === id) valid.push(id);
		else skipped++;
	}
	return {valid, skipped};
}

/** The line both front ends show under a discovered model list when ids were left out; null when none were. */
export function skippedIdsNote(skipped: number): string | null {
	if (skipped <= 0) return null;
	return `${skipped} id${skipped === 1 ? '' : 's'} skipped (unsafe characters)`;
}

export function normaliseDisplayLabel(value: unknown): string {
	if (value === undefined || value === null) return '';
	return textRule(value, {label: 'Display label', max: DISPLAY_LABEL_MAX, optional: true, allowed: 'labels may use letters of any script, digits, spaces and punctuation'});
}

const ALIAS = /^[a-z0-9._:/-]+$/;

function aliasProblem(raw: unknown): string | null {
	if (typeof raw !== 'string') return 'Alias must be text';
	const alias = raw.trim().toLowerCase();
	if (alias === '') return raw === '' ? 'Alias is required' : 'Alias can\'t be only spaces';
	if (Array.from(alias).length > ALIAS_MAX) return `Alias is ${Array.from(alias).length} characters long; the limit is ${ALIAS_MAX}`;
	if (!ALIAS.test(alias)) return 'Alias may use only a–z, 0–9 and . _ : / - (no spaces, no letters outside a–z)';
	return null;
}

/** Trimmed, lowercased, `[a-z0-9._:/-]`, 1–64 characters; otherwise a ValidationError on `alias`. */
export function normaliseAlias(raw: string): string {
	const problem = aliasProblem(raw);
	if (problem) throw new ValidationError({alias: problem});
	return raw.trim().toLowerCase();
}

/** null, undefined or '' mean "no alias". */
function optionalAlias(value: unknown): string | null {
	if (value === undefined || value === null || value === '') return null;
	const problem = aliasProblem(value);
	if (problem) throw new FieldProblem(problem);
	return (value as string).trim().toLowerCase();
}

const modelInputSchema = z
	.object({
		modelName: field(normaliseModelName),
		displayLabel: field(normaliseDisplayLabel),
		alias: field(optionalAlias),
	})
	.strict();

/** A new model; the display label defaults to the model name. */
export function parseModelInput(raw: unknown): ModelInput {
	const input = parseFields(modelInputSchema, raw);
	return {modelName: input.modelName, displayLabel: input.displayLabel || input.modelName, alias: input.alias};
}

const modelPatchSchema = modelInputSchema.partial().strict();

/** An edit: only the given fields change; `alias: null` or '' clears the alias, an empty label resets it to the model name. */
export function applyModelPatch(current: ModelInput, raw: unknown): ModelInput {
	if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0) {
		throw new ValidationError({input: 'Nothing to change — give at least one field'});
	}
	const patch = parseFields(modelPatchSchema, raw);
	const has = (key: string) => Object.prototype.hasOwnProperty.call(raw, key);
	const modelName = patch.modelName ?? current.modelName;
	return {
		modelName,
		displayLabel: has('displayLabel') ? patch.displayLabel || modelName : current.displayLabel,
		alias: has('alias') ? (patch.alias ?? null) : current.alias,
	};
}

export function modelProjection(model: ModelInput): Record<string, unknown> {
	return {modelName: model.modelName, displayLabel: model.displayLabel, alias: model.alias};
}

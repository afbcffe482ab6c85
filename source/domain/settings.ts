import * as z from 'zod';
import {ValidationError} from '../errors.js';
import {FieldProblem, textRule} from './fields.js';

/**
 * Workspace runtime defaults, shared by the whole team through the `settings` table. Every
 * key has a default and bounds; a row that no longer passes (edited by hand, an older
 * eval752) falls back to the default rather than breaking smoke tests.
 */

export interface Settings {
	timeout_ms: number;
	max_retries: number;
	max_output_tokens: number;
	temperature: number;
	smoke_prompt: string;
	default_concurrency: number;
	probe_max_tokens: number;
}

export type SettingKey = keyof Settings;

export const settingDefaults: Settings = {
	timeout_ms: 60_000,
	max_retries: 2,
	max_output_tokens: 256,
	temperature: 0,
	smoke_prompt: 'Reply with the single word: pong',
	default_concurrency: 4,
	probe_max_tokens: 1024,
};

export const settingDescriptions: Record<SettingKey, string> = {
	timeout_ms: 'request timeout in milliseconds (1000–600000)',
	max_retries: 'retries after a retryable failure (0–10)',
	max_output_tokens: 'most tokens a smoke test or comparison asks for (1–200000)',
	temperature: 'sampling temperature (0–2)',
	smoke_prompt: 'the prompt a smoke test sends (1–4000 characters)',
	default_concurrency: 'requests in flight per provider when it sets no limit (1–64)',
	probe_max_tokens: 'output tokens a chat probe gives a reasoning model; others get at most 16 (1–200000)',
};

export const settingKeys = Object.keys(settingDefaults) as SettingKey[];

function integer(label: string, min: number, max: number) {
	return (value: unknown): number => {
		const message = `${label} must be a whole number from ${min} to ${max}`;
		let number: number;
		if (typeof value === 'number') number = value;
		else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) number = Number(value.trim());
		else throw new FieldProblem(message);
		if (!Number.isSafeInteger(number) || number < min || number > max) throw new FieldProblem(message);
		return number;
	};
}

function decimal(label: string, min: number, max: number) {
	return (value: unknown): number => {
		const message = `${label} must be a number from ${min} to ${max}`;
		let number: number;
		if (typeof value === 'number') number = value;
		else if (typeof value === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) number = Number(value.trim());
		else throw new FieldProblem(message);
		if (!Number.isFinite(number) || number < min || number > max) throw new FieldProblem(message);
		return number;
	};
}

/** Per key: the rule that checks (and, for strings from a command line, coerces) a value. */
export const settingRules: {[K in SettingKey]: (value: unknown) => Settings[K]} = {
	timeout_ms: integer('timeout_ms', 1000, 600_000),
	max_retries: integer('max_retries', 0, 10),
	max_output_tokens: integer('max_output_tokens', 1, 200_000),
	temperature: decimal('temperature', 0, 2),
	smoke_prompt: (value) => textRule(value, {label: 'smoke_prompt', max: 4000, multiline: true}),
	default_concurrency: integer('default_concurrency', 1, 64),
	probe_max_tokens: integer('probe_max_tokens', 1, 200_000),
};

function schemaFor<K extends SettingKey>(key: K) {
	return z
		.unknown()
		.transform((value, ctx): Settings[K] => {
			try {
				return settingRules[key](value);
			} catch (error) {
				if (!(error instanceof FieldProblem)) throw error;
				ctx.addIssue({code: 'custom', message: error.message});
				return z.NEVER;
			}
		})
		.default(settingDefaults[key] as never);
}

/** The whole settings object: missing keys take their defaults, unknown keys are refused. */
export const settingsSchema = z
	.object({
		timeout_ms: schemaFor('timeout_ms'),
		max_retries: schemaFor('max_retries'),
		max_output_tokens: schemaFor('max_output_tokens'),
		temperature: schemaFor('temperature'),
		smoke_prompt: schemaFor('smoke_prompt'),
		default_concurrency: schemaFor('default_concurrency'),
		probe_max_tokens: schemaFor('probe_max_tokens'),
	})
	.strict();

export function isSettingKey(key: unknown): key is SettingKey {
	return typeof key === 'string' && (settingKeys as string[]).includes(key);
}

/** A known key, or a ValidationError listing the known ones. */
export function parseSettingKey(key: unknown): SettingKey {
	if (isSettingKey(key)) return key;
	const shown = typeof key === 'string' && key.length <= 40 && !/[\p{Cc}\p{Cf}]/u.test(key) ? ` "${key}"` : '';
	throw new ValidationError({key: `Unknown setting${shown} — known settings: ${settingKeys.join(', ')}`});
}

/** One value checked against its key's rule; strings from a command line are coerced ("30000" → 30000). */
export function parseSettingValue<K extends SettingKey>(key: K, value: unknown): Settings[K] {
	try {
		return settingRules[key](value) as Settings[K];
	} catch (error) {
		if (error instanceof FieldProblem) throw new ValidationError({[key]: error.message});
		throw error;
	}
}

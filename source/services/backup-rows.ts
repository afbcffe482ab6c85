import {probeKinds} from '../domain/probe.js';
import {FULL_MASK, parseEnvelope} from '../crypto/index.js';
import type {BackupTable, JsonRow} from '../db/repositories/backup.js';
import {lastValidationSchema, normaliseLabel, parseKeyStatus, parsePriority} from '../domain/key.js';
import {normaliseAlias, normaliseDisplayLabel, normaliseModelName} from '../domain/model.js';
import {NAME_MAX, normaliseBaseUrl, normaliseProviderName, parseCapabilities, parseHeaders, parseProviderType, parseRate} from '../domain/provider.js';
import {FieldProblem, isUuid, textRule} from '../domain/fields.js';
import {isSettingKey, parseSettingValue} from '../domain/settings.js';
import {ValidationError} from '../errors.js';
import {errorClasses} from '../providers/errors.js';

/**
 * The rules a backup row must pass before `restore` lets it in: the same domain rules that
 * input passes (names, URLs, headers, aliases, labels, settings, priorities), and for the
 * columns no operator types, the shapes eval752 itself writes (ciphertext envelopes, hashes,
 * display hints, sanitised excerpts). A backup is a file anyone may have edited; a row that
 * eval752 would never have written — an escape sequence in a name, a `file:` base URL, an
 * unknown setting, a secret-looking header — is refused, and with it the whole backup.
 *
 * Every column of every table has a rule, and a column without one is refused: a new
 * migration that adds a column (or a table: the map below is exhaustive by type) must add its
 * rule here too.
 */

/** One column that fails its rule; the message never quotes the value (it may be a secret). */
export class RowProblem extends Error {
	readonly column: string;
	constructor(column: string, message: string) {
		super(message);
		this.column = column;
	}
}

type Rule = (value: unknown) => void;

/** Domain rule failures, in whatever form the rule reports them, as one message. */
function ruleMessage(error: unknown): string | undefined {
	if (error instanceof FieldProblem) return error.message;
	if (error instanceof ValidationError) return Object.values(error.issues)[0] ?? error.message;
	return undefined;
}

/** The value must be exactly what the input rule keeps: not merely acceptable after trimming or lowercasing. */
function exact(rule: (value: unknown) => unknown, what: string): Rule {
	return (value) => {
		if (rule(value) !== value) throw new FieldProblem(`${what} is not in the form eval752 stores (spaces around it, or letters in another case)`);
	};
}

function nullable(rule: Rule): Rule {
	return (value) => {
		if (value !== null) rule(value);
	};
}

const uuid: Rule = (value) => {
	if (typeof value !== 'string' || !isUuid(value)) throw new FieldProblem('must be an id (a uuid)');
};

const timestamp: Rule = (value) => {
	if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/.test(value) || Number.isNaN(Date.parse(value))) {
		throw new FieldProblem('must be a timestamp as PostgreSQL writes it');
	}
};

function integer(min: number, max: number): Rule {
	return (value) => {
		if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw new FieldProblem(`must be a whole number from ${min} to ${max}`);
	};
}

const measure: Rule = (value) => {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new FieldProblem('must be a number of 0 or more');
};

const bool: Rule = (value) => {
	if (typeof value !== 'boolean') throw new FieldProblem('must be true or false');
};

function oneOf(values: readonly string[]): Rule {
	return (value) => {
		if (typeof value !== 'string' || !values.includes(value)) throw new FieldProblem(`must be one of ${values.join(', ')}`);
	};
}

/** C0 controls but `\n` and `\t`, DEL, C1 controls and the bidi controls: what eval752's own sanitiser never lets through. */
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;

/**
 * Text eval752 wrote after sanitising it (excerpts, error messages, audit details): no
 * character a terminal acts on. Invisible characters other than bidi controls are tolerated:
 * earlier versions of the sanitiser kept them, they are harmless on a terminal, and output
 * removes them anyway.
 */
function sanitisedText(max: number, {multiline = false} = {}): Rule {
	return (value) => {
		if (typeof value !== 'string') throw new FieldProblem('must be text');
		if (TERMINAL_UNSAFE.test(value) || (!multiline && /[\n\t]/.test(value))) throw new FieldProblem('contains control or escape characters');
		if (value.length > max) throw new FieldProblem(`is longer than ${max} characters`);
	};
}

/** Who did something: what EVAL752_ACTOR allows, or the user@host default. */
const actor: Rule = (value) => {
	textRule(value, {label: 'Actor', max: 256});
};

/** What a smoke run and a comparison result both record about one request. */
const runOutcomeRules: Record<string, Rule> = {
	error_class: nullable(oneOf(errorClasses)),
	ttft_ms: nullable(integer(0, 2_147_483_647)),
	total_ms: nullable(integer(0, 2_147_483_647)),
	output_tokens: nullable(integer(0, 2_147_483_647)),
	tokens_per_s: nullable(measure),
	excerpt: nullable(sanitisedText(10_000, {multiline: true})),
	error_message: nullable(sanitisedText(1000)),
};

const identifier: Rule = (value) => {
	if (typeof value !== 'string' || !/^[a-z][a-z0-9_.-]{0,63}$/.test(value)) throw new FieldProblem('must be a short lowercase identifier');
};

const capabilityList: Rule = (value) => {
	if (!Array.isArray(value)) throw new FieldProblem('Capabilities must be a list');
	const parsed = parseCapabilities(value);
	if (parsed.length !== value.length || parsed.some((capability, index) => capability !== value[index])) {
		throw new FieldProblem('Capabilities are not in the form eval752 stores (each known capability once, in canonical order)');
	}
};

const rateLimits: Rule = (value) => {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FieldProblem('Rate limits must be an object of rpm, rps and concurrency');
	for (const [name, limit] of Object.entries(value)) {
		if (name !== 'rpm' && name !== 'rps' && name !== 'concurrency') throw new FieldProblem(`Rate limits have an unknown limit (${/^[a-z_]{1,20}$/.test(name) ? name : 'not shown'})`);
		if (limit !== null && typeof limit !== 'number') throw new FieldProblem(`${name} must be a whole number or null`);
		parseRate(name)(limit);
	}
};

const extraHeaders: Rule = (value) => {
	const parsed = parseHeaders(value);
	if (JSON.stringify(parsed) !== JSON.stringify(value)) throw new FieldProblem('Extra headers are not in the form eval752 stores');
};

const alias: Rule = (value) => {
	if (typeof value !== 'string' || normaliseAlias(value) !== value) throw new FieldProblem('Alias is not in the form eval752 stores (lowercase, trimmed)');
};

const hash: Rule = (value) => {
	if (typeof value !== 'string' || !/^\\x[0-9a-f]{64}$/.test(value)) throw new FieldProblem('must be a 32-byte hash');
};

const keyId: Rule = (value) => {
	if (typeof value !== 'string' || !/^[0-9a-f]{16}$/.test(value)) throw new FieldProblem('must be a key id (16 hex characters)');
};

/** `sk-proj-…a1b2` or the full mask: what `displayHint` makes, and nothing longer. */
const displayHint: Rule = (value) => {
	if (typeof value !== 'string') throw new FieldProblem('must be text');
	if (value === FULL_MASK) return;
	const [prefix, tail, ...rest] = value.split('…');
	if (rest.length > 0 || tail === undefined || !/^(?:[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*[-_])?$/.test(prefix!) || prefix!.length > 8 || Array.from(tail).length !== 4) {
		throw new FieldProblem('is not a display hint eval752 makes (a vendor prefix, …, and the last 4 characters)');
	}
	textRule(tail, {label: 'The hint', max: 4});
};

const lastValidation: Rule = (value) => {
	if (value === null) return;
	const parsed = lastValidationSchema.strict().safeParse(value);
	if (!parsed.success) throw new FieldProblem('is not a validation eval752 records');
	const {errorClass, message, model, at} = parsed.data;
	if (errorClass !== null) oneOf(errorClasses)(errorClass);
	if (message !== null) sanitisedText(1000)(message);
	normaliseModelName(model);
	timestamp(at);
};

/** Every string (and key) anywhere in a JSON value passes `rule`. */
function jsonStrings(rule: Rule, depth = 0): Rule {
	return (value) => {
		if (depth > 32) throw new FieldProblem('is nested too deeply');
		if (typeof value === 'string') rule(value);
		else if (Array.isArray(value)) for (const item of value) jsonStrings(rule, depth + 1)(item);
		else if (value !== null && typeof value === 'object') {
			for (const [key, item] of Object.entries(value)) {
				rule(key);
				jsonStrings(rule, depth + 1)(item);
			}
		}
	};
}

const auditDetails: Rule = (value) => {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FieldProblem('must be an object');
	jsonStrings(sanitisedText(10_000, {multiline: true}))(value);
};

/** The envelope of a secret or the canary: parsed (never decrypted here), key id named in it. */
function envelopeOf(row: JsonRow, rowId: string): {keyId: string} {
	try {
		return parseEnvelope(row['ciphertext'] as string, rowId);
	} catch {
		throw new RowProblem('ciphertext', 'is not a v1 envelope eval752 writes');
	}
}

const settingRow = (row: JsonRow): void => {
	const key = row['key'];
	if (!isSettingKey(key)) throw new RowProblem('key', 'is not a setting eval752 knows');
	let value: unknown;
	try {
		value = parseSettingValue(key, row['value']);
	} catch (error) {
		throw new RowProblem('value', ruleMessage(error) ?? 'is not a valid value');
	}
	if (value !== row['value']) throw new RowProblem('value', 'is not in the form eval752 stores');
};

interface TableRules {
	readonly columns: Readonly<Record<string, Rule>>;
	/** Checks across columns, after each column passed its own rule. */
	readonly row?: (row: JsonRow) => void;
}

const RULES: Readonly<Record<BackupTable, TableRules>> = {
	providers: {
		columns: {
			id: uuid,
			name: exact(normaliseProviderName, 'Name'),
			type: exact(parseProviderType, 'Type'),
			base_url: exact(normaliseBaseUrl, 'Base URL'),
			capabilities: capabilityList,
			rate_limits: rateLimits,
			extra_headers: extraHeaders,
			enabled: bool,
			version: integer(1, 2_147_483_647),
			created_at: timestamp,
			updated_at: timestamp,
			updated_by: nullable(actor),
			probe_kind: oneOf(probeKinds),
		},
	},
	provider_keys: {
		columns: {
			id: uuid,
			provider_id: uuid,
			label: exact(normaliseLabel, 'Label'),
			ciphertext: (value) => {
				if (typeof value !== 'string') throw new FieldProblem('must be text');
			},
			key_id: keyId,
			fingerprint: hash,
			display_hint: displayHint,
			status: exact(parseKeyStatus, 'Status'),
			priority: (value) => {
				if (typeof value !== 'number' || parsePriority(value) !== value) throw new FieldProblem('Priority must be a whole number');
			},
			version: integer(1, 2_147_483_647),
			created_at: timestamp,
			updated_at: timestamp,
			updated_by: nullable(actor),
			disabled_at: nullable(timestamp),
			last_validated_at: nullable(timestamp),
			last_validation: lastValidation,
		},
		row: (row) => {
			const envelope = envelopeOf(row, row['id'] as string);
			if (envelope.keyId !== row['key_id']) throw new RowProblem('key_id', `names key id ${String(row['key_id'])} but its ciphertext is under key id ${envelope.keyId}`);
		},
	},
	models: {
		columns: {
			id: uuid,
			provider_id: uuid,
			model_name: exact(normaliseModelName, 'Model name'),
			display_label: exact(normaliseDisplayLabel, 'Display label'),
			alias: nullable(alias),
			version: integer(1, 2_147_483_647),
			created_at: timestamp,
			updated_at: timestamp,
			updated_by: nullable(actor),
		},
	},
	settings: {
		columns: {key: () => undefined, value: () => undefined, version: integer(1, 2_147_483_647), updated_at: timestamp, updated_by: nullable(actor)},
		row: settingRow,
	},
	smoke_runs: {
		columns: {
			id: uuid,
			provider_id: nullable(uuid),
			provider_name: (value) => void textRule(value, {label: 'Provider name', max: NAME_MAX}),
			key_row_id: nullable(uuid),
			model_name: (value) => void normaliseModelName(value),
			started_at: timestamp,
			finished_at: nullable(timestamp),
			outcome: oneOf(['ok', 'failed', 'cancelled']),
			...runOutcomeRules,
			actor,
			probe_kind: oneOf(probeKinds),
			input_tokens: nullable(integer(0, 2_147_483_647)),
			tokens_estimated: bool,
			// Rate-limit headers as a probe stored them: a flat object of short safe strings.
			rate_headers: (value) => {
				if (value === null) return;
				if (typeof value !== 'object' || Array.isArray(value)) throw new FieldProblem('must be an object of header values');
				for (const [name, header] of Object.entries(value as Record<string, unknown>)) {
					if (!/^[a-z0-9-]{1,64}$/.test(name)) throw new FieldProblem('holds a header name eval752 does not store');
					sanitisedText(256)(header);
				}
			},
		},
	},
	comparison_runs: {
		columns: {
			id: uuid,
			alias,
			prompt: (value) => void textRule(value, {label: 'Prompt', max: 4000, multiline: true}),
			started_at: timestamp,
			finished_at: nullable(timestamp),
			status: oneOf(['running', 'finished', 'cancelled']),
			actor,
		},
	},
	comparison_results: {
		columns: {
			id: uuid,
			run_id: uuid,
			provider_id: nullable(uuid),
			provider_name: (value) => void textRule(value, {label: 'Provider name', max: NAME_MAX}),
			model_name: (value) => void normaliseModelName(value),
			outcome: oneOf(['ok', 'failed', 'cancelled']),
			...runOutcomeRules,
			key_row_id: nullable(uuid),
			finished_at: nullable(timestamp),
		},
	},
	audit_log: {
		columns: {
			seq: integer(1, Number.MAX_SAFE_INTEGER),
			at: timestamp,
			actor,
			action: identifier,
			target_type: identifier,
			target_id: nullable(sanitisedText(256)),
			details: auditDetails,
			prev_hash: hash,
			row_hash: hash,
			// Null for rows written before keyed hashing started.
			key_id: nullable(keyId),
		},
	},
	audit_head: {
		columns: {
			id: (value) => {
				if (value !== true) throw new FieldProblem('must be true (the one head row)');
			},
			seq: integer(0, Number.MAX_SAFE_INTEGER),
			rows: integer(0, Number.MAX_SAFE_INTEGER),
			row_hash: hash,
			at: nullable(timestamp),
			keyed_from: nullable(integer(0, Number.MAX_SAFE_INTEGER)),
			key_id: nullable(keyId),
			mac: nullable(hash),
		},
		row: (row) => {
			if ((row['key_id'] === null) !== (row['mac'] === null)) throw new RowProblem('mac', 'goes with key_id: both or neither');
		},
	},
	encryption_canary: {
		columns: {
			key_id: keyId,
			ciphertext: (value) => {
				if (typeof value !== 'string') throw new FieldProblem('must be text');
			},
			created_at: timestamp,
		},
		row: (row) => {
			const envelope = envelopeOf(row, 'encryption_canary');
			if (envelope.keyId !== row['key_id']) throw new RowProblem('key_id', `names key id ${String(row['key_id'])} but the canary is under key id ${envelope.keyId}`);
		},
	},
};

/**
 * Checks one backup row of `table` against every rule; throws {@link RowProblem} naming the
 * first column that fails (the message never quotes the value).
 */
export function checkBackupRow(table: BackupTable, row: JsonRow): void {
	const rules = RULES[table];
	for (const column of Object.keys(row)) {
		if (!(column in rules.columns)) throw new RowProblem(/^[a-z_]{1,40}$/.test(column) ? column : 'a column', 'is not a column eval752 has in this table');
	}
	for (const [column, rule] of Object.entries(rules.columns)) {
		if (!(column in row)) throw new RowProblem(column, 'is missing');
		try {
			rule(row[column]);
		} catch (error) {
			const message = ruleMessage(error);
			if (message === undefined) throw error;
			throw new RowProblem(column, message);
		}
	}
	rules.row?.(row);
}

/** The id a refusal may name: the row's primary key when it is a safe, short value. */
export function rowLabel(table: BackupTable, row: JsonRow): string | undefined {
	const key = table === 'settings' ? row['key'] : table === 'audit_log' ? row['seq'] : table === 'encryption_canary' ? row['key_id'] : row['id'];
	if (typeof key === 'number' && Number.isSafeInteger(key)) return `seq ${key}`;
	if (typeof key === 'string' && (isUuid(key) || /^[0-9a-f]{16}$/.test(key) || isSettingKey(key))) return `id ${key}`;
	return undefined;
}

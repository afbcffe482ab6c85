import {auditRowAt, auditSearch, type StoredAuditRow} from '../db/repositories/audit.js';
import {targetNames, type TargetNames} from '../db/repositories/targets.js';
import {NotFoundError, ValidationError} from '../errors.js';
import type {ServiceContext} from './context.js';

/**
 * Browsing the audit log as the dashboard does: newest first, a page at a time, narrowed by
 * words, with each row's target named as it is today (or as the row recorded it, when the
 * thing is gone) and a link to the provider it concerns.
 */
export interface AuditListItem extends StoredAuditRow {
	/** "provider groq-prod", "key sk-…a1b2 (ci) of groq-prod", "setting timeout_ms". */
	readonly target: string;
	/** The provider the row concerns, when it still exists: where `g` goes. */
	readonly providerId: string | null;
}

export interface AuditChange {
	readonly field: string;
	readonly before: string;
	readonly after: string;
}

export interface AuditEntryDetail extends AuditListItem {
	/** Fields an edit changed, from the row's before/after. */
	readonly changes: readonly AuditChange[];
	/** Every detail of the row, one `key: value` line each (nested values as compact JSON). */
	readonly detailLines: readonly string[];
}

export const AUDIT_PAGE = 200;

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const shown = (value: unknown): string => (value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));
const shortId = (id: string) => id.slice(0, 8);

function describeTarget(row: StoredAuditRow, names: TargetNames): {target: string; providerId: string | null} {
	const details = record(row.details);
	const id = row.targetId ?? '';
	switch (row.targetType) {
		case 'provider': {
			const provider = names.providers.get(id);
			if (provider) return {target: `provider ${provider.name}`, providerId: id};
			return {target: `provider ${shown(details['name'] ?? details['provider'] ?? shortId(id))} (deleted)`, providerId: null};
		}
		case 'key': {
			const key = names.keys.get(id);
			if (key) return {target: `key ${key.hint}${key.label ? ` (${key.label})` : ''} of ${key.providerName}`, providerId: key.providerId};
			return {target: `key ${shown(details['key'] ?? details['hint'] ?? details['displayHint'] ?? shortId(id))} (deleted)`, providerId: null};
		}
		case 'model': {
			const model = names.models.get(id);
			if (model) return {target: `model ${model.modelName} of ${model.providerName}`, providerId: model.providerId};
			return {target: `model ${shown(details['modelName'] ?? details['model'] ?? shortId(id))} (deleted)`, providerId: null};
		}
		case 'setting':
			return {target: `setting ${id}`, providerId: null};
		case 'comparison_run':
			return {target: `comparison of ${shown(details['alias'] ?? shortId(id))}`, providerId: null};
		default:
			return {target: id ? `${row.targetType} ${id.length > 12 ? shortId(id) : id}` : row.targetType, providerId: null};
	}
}

async function named(ctx: ServiceContext, rows: readonly StoredAuditRow[]): Promise<AuditListItem[]> {
	const ids = (type: string) => rows.filter((row) => row.targetType === type && row.targetId).map((row) => row.targetId!);
	const names = await targetNames(ctx.db.sql, {providers: ids('provider'), keys: ids('key'), models: ids('model')});
	return rows.map((row) => ({...row, ...describeTarget(row, names)}));
}

/** Words typed into the filter: each must appear in the actor, action, target or recorded name. */
export function filterWords(filter: string): string[] {
	return filter.trim().split(/\s+/).filter(Boolean).slice(0, 8);
}

/** One page, newest first; `beforeSeq` continues where the last page ended. */
export async function browseAudit(ctx: ServiceContext, options: {beforeSeq?: number; filter?: string; limit?: number} = {}): Promise<AuditListItem[]> {
	const limit = options.limit ?? AUDIT_PAGE;
	if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError({limit: 'The page size must be a whole number from 1 to 1000'});
	const rows = await auditSearch(ctx.db.sql, {beforeSeq: options.beforeSeq, limit, words: filterWords(options.filter ?? '')});
	return named(ctx, rows);
}

/** One row in full: every detail, what an edit changed, and its target named. */
export async function auditEntry(ctx: ServiceContext, seq: number): Promise<AuditEntryDetail> {
	const row = await auditRowAt(ctx.db.sql, seq);
	if (!row) throw new NotFoundError(`There is no audit row ${seq}`, {hint: 'the audit view lists the rows there are'});
	const [item] = await named(ctx, [row]);
	const details = record(row.details);
	const before = record(details['before']);
	const after = record(details['after']);
	const changes = [...new Set([...Object.keys(before), ...Object.keys(after)])].map((field) => ({field, before: shown(before[field]), after: shown(after[field])}));
	const detailLines = Object.entries(details)
		.filter(([key]) => key !== 'before' && key !== 'after')
		.map(([key, value]) => `${key}: ${shown(value)}`);
	return {...item!, changes, detailLines};
}

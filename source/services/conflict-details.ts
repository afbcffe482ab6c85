import {changedFields, fieldLabels, type ConflictDetails, type ConflictTarget} from '../domain/conflict.js';
import {auditRowsOfTarget} from '../db/repositories/audit.js';
import type {Queryable} from '../db/types.js';
import {ConflictError} from '../errors.js';

/**
 * Who changed a row, when and which fields, since the version an edit started from — read from
 * the audit log, where every versioned mutation records the version it wrote and the names of
 * the fields it changed (`details.version`, `details.fields`). Rows written before they did (or a
 * change that did not record them) fall back to the row's own updated_by and updated_at.
 */

/** How far back to look: far more changes than two operators make to one row while a form is open. */
const LOOKBACK = 200;

export interface ConflictTargetRef {
	readonly type: ConflictTarget;
	readonly id: string;
	readonly subject: string;
}

export interface CurrentRow {
	readonly version: number;
	readonly updatedBy: string | null;
	readonly updatedAt: Date | null;
}

function recordedFields(target: ConflictTarget, details: Record<string, unknown>): string[] {
	const fields = details['fields'];
	if (Array.isArray(fields) && fields.every((field) => typeof field === 'string')) return fields as string[];
	const before = details['before'];
	const after = details['after'];
	if (after !== null && typeof after === 'object' && before !== null && typeof before === 'object') return changedFields(before, after, target === 'provider' ? ['rateLimits'] : []);
	return [];
}

export async function conflictDetails(sql: Queryable, target: ConflictTargetRef, expectedVersion: number, current: CurrentRow): Promise<ConflictDetails> {
	const rows = await auditRowsOfTarget(sql, target.type, target.id, LOOKBACK);
	const since = rows
		.filter((row) => {
			const details = row.details as Record<string, unknown> | null;
			const version = details?.['version'];
			return typeof version === 'number' && version > expectedVersion && version <= current.version;
		})
		.reverse();
	const about = {targetType: target.type, targetId: target.id, subject: target.subject, expectedVersion, currentVersion: current.version};
	if (since.length === 0) {
		return {
			...about,
			actors: current.updatedBy ? [current.updatedBy] : [],
			changedAt: current.updatedAt,
			fields: [],
		};
	}
	const actors: string[] = [];
	const fields: string[] = [];
	for (const row of since) {
		if (!actors.includes(row.actor)) actors.push(row.actor);
		fields.push(...recordedFields(target.type, row.details as Record<string, unknown>));
	}
	return {
		...about,
		actors,
		changedAt: since.at(-1)!.at,
		fields: fieldLabels(target.type, fields),
	};
}

/** The ConflictError for a lost race, with its details read inside the caller's transaction. */
export async function conflictError(sql: Queryable, target: ConflictTargetRef, expectedVersion: number, current: CurrentRow): Promise<ConflictError> {
	return new ConflictError(await conflictDetails(sql, target, expectedVersion, current));
}

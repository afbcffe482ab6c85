import {createHash} from 'node:crypto';

/** The chain starts from 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

export interface AuditRow {
	readonly seq: number;
	readonly at: Date;
	readonly actor: string;
	readonly action: string;
	readonly targetType: string;
	readonly targetId: string | null;
	readonly details: unknown;
}

/** Keys sorted at every depth, so jsonb's own key order never changes the hash. */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
	if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
	const entries = Object.entries(value as Record<string, unknown>)
		.filter(([, item]) => item !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** row_hash = sha256(prev_hash ‖ canonical row). */
export function auditRowHash(prevHash: Buffer, row: AuditRow): Buffer {
	const canonical = canonicalJson({
		seq: String(row.seq),
		at: row.at.toISOString(),
		actor: row.actor,
		action: row.action,
		target_type: row.targetType,
		target_id: row.targetId,
		details: row.details,
	});
	return createHash('sha256').update(prevHash).update(canonical, 'utf8').digest();
}

/**
 * jsonb refuses NUL characters and stores only JSON values: make details safe and stable
 * before they are hashed and stored (what is hashed must be what comes back).
 */
export function normaliseDetails(value: unknown): unknown {
	if (typeof value === 'string') return value.replace(/\u0000/g, '');
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (value === null || typeof value === 'boolean') return value;
	if (value instanceof Date) return value.toISOString();
	if (Array.isArray(value)) return value.map((item) => normaliseDetails(item ?? null));
	if (typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
			if (item !== undefined) out[key.replace(/\u0000/g, '')] = normaliseDetails(item);
		}
		return out;
	}
	return null;
}

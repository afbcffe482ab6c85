import {auditCount, auditTail, verifyChain, type ChainResult, type StoredAuditRow} from '../db/repositories/audit.js';
import {ValidationError} from '../errors.js';
import {read, type ServiceContext} from './context.js';

/** Reading and verifying the tamper-evident audit log; writing happens only through `mutate`. */

export type {ChainResult, StoredAuditRow} from '../db/repositories/audit.js';

export const AUDIT_TAIL_MAX = 10_000;

/** The last `n` rows, oldest first. */
export async function tailAudit(ctx: ServiceContext, n: number): Promise<StoredAuditRow[]> {
	if (!Number.isSafeInteger(n) || n < 1 || n > AUDIT_TAIL_MAX) throw new ValidationError({n: `The row count must be a whole number from 1 to ${AUDIT_TAIL_MAX}`});
	return read(ctx, (sql) => auditTail(sql, n));
}

/** Walks the whole chain; names the first broken seq. */
export async function verifyAudit(ctx: ServiceContext): Promise<ChainResult> {
	return read(ctx, (sql) => verifyChain(sql));
}

export async function countAudit(ctx: ServiceContext): Promise<number> {
	return read(ctx, (sql) => auditCount(sql));
}

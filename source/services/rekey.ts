import {DecryptFailed, type KeyRing} from '../crypto/index.js';
import {secretCountsByKeyId} from '../db/repositories/canary.js';
import {secretRowsNotUnder} from '../db/repositories/key-secrets.js';
import {UserError} from '../errors.js';
import {log} from '../log.js';
import {mutate, read, requireRing, type ServiceContext} from './context.js';
import {DatabaseFault} from './faults.js';
import {reencryptRow} from './key-store.js';

/**
 * Master-key rotation: every secret not yet under the current ENCRYPTION_KEY is re-encrypted
 * under it, a batch at a time. Each batch is one transaction with one audit row, so a rekey
 * that dies (crash, Ctrl+C, lost connection) leaves every row under exactly one configured key
 * — the old one or the new one, never half of each — and a re-run simply carries on: rows
 * already under the current key are never selected again.
 */

export const DEFAULT_REKEY_BATCH = 100;

export interface KeyIdRows {
	readonly keyId: string;
	readonly rows: number;
}

export interface RekeyPlan {
	readonly currentKeyId: string;
	/** Rows that a rekey would rewrite, per key id (never the current one). */
	readonly toRewrite: readonly KeyIdRows[];
	readonly total: number;
	/** Rows already under the current key. */
	readonly current: number;
}

export interface RekeyProgress {
	readonly batch: number;
	/** Rows rewritten by this batch. */
	readonly rows: number;
	/** Rows rewritten so far by this run. */
	readonly done: number;
	/** Rows that needed rewriting when this run started. */
	readonly total: number;
}

export interface RekeyResult {
	readonly currentKeyId: string;
	readonly rewritten: number;
	readonly batches: number;
	/** Rows still not under the current key (only when another rekey holds them locked). */
	readonly remaining: number;
	/** ENCRYPTION_KEY_PREVIOUS key ids that no stored secret uses any more. */
	readonly unusedPreviousKeyIds: readonly string[];
}

export interface RekeyOptions {
	readonly batchSize?: number;
	/** Called after each batch has committed (progress output; tests use it to die mid-way). */
	readonly afterBatch?: (progress: RekeyProgress) => void | Promise<void>;
	/** Stops before the next batch; batches already committed stay committed. */
	readonly signal?: AbortSignal;
}

/** What `rekey --dry-run` reports: rows per key id that would change. Writes nothing. */
export async function planRekey(ctx: ServiceContext): Promise<RekeyPlan> {
	const ring = requireRing(ctx);
	return planWith(ctx, ring);
}

async function planWith(ctx: ServiceContext, ring: KeyRing): Promise<RekeyPlan> {
	const counts = await read(ctx, (sql) => secretCountsByKeyId(sql));
	const toRewrite = counts.filter((entry) => entry.keyId !== ring.currentId);
	return {
		currentKeyId: ring.currentId,
		toRewrite,
		total: toRewrite.reduce((sum, entry) => sum + entry.rows, 0),
		current: counts.find((entry) => entry.keyId === ring.currentId)?.rows ?? 0,
	};
}

/** Thrown inside a batch transaction that found nothing to do, so it rolls back instead of auditing an empty batch. */
class NothingLeft extends Error {}

export async function rekey(ctx: ServiceContext, options: RekeyOptions = {}): Promise<RekeyResult> {
	const ring = requireRing(ctx);
	const batchSize = options.batchSize ?? DEFAULT_REKEY_BATCH;
	if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new UserError('The rekey batch size must be a whole number of at least 1');
	const plan = await planWith(ctx, ring);
	// A key id nobody configured would be selected by every batch and fail every time: refuse up front.
	const unknown = plan.toRewrite.filter((entry) => !ring.has(entry.keyId));
	if (unknown.length > 0) {
		const first = unknown[0]!;
		throw new UserError(`${first.rows} stored secret${first.rows === 1 ? ' is' : 's are'} under key id ${first.keyId}, which is not configured; nothing was re-encrypted`, {
			hint: 'add that key to ENCRYPTION_KEY_PREVIOUS and run eval752 rekey again (eval752 doctor lists every key id)',
		});
	}

	let done = 0;
	let batches = 0;
	for (;;) {
		if (options.signal?.aborted) break;
		let rewritten: string[];
		try {
			rewritten = await mutate(ctx, async (tx) => {
				const rows = await secretRowsNotUnder(tx, ring.currentId, batchSize);
				if (rows.length === 0) throw new NothingLeft();
				const from: Record<string, number> = {};
				for (const row of rows) {
					if (!ring.has(row.keyId)) throw new UserError(`Key ${row.id} is under key id ${row.keyId}, which is not configured; this batch was rolled back`, {hint: 'add that key to ENCRYPTION_KEY_PREVIOUS and run eval752 rekey again'});
					await reencryptRow(tx, ring, row);
					from[row.keyId] = (from[row.keyId] ?? 0) + 1;
				}
				const ids = rows.map((row) => row.id);
				return {
					value: ids,
					audit: {action: 'key.rekey_batch', targetType: 'provider_keys', targetId: null, details: {rows: ids, from, to: ring.currentId}},
					changes: ids.map((id) => ({table: 'provider_keys', id})),
				};
			});
		} catch (error) {
			if (error instanceof NothingLeft) break;
			if (error instanceof DecryptFailed) {
				throw new UserError(`${error.message}; this batch was rolled back, ${done} secret${done === 1 ? '' : 's'} re-encrypted before it stay re-encrypted`, {
					hint: 'the stored secret is damaged: re-enter that provider key (eval752 keys rotate), then run eval752 rekey again',
				});
			}
			if (error instanceof DatabaseFault) {
				// One line that says what is safe: committed batches stay, this one is wholly undone (or, after a lost COMMIT, unknown).
				throw new DatabaseFault(error.kind, `${error.message}; ${done} secret${done === 1 ? '' : 's'} re-encrypted by earlier batches stay re-encrypted`, 'run eval752 rekey again: it carries on where this run stopped', error);
			}
			throw error;
		}
		batches++;
		done += rewritten.length;
		log.info('rekey batch committed', {batch: batches, rows: rewritten.length, to: ring.currentId});
		await options.afterBatch?.({batch: batches, rows: rewritten.length, done, total: plan.total});
	}

	const after = await read(ctx, (sql) => secretCountsByKeyId(sql));
	const used = new Set(after.map((entry) => entry.keyId));
	return {
		currentKeyId: ring.currentId,
		rewritten: done,
		batches,
		remaining: after.filter((entry) => entry.keyId !== ring.currentId).reduce((sum, entry) => sum + entry.rows, 0),
		unusedPreviousKeyIds: ring.ids.filter((id) => id !== ring.currentId && !used.has(id)),
	};
}

import {DecryptFailed, type KeyRing} from '../crypto/index.js';
import {KEY_ID_PATTERN} from '../crypto/envelope.js';
import {listCanaries, secretCountsByKeyId} from '../db/repositories/canary.js';
import {keyIdMismatches, secretRowsNotUnder} from '../db/repositories/key-secrets.js';
import {UserError} from '../errors.js';
import {log} from '../log.js';
import {auditBroken, checkpointAuditChain, sealAuditChain, verifyAudit, type CheckpointResult, type SealResult} from './audit.js';
import {assertWritable, mutate, read, requireRing, type ServiceContext} from './context.js';
import {DatabaseFault} from './faults.js';
import {reencryptRow} from './key-store.js';
import {retireCanaries} from './canary.js';

/**
 * Master-key rotation: every secret not yet under the current ENCRYPTION_KEY is re-encrypted
 * under it, a batch at a time. Each batch is one transaction with one audit row, so a rekey
 * that dies (crash, Ctrl+C, lost connection) leaves every row under exactly one configured key
 * — the old one or the new one, never half of each — and a re-run simply carries on: rows
 * already under the current key are never selected again.
 *
 * "Under a key" means what the envelope says (`v1:<key_id>:…`), never the `key_id` column: a
 * row whose column was relabelled to the current key id but whose envelope still names the old
 * one is rewritten (and would otherwise be lost with the old key); a row whose column disagrees
 * with its envelope has the column fixed as it is re-encrypted.
 *
 * The audit log is not re-encrypted (its rows are never rewritten) but checkpointed: after the
 * secrets, one `audit.checkpoint` row signed by the current key records the digest of every row
 * so far, verified first with every configured key — so once the old key is dropped, verify
 * still proves the rows it signed. Rows written before keyed hashing are sealed first.
 */

export const DEFAULT_REKEY_BATCH = 100;

export interface KeyIdRows {
	readonly keyId: string;
	readonly rows: number;
}

/** A row whose `key_id` column names another key than its envelope. */
export interface KeyIdMismatch {
	readonly id: string;
	/** What the column says. */
	readonly column: string;
	/** What the envelope says: the key that decrypts the row. */
	readonly envelope: string;
}

export interface RekeyPlan {
	readonly currentKeyId: string;
	/** Rows that a rekey would rewrite, per envelope key id (never the current one). */
	readonly toRewrite: readonly KeyIdRows[];
	/** Rows a rekey rewrites: those under other key ids plus those whose column disagrees with the envelope. */
	readonly total: number;
	/** Rows already under the current key. */
	readonly current: number;
	/** Rows whose key_id column disagrees with their envelope (rekey fixes the column). */
	readonly keyIdMismatches: readonly KeyIdMismatch[];
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
	/** Rows whose key_id column disagreed with their envelope and was fixed by this run. */
	readonly keyIdColumnsFixed: number;
	/** ENCRYPTION_KEY_PREVIOUS key ids that no stored secret uses any more. */
	readonly unusedPreviousKeyIds: readonly string[];
	readonly audit: {
		/** Rows written before keyed hashing, sealed by this run (null: nothing to seal). */
		readonly sealed: SealResult | null;
		/** The checkpoint this run wrote (null: every row was already under the current key or covered). */
		readonly checkpoint: CheckpointResult | null;
	};
	/** Canaries of other keys removed once every secret was under the current key (their keys no longer pass the start-up check). */
	readonly retiredCanaries: readonly string[];
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
	const mismatches = await read(ctx, (sql) => keyIdMismatches(sql));
	const toRewrite = counts.filter((entry) => entry.keyId !== ring.currentId);
	// Under the current key by their envelope, but labelled otherwise: rewritten to fix the column.
	const relabelledCurrent = mismatches.filter((row) => row.envelope === ring.currentId).length;
	return {
		currentKeyId: ring.currentId,
		toRewrite: toRewrite.map((entry) => ({...entry, keyId: shownKeyId(entry.keyId)})),
		total: toRewrite.reduce((sum, entry) => sum + entry.rows, 0) + relabelledCurrent,
		current: counts.find((entry) => entry.keyId === ring.currentId)?.rows ?? 0,
		keyIdMismatches: mismatches.map((row) => ({...row, envelope: shownKeyId(row.envelope)})),
	};
}

/** An envelope's key id as shown: '?' when the stored value is not an envelope at all. */
function shownKeyId(keyId: string): string {
	return KEY_ID_PATTERN.test(keyId) ? keyId : '?';
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
		if (first.keyId === '?') {
			throw new UserError(`${first.rows} stored secret${first.rows === 1 ? ' is' : 's are'} not in the envelope format (damaged); nothing was re-encrypted`, {
				hint: 'eval752 doctor names them: re-enter those API keys (eval752 keys rotate PROVIDER), then run eval752 rekey again',
			});
		}
		throw new UserError(`${first.rows} stored secret${first.rows === 1 ? ' is' : 's are'} under key id ${first.keyId}, which is not configured; nothing was re-encrypted`, {
			hint: 'add that key to ENCRYPTION_KEY_PREVIOUS and run eval752 rekey again (eval752 doctor lists every key id)',
		});
	}

	assertWritable(ctx);
	// Rows written before keyed hashing: rekey is the deliberate step that seals them.
	const sealed = (await sealAuditChain(ctx)) ?? null;
	// A rekey must not vouch for a log that no longer verifies: refuse before anything changes.
	const chain = await verifyAudit(ctx);
	if (!chain.ok) throw auditBroken(chain, 'nothing was re-encrypted');

	let done = 0;
	let fixed = 0;
	let batches = 0;
	for (;;) {
		if (options.signal?.aborted) break;
		let rewritten: {ids: string[]; columnFixed: number};
		try {
			rewritten = await mutate(ctx, async (tx) => {
				const rows = await secretRowsNotUnder(tx, ring.currentId, batchSize);
				if (rows.length === 0) throw new NothingLeft();
				const from: Record<string, number> = {};
				const columnFixed: string[] = [];
				for (const row of rows) {
					if (!ring.has(row.envelopeKeyId)) {
						throw new UserError(`Key ${row.id} is under key id ${shownKeyId(row.envelopeKeyId)}, which is not configured; this batch was rolled back`, {hint: 'add that key to ENCRYPTION_KEY_PREVIOUS and run eval752 rekey again'});
					}
					await reencryptRow(tx, ring, row);
					from[row.envelopeKeyId] = (from[row.envelopeKeyId] ?? 0) + 1;
					if (row.keyId !== row.envelopeKeyId) columnFixed.push(row.id);
				}
				const ids = rows.map((row) => row.id);
				return {
					value: {ids, columnFixed: columnFixed.length},
					audit: {
						action: 'key.rekey_batch',
						targetType: 'provider_keys',
						targetId: null,
						details: {rows: ids, from, to: ring.currentId, ...(columnFixed.length > 0 ? {keyIdColumnFixed: columnFixed} : {})},
					},
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
		done += rewritten.ids.length;
		fixed += rewritten.columnFixed;
		log.info('rekey batch committed', {batch: batches, rows: rewritten.ids.length, to: ring.currentId});
		await options.afterBatch?.({batch: batches, rows: rewritten.ids.length, done, total: plan.total});
	}

	const checkpoint = options.signal?.aborted ? null : ((await checkpointAuditChain(ctx, ring)) ?? null);
	if (checkpoint) log.info('audit log checkpointed', {seq: checkpoint.seq, through: checkpoint.through, to: ring.currentId});

	const after = await read(ctx, (sql) => secretCountsByKeyId(sql));
	const used = new Set(after.map((entry) => entry.keyId));
	const stillMislabelled = (await read(ctx, (sql) => keyIdMismatches(sql))).filter((row) => row.envelope === ring.currentId).length;
	const remaining = after.filter((entry) => entry.keyId !== ring.currentId).reduce((sum, entry) => sum + entry.rows, 0) + stillMislabelled;
	// Finished: no secret and (after the checkpoint) no unproven audit row needs another key, so
	// their canaries go — a retired key must not pass the start-up check on its old canary.
	const retiredCanaries = !options.signal?.aborted && remaining === 0 ? await retireOldCanaries(ctx, ring) : [];
	return {
		currentKeyId: ring.currentId,
		rewritten: done,
		batches,
		remaining,
		keyIdColumnsFixed: fixed,
		unusedPreviousKeyIds: ring.ids.filter((id) => id !== ring.currentId && !used.has(id)),
		audit: {sealed, checkpoint},
		retiredCanaries,
	};
}

/** The canaries of keys other than the current one, removed in one audited change (and the current key's written if missing). */
async function retireOldCanaries(ctx: ServiceContext, ring: KeyRing): Promise<string[]> {
	const canaries = await read(ctx, (sql) => listCanaries(sql));
	if (canaries.every((canary) => canary.keyId === ring.currentId)) return [];
	const removed = await mutate(ctx, async (tx) => {
		const keyIds = await retireCanaries(tx, ring);
		return {
			value: keyIds,
			audit: {action: 'key.canary_retire', targetType: 'encryption_canary', targetId: null, details: {retired: keyIds, current: ring.currentId}},
			changes: [{table: 'encryption_canary', id: ring.currentId}],
		};
	});
	log.info('retired key canaries removed', {keyIds: removed.join(','), current: ring.currentId});
	return removed;
}

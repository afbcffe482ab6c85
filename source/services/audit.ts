import {chainIdOf, formatAnchor, type AuditAnchor} from '../domain/audit-anchor.js';
import {AUDIT_CHECKPOINT_ACTION, AUDIT_SEAL_ACTION, headMessage, sameMac, type AuditKeys} from '../domain/audit-hash.js';
import type {AnchorReport, AuditSegment, AuditVerification} from '../domain/audit-verification.js';
import type {KeyRing} from '../crypto/index.js';
import {auditCount, auditFirstHash, auditTail, auditTailPosition, lockAuditChain, readHead, type StoredAuditRow} from '../db/repositories/audit.js';
import {inSnapshot} from '../db/repositories/backup.js';
import {UserError, ValidationError} from '../errors.js';
import {sanitizeText} from '../lib/sanitize.js';
import {walkAuditChain, type AnchorSource} from './audit-chain.js';
import {mutate, read, type ServiceContext} from './context.js';
import {plural} from '../lib/metrics.js';

export {AUDIT_ANCHOR_EVERY} from './context.js';

/**
 * Reading, verifying and anchoring the tamper-evident audit log; writing happens only through
 * `mutate`. Both front ends show a verification through `describeVerification`.
 */

export type {StoredAuditRow} from '../db/repositories/audit.js';
export type {AnchorReport, AuditHeadReport, AuditProblemKind, AuditSegment, AuditVerification} from '../domain/audit-verification.js';
export type {AnchorSource} from './audit-chain.js';
/** The result of `verifyAudit` (the name the dashboard has used for it). */
export type ChainResult = AuditVerification;

export const AUDIT_TAIL_MAX = 10_000;

/** The last `n` rows, oldest first. */
export async function tailAudit(ctx: ServiceContext, n: number): Promise<StoredAuditRow[]> {
	if (!Number.isSafeInteger(n) || n < 1 || n > AUDIT_TAIL_MAX) throw new ValidationError({n: `The row count must be a whole number from 1 to ${AUDIT_TAIL_MAX}`});
	return read(ctx, (sql) => auditTail(sql, n));
}

export async function countAudit(ctx: ServiceContext): Promise<number> {
	return read(ctx, (sql) => auditCount(sql));
}

/** The keys verify checks MACs with: any configured ring, even one the canary refused (it only reads). */
function auditKeysOf(ctx: ServiceContext): AuditKeys | undefined {
	return ctx.keys.status === 'missing' ? undefined : ctx.keys.ring;
}

export interface VerifyAuditOptions {
	/** Anchors to look up in the chain (from `--anchor`). */
	readonly anchors?: readonly AnchorSource[];
}

/**
 * Walks the whole chain in one read-only snapshot (a change committed meanwhile can't look like
 * a head out of step), checks the head and every anchor, and names the first broken seq.
 */
export async function verifyAudit(ctx: ServiceContext, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
	const keys = auditKeysOf(ctx);
	return inSnapshot(ctx.db.sql, async (tx) => (await walkAuditChain(tx, keys, {anchors: options.anchors})).result);
}

export interface AuditAnchorResult extends AuditAnchor {
	/** The anchor as one line, for an external log. */
	readonly line: string;
	/** False without ENCRYPTION_KEY: the head's position was checked, its MAC could not be. */
	readonly macChecked: boolean;
}

/**
 * The current head as an anchor. Refuses a head that is out of step with the rows or whose MAC
 * fails (anchoring it would vouch for a damaged log); without a key the MAC is left unchecked
 * and the result says so.
 */
export async function anchorAudit(ctx: ServiceContext): Promise<AuditAnchorResult> {
	const keys = auditKeysOf(ctx);
	return inSnapshot(ctx.db.sql, async (tx) => {
		const head = await readHead(tx);
		const investigate = 'run eval752 audit verify';
		if (!head) throw new UserError('The audit log has no head record; there is nothing to anchor', {hint: investigate});
		if (head.seq === 0) throw new UserError('The audit log is empty; there is nothing to anchor yet', {hint: 'anchor it after the first change'});
		const tail = await auditTailPosition(tx);
		if (tail.seq !== head.seq || !tail.rowHash.equals(head.rowHash)) {
			throw new UserError(`The audit head record (seq ${head.seq}) does not match the last row (seq ${tail.seq}); nothing was anchored`, {hint: investigate});
		}
		let macChecked = false;
		if (head.mac === null || head.keyId === null) {
			throw new UserError(`The ${head.seq} audit rows written before keyed hashing are not sealed yet; nothing was anchored`, {hint: 'run eval752 rekey with ENCRYPTION_KEY set to seal them'});
		}
		if (keys) {
			const expected = keys.auditMac(head.keyId, headMessage(head));
			if (!expected) throw new UserError(`The audit head record is signed with key id ${sanitizeText(head.keyId)}, which is not configured; nothing was anchored`, {hint: 'add that key to ENCRYPTION_KEY_PREVIOUS'});
			if (!sameMac(expected, head.mac)) throw new UserError('The audit head record does not match its MAC; nothing was anchored', {hint: investigate});
			macChecked = true;
		}
		const first = await auditFirstHash(tx);
		if (!first) throw new UserError('The audit log has no row 1; nothing was anchored', {hint: investigate});
		const anchor: AuditAnchor = {chain: chainIdOf(first), seq: head.seq, rows: head.rows, hash: head.rowHash.toString('hex'), at: head.at!.toISOString()};
		return {...anchor, line: formatAnchor(anchor), macChecked};
	});
}

/** Sentinel: a transaction that found nothing to do rolls back instead of auditing nothing. */
class NothingToDo extends Error {}

export interface SealResult {
	/** The seq of the audit.seal row: keyed hashing starts there. */
	readonly seq: number;
	/** Rows 1…unkeyedRows were written before keyed hashing. */
	readonly unkeyedRows: number;
}

/**
 * Starts keyed hashing after rows written without it: appends one signed `audit.seal` row whose
 * MAC covers the hash of the last unkeyed row (and so, through their SHA-256 links, all of them)
 * and signs the head. Refuses when those rows do not verify: sealing would vouch for a damaged
 * log. Called by the process that has just applied the keyed-chain migration, and by `rekey`;
 * never by an ordinary change (see AppendOptions.sealUnkeyed). Undefined when there is nothing to seal.
 */
export async function sealAuditChain(ctx: ServiceContext): Promise<SealResult | undefined> {
	const head = await readHead(ctx.db.sql);
	if (!head || head.mac !== null || head.seq === 0) return undefined;
	const check = await verifyAudit(ctx);
	if (check.kind !== 'unsealed') {
		throw new UserError(
			`The audit rows written before keyed hashing do not verify (seq ${check.brokenSeq ?? '?'}, ${check.kind ?? 'unknown'}): ${sanitizeText(check.reason ?? '')}; they were not sealed`,
			{hint: 'run eval752 audit verify, and see "The audit log" in the README'},
		);
	}
	try {
		return await mutate(
			ctx,
			async (tx) => {
				await lockAuditChain(tx);
				const now = await readHead(tx);
				if (!now || now.mac !== null) throw new NothingToDo();
				return {
					value: {seq: now.seq + 1, unkeyedRows: now.seq},
					audit: {action: AUDIT_SEAL_ACTION, targetType: 'audit_log', targetId: null, details: {unkeyedRows: now.seq, unkeyedHead: now.rowHash.toString('hex')}},
					changes: [{table: 'audit_log', id: String(now.seq + 1)}],
				};
			},
			{sealUnkeyed: true},
		);
	} catch (error) {
		if (error instanceof NothingToDo) return undefined;
		throw error;
	}
}

/** The migration that introduced keyed hashing (matched by name: a merge may renumber it). */
const KEYED_CHAIN_MIGRATION = /^\d{5}_audit_keyed_chain\.sql$/;

/**
 * Seals the rows written before keyed hashing, but only in the process that has just applied
 * the keyed-chain migration (and only with a key the canary accepted): that is the one moment
 * an unsigned head with rows behind it is known to be genuine. Later, only `rekey` seals.
 */
export async function sealAfterMigration(ctx: ServiceContext, applied: readonly string[]): Promise<SealResult | undefined> {
	if (!applied.some((name) => KEYED_CHAIN_MIGRATION.test(name))) return undefined;
	if (ctx.keys.status !== 'ok') return undefined;
	// Part of migrating: a read-only session that applied the migration seals too.
	return sealAuditChain({...ctx, readOnly: false});
}

/** Rows written before keyed hashing that nothing vouches for yet (0: none, or sealed). */
export async function unsealedRows(ctx: ServiceContext): Promise<number> {
	const head = await readHead(ctx.db.sql);
	return head && head.mac === null ? head.seq : 0;
}

export interface CheckpointResult {
	readonly seq: number;
	readonly through: number;
	/** Key ids of rows the checkpoint now vouches for (other than the current one). */
	readonly keyIds: readonly string[];
}

function lastForeignSeq(segments: readonly AuditSegment[], currentId: string): number {
	return segments.filter((segment) => segment.keyId !== null && segment.keyId !== currentId).reduce((last, segment) => Math.max(last, segment.to), 0);
}

/**
 * After a master-key rotation: verifies the whole chain with every configured key and, when
 * rows signed by another key id are not yet covered, appends an `audit.checkpoint` row signed
 * by the current key that records the digest of every row so far. With only the new key
 * configured later, verify recomputes that digest and still proves the old rows. Refuses (and
 * writes nothing) when the chain does not verify. Undefined when nothing needs covering.
 */
export async function checkpointAuditChain(ctx: ServiceContext, ring: KeyRing): Promise<CheckpointResult | undefined> {
	try {
		return await mutate(ctx, async (tx) => {
			await lockAuditChain(tx);
			const {result, digest} = await walkAuditChain(tx, ring);
			if (!result.ok) throw auditBroken(result, 'it was not checkpointed');
			const covered = result.checkpoints.filter((checkpoint) => checkpoint.keyId === ring.currentId).reduce((last, checkpoint) => Math.max(last, checkpoint.through), 0);
			if (lastForeignSeq(result.segments, ring.currentId) <= covered) throw new NothingToDo();
			const keyIds = [...new Set(result.segments.filter((segment) => segment.keyId !== null && segment.keyId !== ring.currentId).map((segment) => segment.keyId!))];
			const through = result.lastSeq;
			return {
				value: {seq: through + 1, through, keyIds},
				audit: {action: AUDIT_CHECKPOINT_ACTION, targetType: 'audit_log', targetId: null, details: {through, digest: digest.toString('hex'), keyIds, to: ring.currentId}},
				changes: [{table: 'audit_log', id: String(through + 1)}],
			};
		});
	} catch (error) {
		if (error instanceof NothingToDo) return undefined;
		throw error;
	}
}

/** A broken chain as the error an operation refuses with. */
export function auditBroken(result: AuditVerification, consequence: string): UserError {
	const where = result.brokenSeq === null ? '' : ` at seq ${result.brokenSeq}`;
	const needsKey = result.kind === 'unknown-key';
	return new UserError(`The audit log does not verify${where} (${result.kind ?? 'unknown'}: ${sanitizeText(result.reason ?? '')}); ${consequence}`, {
		hint: needsKey ? 'add the key id it names to ENCRYPTION_KEY_PREVIOUS and try again' : 'run eval752 audit verify, and see "The audit log" in the README',
	});
}

// ---- the human lines, for the CLI and the dashboard ----


function seqRange(from: number, to: number): string {
	return from === to ? `seq ${from}` : `seq ${from}–${to}`;
}

function shortTime(iso: string | null): string {
	return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : 'no time';
}

/** Stored fields (key ids) and argv (file names) are not ours: nothing of them reaches a terminal unsanitised. */
const safe = (text: string): string => sanitizeText(text);

const SEGMENT_LINES = 6;
const ANCHOR_FAILURE_LINES = 5;

function segmentLine(segment: AuditSegment, result: AuditVerification): string {
	const where = seqRange(segment.from, segment.to);
	if (segment.keyId === null) return `${where}: unkeyed (SHA-256 only), written before keyed hashing`;
	const key = `key id ${safe(segment.keyId)}`;
	switch (segment.status) {
		case 'verified':
			return `${where}: signed by ${key}, MACs verified`;
		case 'checkpointed': {
			const by = result.checkpoints.find((checkpoint) => checkpoint.through >= segment.to);
			return `${where}: ${key} is not configured; proven by the checkpoint at seq ${by?.seq ?? '?'}`;
		}
		case 'unchecked':
			return `${where}: signed by ${key}, MACs not checked`;
		case 'unknown-key':
			return `${where}: ${key} is not configured: add it to ENCRYPTION_KEY_PREVIOUS`;
	}
}

function headLine(result: AuditVerification): string {
	const head = result.head;
	if (!head) return 'head: missing';
	const status: Record<typeof head.status, string> = {
		ok: `signed by key id ${safe(head.keyId ?? '')}, in step with the rows`,
		missing: 'missing',
		unsealed: 'unsigned (no keyed row yet)',
		altered: 'its MAC does not match',
		'unknown-key': `signed by key id ${safe(head.keyId ?? '')}, which is not configured`,
		unchecked: 'its MAC not checked',
		behind: `behind the rows (they go on to seq ${result.lastSeq})`,
		ahead: `past the last row (seq ${result.lastSeq})`,
		mismatch: 'points at another row',
	};
	return `head: seq ${head.seq}, ${plural(head.rows, 'row')}, hash ${head.hash.slice(0, 16)}…, ${shortTime(head.at)}; ${status[head.status]}`;
}

function anchorFailure(anchor: AnchorReport, lastSeq: number): string {
	const what =
		anchor.status === 'missing'
			? anchor.seq > lastSeq
				? `beyond the end (the log ends at seq ${lastSeq})`
				: 'its row is missing'
			: anchor.status === 'different'
				? 'another row is there now'
				: `from another chain (${anchor.chain})`;
	return `anchor seq ${anchor.seq} (${shortTime(anchor.at)}, ${safe(anchor.source)}): ${what}`;
}

/**
 * The verification as lines for a terminal: the verdict first, then — indented — how far the
 * walk got, where keyed hashing starts and under which key ids, the head, and the anchors.
 * Every line fits 80 columns except for long file names.
 */
export function describeVerification(result: AuditVerification): string[] {
	const lines: string[] = [];
	if (result.ok) lines.push(`Audit chain intact: ${plural(result.rows, 'row')} verified`);
	else if (result.kind === 'no-key') lines.push('Audit chain not verified: ENCRYPTION_KEY is not set, so no MAC could be checked');
	else lines.push(`Audit chain broken at seq ${result.brokenSeq} (${result.kind}): ${safe(result.reason ?? '')}`);
	const detail = (text: string): void => void lines.push(`  ${text}`);
	if (!result.ok) detail(`${plural(result.rows, 'row')} checked; the last seq is ${result.lastSeq}`);
	if (result.kind === 'no-key') detail('sequence and links checked: set ENCRYPTION_KEY to check the MACs');
	const segments = result.segments;
	for (const segment of segments.length > SEGMENT_LINES ? [...segments.slice(0, SEGMENT_LINES - 1)] : segments) detail(segmentLine(segment, result));
	if (segments.length > SEGMENT_LINES) {
		const rest = segments.slice(SEGMENT_LINES - 1);
		detail(`${seqRange(rest[0]!.from, rest.at(-1)!.to)}: ${rest.length} more runs of key ids (--json lists them)`);
	}
	if (result.keyedFrom !== null && result.unkeyedRows > 0) detail(`keyed hashing starts at seq ${result.keyedFrom}`);
	detail(headLine(result));
	if (result.anchors.length > 0) {
		const matched = result.anchors.filter((anchor) => anchor.status === 'matched');
		const skipped = result.anchors.filter((anchor) => anchor.status === 'other-chain').length;
		const newest = matched.reduce<AnchorReport | undefined>((best, anchor) => (!best || anchor.seq > best.seq ? anchor : best), undefined);
		detail(
			`anchors: ${matched.length} matched${newest ? ` (newest seq ${newest.seq}, ${shortTime(newest.at)})` : ''}${skipped > 0 ? `, ${skipped} of other chains skipped` : ''}`,
		);
		const failed = result.anchors.filter((anchor) => anchor.status === 'missing' || anchor.status === 'different');
		for (const anchor of failed.slice(0, ANCHOR_FAILURE_LINES)) detail(anchorFailure(anchor, result.lastSeq));
		if (failed.length > ANCHOR_FAILURE_LINES) detail(`and ${failed.length - ANCHOR_FAILURE_LINES} more anchors that do not match`);
	}
	return lines;
}

import {chainIdOf, type AuditAnchor} from '../domain/audit-anchor.js';
import {
	AUDIT_CHECKPOINT_ACTION,
	checkpointStep,
	GENESIS_HASH,
	headMessage,
	keyedRowMessage,
	sameMac,
	unkeyedRowHash,
	type AuditHead,
	type AuditKeys,
} from '../domain/audit-hash.js';
import type {
	AnchorReport,
	AuditCheckpoint,
	AuditHeadReport,
	AuditHeadStatus,
	AuditProblemKind,
	AuditSegment,
	AuditVerification,
} from '../domain/audit-verification.js';
import {auditHashesAt, auditPage, auditSeqByHash, auditTailPosition, readHead} from '../db/repositories/audit.js';
import type {Queryable} from '../db/types.js';
import {sanitizeText} from '../lib/sanitize.js';
import {plural} from '../lib/metrics.js';

/**
 * The walk behind `audit verify`, restore's check of a backup and rekey's checkpoint. It reads
 * the chain in seq order and stops at the first row it can prove wrong; then it compares the
 * head record with the tail and looks each given anchor up. It works on the pool or inside a
 * transaction (restore and rekey run it under the append lock).
 */

/** Anchors from one `--anchor` argument: a line given as it is (explicit), or every anchor in a file. */
export interface AnchorSource {
	readonly source: string;
	readonly explicit: boolean;
	readonly anchors: readonly AuditAnchor[];
}

export interface ChainWalkOptions {
	readonly anchors?: readonly AnchorSource[];
	readonly pageSize?: number;
}

interface Problem {
	readonly seq: number;
	readonly kind: AuditProblemKind;
	readonly reason: string;
}

type MutableSegment = {from: number; to: number; keyId: string | null; status: AuditSegment['status']};


function range(from: number, to: number): string {
	return from === to ? `row ${from}` : `rows ${from}–${to}`;
}

function headMacStatus(head: AuditHead | undefined, keys: AuditKeys | undefined): AuditHeadStatus {
	if (!head) return 'missing';
	if (head.mac === null || head.keyId === null) return 'unsealed';
	if (!keys) return 'unchecked';
	const expected = keys.auditMac(head.keyId, headMessage(head));
	if (!expected) return 'unknown-key';
	return sameMac(expected, head.mac) ? 'ok' : 'altered';
}

/** Checkpoint details as written by rekey; anything else is not a checkpoint. */
function checkpointOf(details: unknown): {through: number; digest: string} | undefined {
	if (typeof details !== 'object' || details === null) return undefined;
	const {through, digest} = details as Record<string, unknown>;
	if (typeof through !== 'number' || !Number.isSafeInteger(through) || typeof digest !== 'string') return undefined;
	return {through, digest};
}

export async function verifyAuditChain(sql: Queryable, keys: AuditKeys | undefined, options: ChainWalkOptions = {}): Promise<AuditVerification> {
	return (await walkAuditChain(sql, keys, options)).result;
}

/** The verification, and the checkpoint digest of every row walked (what rekey signs). */
export async function walkAuditChain(sql: Queryable, keys: AuditKeys | undefined, options: ChainWalkOptions = {}): Promise<{result: AuditVerification; digest: Buffer}> {
	const pageSize = options.pageSize ?? 1000;
	const head = await readHead(sql);
	const macStatus = headMacStatus(head, keys);
	// Only a head whose MAC verified may say where keyed hashing starts.
	const keyedFromByHead = macStatus === 'ok' ? (head?.keyedFrom ?? null) : null;

	let prev: Buffer = GENESIS_HASH;
	let digest: Buffer = GENESIS_HASH;
	let expected = 1;
	let rows = 0;
	let unkeyedRows = 0;
	let firstKeyed: number | null = null;
	let chain: string | null = null;
	let rowProblem: Problem | undefined;
	/** The first row whose key is not configured since the last checkpoint that covered such rows. */
	let pending: {seq: number; keyId: string} | undefined;
	const segments: MutableSegment[] = [];
	const checkpoints: AuditCheckpoint[] = [];

	const addToSegment = (seq: number, keyId: string | null, status: AuditSegment['status']): void => {
		const last = segments.at(-1);
		if (last && last.keyId === keyId && last.status === status && last.to === seq - 1) last.to = seq;
		else segments.push({from: seq, to: seq, keyId, status});
	};

	walk: for (;;) {
		const page = await auditPage(sql, expected - 1, pageSize);
		if (page.length === 0) break;
		for (const row of page) {
			rows++;
			if (row.seq === 1) chain = chainIdOf(row.rowHash);
			if (row.seq !== expected) {
				rowProblem = {seq: expected, kind: 'missing', reason: `${range(expected, row.seq - 1)} ${expected === row.seq - 1 ? 'is' : 'are'} missing (the next row is seq ${row.seq})`};
				break walk;
			}
			if (!row.prevHash.equals(prev)) {
				const follows = await auditSeqByHash(sql, row.prevHash);
				rowProblem =
					follows !== undefined && follows !== row.seq - 1
						? {seq: row.seq, kind: 'reordered', reason: `row ${row.seq} follows row ${follows}, not row ${row.seq - 1}: rows were moved`}
						: {seq: row.seq, kind: 'edited', reason: `row ${row.seq} does not follow row ${row.seq - 1}: its link was changed, or the row before it was replaced`};
				break walk;
			}
			if (row.keyId === null) {
				const keyedFrom = firstKeyed ?? (keyedFromByHead !== null && row.seq >= keyedFromByHead ? keyedFromByHead : null);
				if (keyedFrom !== null) {
					rowProblem = {seq: row.seq, kind: 'unkeyed', reason: `row ${row.seq} has no MAC although keyed hashing started at seq ${keyedFrom}: it was rewritten without ENCRYPTION_KEY`};
					break walk;
				}
				if (!unkeyedRowHash(prev, row).equals(row.rowHash)) {
					rowProblem = {seq: row.seq, kind: 'edited', reason: `row ${row.seq} does not match its hash: it was altered after it was written`};
					break walk;
				}
				unkeyedRows++;
				addToSegment(row.seq, null, 'verified');
			} else {
				if (firstKeyed === null) {
					firstKeyed = row.seq;
					if (keyedFromByHead !== null && row.seq < keyedFromByHead) {
						rowProblem = {seq: row.seq, kind: 'edited', reason: `row ${row.seq} carries a key id although keyed hashing started at seq ${keyedFromByHead}`};
						break walk;
					}
				}
				const keyed = {...row, keyId: row.keyId};
				const mac = keys?.auditMac(row.keyId, keyedRowMessage(prev, keyed));
				if (!keys) addToSegment(row.seq, row.keyId, 'unchecked');
				else if (!mac) {
					pending ??= {seq: row.seq, keyId: row.keyId};
					addToSegment(row.seq, row.keyId, 'unknown-key');
				} else if (!sameMac(mac, row.rowHash)) {
					rowProblem = {seq: row.seq, kind: 'edited', reason: `row ${row.seq} does not match its MAC: it was altered after it was written`};
					break walk;
				} else {
					addToSegment(row.seq, row.keyId, 'verified');
					const checkpoint = row.action === AUDIT_CHECKPOINT_ACTION ? checkpointOf(row.details) : undefined;
					if (checkpoint) {
						// Signed by a configured key, so its digest was right when it was written.
						if (checkpoint.through !== row.seq - 1 || checkpoint.digest !== digest.toString('hex')) {
							rowProblem = pending
								? {seq: pending.seq, kind: 'edited', reason: `${range(pending.seq, row.seq - 1)} differ from what checkpoint seq ${row.seq} recorded: they were altered`}
								: {seq: row.seq, kind: 'edited', reason: `checkpoint row ${row.seq} does not match the rows before it`};
							break walk;
						}
						checkpoints.push({seq: row.seq, through: checkpoint.through, keyId: row.keyId});
						pending = undefined;
						for (const segment of segments) if (segment.status === 'unknown-key' && segment.to <= checkpoint.through) segment.status = 'checkpointed';
					}
				}
			}
			digest = checkpointStep(digest, row);
			prev = row.rowHash;
			expected++;
		}
	}

	const lastSeq = rowProblem ? (await auditTailPosition(sql)).seq : expected - 1;
	const problems: Problem[] = [];
	if (rowProblem) problems.push(rowProblem);

	// The head against the tail. After a broken row the walk did not reach the end: compare with the real last row.
	let headStatus: AuditHeadStatus = macStatus;
	if (head) {
		const tail = rowProblem ? await auditTailPosition(sql) : {seq: lastSeq, rowHash: prev};
		const structural: AuditHeadStatus | undefined =
			head.seq > tail.seq ? 'ahead' : head.seq < tail.seq ? 'behind' : !head.rowHash.equals(tail.rowHash) ? 'mismatch' : undefined;
		const vouched = Math.min(head.seq, tail.seq);
		if (macStatus === 'altered') {
			problems.push({seq: vouched + 1, kind: 'head', reason: `the head record does not match its MAC: it was altered, so nothing shows whether rows after seq ${vouched} were cut`});
		} else if (structural === 'ahead') {
			headStatus = 'ahead';
			problems.push({seq: tail.seq + 1, kind: 'truncated', reason: `${range(tail.seq + 1, head.seq)} ${tail.seq + 1 === head.seq ? 'is' : 'are'} missing: the head record says the log ends at seq ${head.seq}, so its tail was cut`});
		} else if (structural === 'behind') {
			headStatus = 'behind';
			problems.push({seq: head.seq + 1, kind: 'head', reason: `the head record is at seq ${head.seq} but rows go on to seq ${tail.seq}: the head was rolled back, or rows were added behind eval752's back`});
		} else if (structural === 'mismatch') {
			headStatus = 'mismatch';
			problems.push({seq: tail.seq, kind: 'edited', reason: `row ${tail.seq} is not the row the head record points at`});
		} else if (macStatus === 'unknown-key') {
			problems.push({seq: vouched + 1, kind: 'unknown-key', reason: `the head record is signed with key id ${sanitizeText(head.keyId ?? '')}, which is not configured: add that key to ENCRYPTION_KEY_PREVIOUS to check it`});
		} else if (macStatus === 'unsealed') {
			if (firstKeyed !== null) {
				problems.push({seq: vouched + 1, kind: 'head', reason: `the head record is unsigned although rows from seq ${firstKeyed} are signed: it was replaced`});
			} else if (tail.seq > 0 && !rowProblem) {
				problems.push({
					seq: 1,
					kind: 'unsealed',
					reason: `${range(1, tail.seq)} ${tail.seq === 1 ? 'was' : 'were'} written without a key and no signed row vouches for them yet: run eval752 rekey with ENCRYPTION_KEY set to seal them (if they were sealed before, the log was rewritten)`,
				});
			}
		} else if (!rowProblem && head.rows !== rows) {
			problems.push({seq: vouched + 1, kind: 'head', reason: `the head record counts ${plural(head.rows, 'row')} but the log holds ${rows}`});
		}
	} else {
		problems.push({seq: lastSeq + 1, kind: 'head', reason: `the head record is missing: nothing shows whether rows after seq ${lastSeq} were cut`});
	}

	if (pending && !rowProblem) {
		problems.push({
			seq: pending.seq,
			kind: 'unknown-key',
			reason: `row ${pending.seq} is signed with key id ${sanitizeText(pending.keyId)}, which is not configured, and no checkpoint covers it: add that key to ENCRYPTION_KEY_PREVIOUS (eval752 rekey then checkpoints it)`,
		});
	}

	const anchors: AnchorReport[] = [];
	for (const source of options.anchors ?? []) {
		const applicable = source.anchors.filter((anchor) => chain === null || anchor.chain === chain);
		if (!source.explicit && source.anchors.length > 0 && applicable.length === 0) {
			problems.push({seq: 1, kind: 'anchor', reason: `none of the ${plural(source.anchors.length, 'anchor')} in ${sanitizeText(source.source)} belongs to this chain (${chain}): the log was replaced, or the file is from another database`});
		}
		const hashes = await auditHashesAt(sql, [...new Set(applicable.map((anchor) => anchor.seq))]);
		// In the order given: an operator reads the report against the file.
		for (const anchor of source.anchors) {
			if (!applicable.includes(anchor)) {
				anchors.push({source: source.source, ...anchor, status: 'other-chain'});
				if (source.explicit) problems.push({seq: 1, kind: 'anchor', reason: `the anchor of seq ${anchor.seq} belongs to chain ${anchor.chain}, not to this one (${chain}): the log was replaced, or the anchor is from another database`});
				continue;
			}
			const stored = hashes.get(anchor.seq);
			const status = stored === undefined ? 'missing' : stored.toString('hex') === anchor.hash ? 'matched' : 'different';
			anchors.push({source: source.source, ...anchor, status});
			if (status === 'missing' && anchor.seq > lastSeq) {
				problems.push({seq: lastSeq + 1, kind: 'truncated', reason: `the log ends at seq ${lastSeq} but an anchor from ${anchor.at} holds seq ${anchor.seq}: its tail was cut`});
			} else if (status === 'missing') {
				problems.push({seq: anchor.seq, kind: 'missing', reason: `row ${anchor.seq}, anchored at ${anchor.at}, is missing`});
			} else if (status === 'different') {
				problems.push({seq: anchor.seq, kind: 'anchor', reason: `row ${anchor.seq} is not the row anchored at ${anchor.at}: the log was rewritten at or before seq ${anchor.seq}`});
			}
		}
	}

	// The first broken seq wins; at one seq, the order above (rows, head, keys, anchors) decides.
	const problem = problems.reduce<Problem | undefined>((first, next) => (first === undefined || next.seq < first.seq ? next : first), undefined);
	const headReport: AuditHeadReport | null = head
		? {seq: head.seq, rows: head.rows, hash: head.rowHash.toString('hex'), at: head.at?.toISOString() ?? null, keyedFrom: head.keyedFrom, keyId: head.keyId, status: headStatus}
		: null;
	const noKey = !keys && !problem;
	const result: AuditVerification = {
		ok: !problem && !noKey,
		rows,
		lastSeq,
		chain,
		macs: keys ? 'checked' : 'unchecked',
		unkeyedRows,
		keyedFrom: firstKeyed,
		segments: segments.map((segment) => ({...segment})),
		checkpoints,
		head: headReport,
		anchors,
		brokenSeq: problem?.seq ?? null,
		kind: problem?.kind ?? (noKey ? 'no-key' : null),
		reason: problem?.reason ?? (noKey ? 'ENCRYPTION_KEY is not set: the rows are in sequence and linked and the head is in step with them, but no MAC could be checked' : null),
	};
	return {result, digest};
}

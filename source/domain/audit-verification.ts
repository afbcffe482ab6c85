/**
 * What `audit verify` found: the shape both front ends show (the CLI prints it, `--json` emits
 * it as it is, the dashboard's audit view shows the same lines).
 */

/**
 * What is wrong at the first broken seq:
 * - edited: the row's content, key id or hash no longer matches its MAC (or its SHA-256, for an
 *   unkeyed row); also a row that no longer follows its predecessor for no other visible reason
 * - missing: a seq is absent (a row was deleted)
 * - reordered: the row follows another row than its predecessor (rows were moved)
 * - truncated: rows the head record (or an anchor) says exist are gone from the end
 * - unkeyed: a row without a MAC where keyed hashing had already started (rewritten without the key)
 * - unknown-key: a row (or the head) signed by a key id that is not configured and that no
 *   checkpoint covers — the reason names the key id that is needed
 * - head: the head record is missing, altered, rolled back, or disagrees with the rows
 * - unsealed: rows written before keyed hashing that no keyed row vouches for yet
 * - anchor: a given anchor is not in this chain (its row differs, or it belongs to another chain)
 * - no-key: ENCRYPTION_KEY is not set: sequence, links and the head's position were checked, the MACs could not be
 */
export type AuditProblemKind = 'edited' | 'missing' | 'reordered' | 'truncated' | 'unkeyed' | 'unknown-key' | 'head' | 'unsealed' | 'anchor' | 'no-key';

/** A run of consecutive rows signed by one key id (null: written before keyed hashing). */
export interface AuditSegment {
	readonly from: number;
	readonly to: number;
	readonly keyId: string | null;
	/**
	 * verified: every MAC (or unkeyed SHA-256) checked; checkpointed: the key is not configured
	 * but a checkpoint signed by a configured key proves the rows unchanged; unchecked: no
	 * ENCRYPTION_KEY at all; unknown-key: not configured and not covered by any checkpoint.
	 */
	readonly status: 'verified' | 'checkpointed' | 'unchecked' | 'unknown-key';
}

/** A checkpoint row (written by `rekey`): its seq, the last seq it covers, the key id that signed it. */
export interface AuditCheckpoint {
	readonly seq: number;
	readonly through: number;
	readonly keyId: string;
}

/**
 * ok: signed and in step with the rows; missing: no head record; unsealed: no MAC yet (before
 * the first keyed row); altered: its MAC does not match; unknown-key: signed by a key id that
 * is not configured; unchecked: no ENCRYPTION_KEY to check its MAC; behind: rows go on past
 * it; ahead: it points past the last row (the tail was cut); mismatch: same seq, other hash.
 */
export type AuditHeadStatus = 'ok' | 'missing' | 'unsealed' | 'altered' | 'unknown-key' | 'unchecked' | 'behind' | 'ahead' | 'mismatch';

export interface AuditHeadReport {
	readonly seq: number;
	readonly rows: number;
	readonly hash: string;
	readonly at: string | null;
	readonly keyedFrom: number | null;
	readonly keyId: string | null;
	readonly status: AuditHeadStatus;
}

/** matched: the row at seq has that hash; missing: the chain ends before seq; different: another row is there; other-chain: from another database (skipped). */
export type AnchorStatus = 'matched' | 'missing' | 'different' | 'other-chain';

export interface AnchorReport {
	/** Where the anchor came from: "argument" or the file name. */
	readonly source: string;
	readonly chain: string;
	readonly seq: number;
	readonly rows: number;
	readonly hash: string;
	readonly at: string;
	readonly status: AnchorStatus;
}

export interface AuditVerification {
	/** True only when every row, the head and every given anchor were proven. */
	readonly ok: boolean;
	/** Rows checked (up to and including the first broken one). */
	readonly rows: number;
	/** The last seq in the table. */
	readonly lastSeq: number;
	/** This chain's id (see anchors); null while the log is empty. */
	readonly chain: string | null;
	/** unchecked: no ENCRYPTION_KEY, so no MAC could be checked. */
	readonly macs: 'checked' | 'unchecked';
	/** Rows 1…n written before keyed hashing (SHA-256 only). */
	readonly unkeyedRows: number;
	/** First keyed seq (null: none yet). */
	readonly keyedFrom: number | null;
	readonly segments: readonly AuditSegment[];
	readonly checkpoints: readonly AuditCheckpoint[];
	readonly head: AuditHeadReport | null;
	readonly anchors: readonly AnchorReport[];
	/** The first broken seq (null when ok, or when only the key was missing). */
	readonly brokenSeq: number | null;
	readonly kind: AuditProblemKind | null;
	/** One sentence: what is wrong with brokenSeq. */
	readonly reason: string | null;
}

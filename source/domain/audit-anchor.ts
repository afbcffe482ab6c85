/**
 * Anchors: the head of the audit chain as one line an operator ships to a log the database's
 * owner can't reach (syslog, a ticket, a chat channel). `audit verify --anchor` later proves the
 * chain still holds that row with that hash — the one thing a copy of an older head, put back
 * together with a shortened tail, can't fake.
 *
 *   eval752-audit-anchor v1 chain=<16 hex> seq=<n> rows=<n> hash=<64 hex> at=<ISO time>
 *
 * `chain` is the start of row 1's hash: it tells anchors of different databases apart when one
 * log file collects them all.
 */

export interface AuditAnchor {
	readonly chain: string;
	readonly seq: number;
	readonly rows: number;
	/** row_hash of row `seq`, lowercase hex. */
	readonly hash: string;
	/** When row `seq` was written (ISO 8601, UTC). */
	readonly at: string;
}

const ANCHOR_PATTERN = /eval752-audit-anchor v1 chain=([0-9a-f]{16}) seq=([1-9]\d{0,14}) rows=(\d{1,15}) hash=([0-9a-f]{64}) at=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z)/g;

/** The marker every anchor line starts with (how `--anchor` tells a line from a file name). */
export const ANCHOR_MARKER = 'eval752-audit-anchor';

/** The chain id: the first 8 bytes of row 1's hash, in hex. */
export function chainIdOf(firstRowHash: Buffer): string {
	return firstRowHash.subarray(0, 8).toString('hex');
}

export function formatAnchor(anchor: AuditAnchor): string {
	return `${ANCHOR_MARKER} v1 chain=${anchor.chain} seq=${anchor.seq} rows=${anchor.rows} hash=${anchor.hash} at=${anchor.at}`;
}

/**
 * Every anchor in `text`, in order, each once. Anchors are found anywhere in a line, so the
 * eval752 log file (JSON lines with an `anchor` field) can be given as it is.
 */
export function parseAnchors(text: string): AuditAnchor[] {
	const found = new Map<string, AuditAnchor>();
	for (const match of text.matchAll(ANCHOR_PATTERN)) {
		const anchor: AuditAnchor = {chain: match[1]!, seq: Number(match[2]), rows: Number(match[3]), hash: match[4]!, at: match[5]!};
		found.set(formatAnchor(anchor), anchor);
	}
	return [...found.values()];
}

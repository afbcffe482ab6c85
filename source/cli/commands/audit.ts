import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import {ANCHOR_MARKER, parseAnchors, type AuditAnchor} from '../../domain/audit-anchor.js';
import {UsageError} from '../../errors.js';
import {sanitizeLine, sanitizeText} from '../../lib/sanitize.js';
import {AUDIT_ANCHOR_EVERY, anchorAudit, describeVerification, tailAudit, verifyAudit, type AnchorSource, type StoredAuditRow} from '../../services/audit.js';
import {intFlag, parse} from '../args.js';
import {columns, pad, printJson, truncate, width} from '../format.js';
import type {Io} from '../io.js';
import {dispatch, withContext, type Subcommand, type Command} from '../command.js';

function jsonRow(row: StoredAuditRow) {
	return {
		seq: row.seq,
		at: row.at.toISOString(),
		actor: row.actor,
		action: row.action,
		targetType: row.targetType,
		targetId: row.targetId,
		details: row.details,
		keyId: row.keyId,
		prevHash: row.prevHash.toString('hex'),
		rowHash: row.rowHash.toString('hex'),
	};
}

/** One line of details for the table: compact JSON, cut to what fits. */
function detailText(details: unknown): string {
	const text = JSON.stringify(details ?? {});
	return text === '{}' ? '' : text;
}

/**
 * The tail as a table that fits the terminal without cutting what on-call reads first: the seq,
 * the time, the action and the target are always whole; the time loses its year (then shows
 * month-day, UTC) below 100 columns; the actor is cut (with "…") only down to 12 columns; the
 * details take what is left, and are left out when fewer than 12 columns remain (--json has them).
 */
export function tailTable(rows: readonly StoredAuditRow[], max: number): string {
	const wide = max >= 100;
	const at = (row: StoredAuditRow) => {
		const iso = row.at.toISOString();
		return wide ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : `${iso.slice(5, 10)} ${iso.slice(11, 19)}`;
	};
	const target = (row: StoredAuditRow) => `${row.targetType}${row.targetId ? ` ${row.targetId.slice(0, 8)}` : ''}`;
	const cells = rows.map((row) => ({seq: String(row.seq), at: at(row), actor: sanitizeLine(row.actor), action: sanitizeLine(row.action), target: sanitizeLine(target(row)), details: sanitizeLine(detailText(row.details))}));
	const headers = {seq: 'SEQ', at: wide ? 'AT' : 'AT (UTC)', actor: 'ACTOR', action: 'ACTION', target: 'TARGET', details: 'DETAILS'};
	const widest = (key: keyof typeof headers) => Math.max(width(headers[key]), ...cells.map((cell) => width(cell[key])));
	const fixed = {seq: widest('seq'), at: widest('at'), action: widest('action'), target: widest('target')};
	const gap = 2;
	const used = fixed.seq + fixed.at + fixed.action + fixed.target + 4 * gap;
	const actor = Math.max(Math.min(widest('actor'), 12), Math.min(widest('actor'), max - used - gap - 12));
	const left = max - used - actor - gap;
	const details = cells.some((cell) => cell.details !== '') && left >= 12 ? left : 0;
	const line = (cell: typeof headers) =>
		[pad(cell.seq, fixed.seq), pad(cell.at, fixed.at), pad(truncate(cell.actor, actor), actor), pad(cell.action, fixed.action), details > 0 ? pad(cell.target, fixed.target) : cell.target, ...(details > 0 ? [truncate(cell.details, details)] : [])]
			.join(' '.repeat(gap))
			.trimEnd();
	return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

const tail: Subcommand = async (args, io) => {
	const {values} = parse('audit tail', args, {lines: {type: 'string', short: 'n'}, json: {type: 'boolean'}}, {max: 0});
	const n = intFlag('audit tail', 'lines (-n)', values.lines, {min: 1, max: 10_000}) ?? 20;
	return withContext(io, async (ctx) => {
		const rows = await tailAudit(ctx, n);
		if (values.json) printJson(io.stdout, rows.map(jsonRow));
		else if (rows.length === 0) io.stdout.write('The audit log is empty\n');
		else {
			io.stdout.write(tailTable(rows, columns(io.stdout)));
		}
		return 0;
	});
};

/** Every anchor in a file, read line by line (an eval752 log file can be large). */
async function anchorsInFile(file: string): Promise<AuditAnchor[]> {
	const shown = sanitizeText(file);
	let stream: fs.ReadStream;
	try {
		await fs.promises.access(file, fs.constants.R_OK);
		if (!(await fs.promises.stat(file)).isFile()) throw Object.assign(new Error('not a file'), {code: 'EISDIR'});
		stream = fs.createReadStream(file, {encoding: 'utf8'});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
		throw new UsageError(`audit verify: --anchor ${shown} is neither an anchor line nor a readable file (${code})`, 'give the line printed by eval752 audit anchor, or a file holding such lines');
	}
	const found = new Map<string, AuditAnchor>();
	const lines = readline.createInterface({input: stream, crlfDelay: Infinity});
	try {
		for await (const line of lines) {
			if (!line.includes(ANCHOR_MARKER)) continue;
			for (const anchor of parseAnchors(line)) found.set(`${anchor.chain}:${anchor.seq}:${anchor.hash}`, anchor);
		}
	} finally {
		lines.close();
		stream.destroy();
	}
	if (found.size === 0) throw new UsageError(`audit verify: ${shown} holds no eval752 audit anchors`, 'give a file with lines printed by eval752 audit anchor (the eval752 log file has one every 100 changes)');
	return [...found.values()];
}

/** `--anchor LINE|FILE`, each: a value holding the anchor marker is a line, anything else a file. */
async function anchorSources(values: readonly string[], io: Io): Promise<AnchorSource[]> {
	const sources: AnchorSource[] = [];
	for (const value of values) {
		if (value.includes(ANCHOR_MARKER)) {
			const anchors = parseAnchors(value);
			if (anchors.length !== 1) throw new UsageError('audit verify: --anchor holds something that is not exactly one anchor line', 'give the line printed by eval752 audit anchor, whole');
			sources.push({source: 'argument', explicit: true, anchors});
		} else {
			const file = path.resolve(io.cwd, value);
			sources.push({source: value, explicit: false, anchors: await anchorsInFile(file)});
		}
	}
	return sources;
}

const verify: Subcommand = async (args, io) => {
	const {values} = parse('audit verify', args, {json: {type: 'boolean'}, anchor: {type: 'string', multiple: true}}, {max: 0});
	const anchors = await anchorSources(values.anchor ?? [], io);
	return withContext(io, async (ctx) => {
		const result = await verifyAudit(ctx, {anchors});
		if (values.json) printJson(io.stdout, result);
		else io.stdout.write(describeVerification(result).join('\n') + '\n');
		return result.ok ? 0 : result.kind === 'no-key' ? 2 : 1;
	});
};

const anchor: Subcommand = async (args, io) => {
	const {values} = parse('audit anchor', args, {json: {type: 'boolean'}}, {max: 0});
	return withContext(io, async (ctx) => {
		const result = await anchorAudit(ctx);
		if (values.json) printJson(io.stdout, result);
		else io.stdout.write(`${result.line}\n`);
		if (!result.macChecked) io.stderr.write('eval752: the head record is in step with the rows, but its MAC was not checked (ENCRYPTION_KEY is not set)\n');
		return 0;
	});
};

export const command: Command = {
	name: 'audit',
	summary: 'show, verify and anchor the tamper-evident audit log',
	help: `Usage: eval752 audit tail [-n N] [--json]
       eval752 audit verify [--anchor LINE|FILE]... [--json]
       eval752 audit anchor [--json]

Every change (providers, keys, models, settings…) writes one audit row in the same transaction:
who (actor), what (action, target) and a safe before/after — never a key, only its hint. Rows are
chained and signed: each row's hash is an HMAC, with a key derived from ENCRYPTION_KEY, over the
previous row's hash and the row, so rewriting the log takes the key, not just the database. A
signed head record (last seq, hash, row count) moves with every append, so a cut tail shows.
Every change needs ENCRYPTION_KEY: without it nothing is written (reading needs no key).

  tail     the last N rows (default 20, at most 10000), oldest first, as a table that fits the
           terminal: seq, time, action and target whole (below 100 columns the time is
           month-day UTC), the actor cut last, the details in what is left (--json: all of it)
  verify   walks the whole chain, checks the head and every given anchor; names the first
           broken seq and what is wrong with it: edited, missing, reordered, truncated (tail
           cut), unkeyed (rewritten without the key), unknown-key (signed by a key id that is
           not configured: add it to ENCRYPTION_KEY_PREVIOUS), head, unsealed, anchor
           --anchor LINE   an anchor line as printed by audit anchor: its row must be there
           --anchor FILE   every anchor line in FILE (e.g. the eval752 log file); anchors of
                           other databases are skipped, at least one must be of this one
  anchor   prints the head as one line for a log outside the database (syslog, a ticket):
           eval752-audit-anchor v1 chain=<id> seq=<n> rows=<n> hash=<hex> at=<time>
           A copy of an older head put back after the tail was cut verifies without anchors;
           an anchor taken before catches it. The log file gets one every ${AUDIT_ANCHOR_EVERY} changes.

Without ENCRYPTION_KEY, verify checks what it can (sequence, links, the head's position,
anchors, rows written before keyed hashing) and says it could not check the MACs (exit 2).

JSON (--json):
  tail     [{seq, at, actor, action, targetType, targetId, details, keyId, prevHash, rowHash}]
           (hashes in hex; keyId null for rows written before keyed hashing)
  verify   {ok, rows (checked), lastSeq, chain, macs: "checked"|"unchecked", unkeyedRows,
            keyedFrom, segments: [{from, to, keyId, status: verified|checkpointed|unchecked|
            unknown-key}], checkpoints: [{seq, through, keyId}], head: {seq, rows, hash, at,
            keyedFrom, keyId, status: ok|missing|unsealed|altered|unknown-key|unchecked|behind|
            ahead|mismatch} | null, anchors: [{source, chain, seq, rows, hash, at, status:
            matched|missing|different|other-chain}], brokenSeq, kind, reason}
           (brokenSeq, kind and reason are null when ok; kind "no-key" without ENCRYPTION_KEY)
  anchor   {chain, seq, rows, hash, at, line, macChecked}

Exit codes: 0 ok (verify: intact), 1 broken or failed, 2 usage, or verify without
ENCRYPTION_KEY (the MACs could not be checked).
`,
	run: (args, io) => dispatch('audit', args, io, {tail, verify, anchor}),
};

import {tailAudit, verifyAudit, type StoredAuditRow} from '../../services/audit.js';
import {intFlag, parse} from '../args.js';
import {columns, printJson, table} from '../format.js';
import type {Command} from '../registry.js';
import {dispatch, withContext, type Subcommand} from './providers.js';

function jsonRow(row: StoredAuditRow) {
	return {
		seq: row.seq,
		at: row.at.toISOString(),
		actor: row.actor,
		action: row.action,
		targetType: row.targetType,
		targetId: row.targetId,
		details: row.details,
		prevHash: row.prevHash.toString('hex'),
		rowHash: row.rowHash.toString('hex'),
	};
}

/** One line of details for the table: compact JSON, cut to what fits. */
function detailText(details: unknown): string {
	const text = JSON.stringify(details ?? {});
	return text === '{}' ? '' : text;
}

const tail: Subcommand = async (args, io) => {
	const {values} = parse('audit tail', args, {lines: {type: 'string', short: 'n'}, json: {type: 'boolean'}}, {max: 0});
	const n = intFlag('audit tail', 'lines (-n)', values.lines, {min: 1, max: 10_000}) ?? 20;
	return withContext(io, async (ctx) => {
		const rows = await tailAudit(ctx, n);
		if (values.json) printJson(io.stdout, rows.map(jsonRow));
		else if (rows.length === 0) io.stdout.write('The audit log is empty\n');
		else {
			io.stdout.write(
				table(
					['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'DETAILS'],
					rows.map((row) => [String(row.seq), row.at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'), row.actor, row.action, `${row.targetType}${row.targetId ? ` ${row.targetId.slice(0, 8)}` : ''}`, detailText(row.details)]),
					columns(io.stdout),
				),
			);
		}
		return 0;
	});
};

const verify: Subcommand = async (args, io) => {
	const {values} = parse('audit verify', args, {json: {type: 'boolean'}}, {max: 0});
	return withContext(io, async (ctx) => {
		const result = await verifyAudit(ctx);
		if (values.json) printJson(io.stdout, result);
		else if (result.ok) io.stdout.write(`Audit chain intact: ${result.rows} row${result.rows === 1 ? '' : 's'} verified\n`);
		else io.stdout.write(`Audit chain broken at seq ${result.brokenSeq}: ${result.reason}\n`);
		return result.ok ? 0 : 1;
	});
};

export const command: Command = {
	name: 'audit',
	summary: 'show and verify the tamper-evident audit log',
	help: `Usage: eval752 audit tail [-n N] [--json]
       eval752 audit verify [--json]

Every change (providers, keys, models, settings…) writes one audit row in the same transaction:
who (actor), what (action, target) and a safe before/after — never a key, only its hint. Rows are
hash-chained: each row's hash covers the previous one.

  tail     the last N rows (default 20, at most 10000), oldest first
  verify   walks the whole chain; exit 1 naming the first broken seq (a row altered, deleted
           or reordered behind the database's back)

JSON (--json):
  tail     [{seq, at, actor, action, targetType, targetId, details, prevHash, rowHash}]  (hashes in hex)
  verify   {ok: true, rows} | {ok: false, rows, brokenSeq, reason}

Exit codes: 0 ok, 1 chain broken or failed, 2 usage.
`,
	run: (args, io) => dispatch('audit', args, io, {tail, verify}),
};

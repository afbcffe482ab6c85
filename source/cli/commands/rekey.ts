import {openApp} from '../../app.js';
import {sanitizeText} from '../../lib/sanitize.js';
import {DEFAULT_REKEY_BATCH, planRekey, rekey} from '../../services/rekey.js';
import {intFlag, parse} from '../args.js';
import {plural, printJson, unkeyedRows} from '../format.js';
import type {Command} from '../command.js';

function secrets(count: number): string {
	return plural(count, 'secret');
}

export const command: Command = {
	name: 'rekey',
	summary: 're-encrypt every secret under the current ENCRYPTION_KEY',
	help: `Usage: eval752 rekey [--dry-run] [--batch-size N] [--json]

Re-encrypts every stored API key that is not yet under the current ENCRYPTION_KEY, in batches.
A secret's key id is the one its envelope names (v1:<key id>:…); a row whose key_id column
disagrees with it is re-encrypted too, and the column fixed.
Each batch is one transaction with one audit row (key.rekey_batch: row ids and key ids, never a
secret). Interrupted (Ctrl+C, crash, lost connection)? Every row is still readable with exactly
one configured key; run eval752 rekey again and it carries on where it stopped.

The audit log is verified first (rekey refuses a log that does not verify) and checkpointed
last: one audit.checkpoint row signed with the current key records the digest of every row so
far, so rows signed with the old key still verify once that key is dropped. Audit rows written
before keyed hashing (an upgraded database) are sealed first with one audit.seal row. When every
secret is under the current key, the canaries of the other keys are removed (one
key.canary_retire audit row): from then on the old key alone fails the start-up check as retired.

Rotating the master key, step by step:
  1. eval752 keygen                       make the new key
  2. ENCRYPTION_KEY=<new>                 the new key encrypts from now on
     ENCRYPTION_KEY_PREVIOUS=<old>        the old key still decrypts rows not yet rewritten
     (every operator and every machine that runs eval752 needs both)
  3. eval752 rekey --dry-run              how many rows per key id would be rewritten
  4. eval752 rekey                        rewrite them
  5. eval752 doctor                       confirm no row uses the old key id, then remove the old
                                          key from ENCRYPTION_KEY_PREVIOUS (keep a copy as long
                                          as you keep backups made before the rekey)

Options:
  --dry-run        report how many rows per key id would change; change nothing
  --batch-size N   rows per transaction (default ${DEFAULT_REKEY_BATCH})
  --json           the plan or the result as JSON; the result is {currentKeyId, rewritten,
                   batches, remaining, unusedPreviousKeyIds, audit: {sealed: {seq, unkeyedRows}
                   | null, checkpoint: {seq, through, keyIds} | null}, retiredCanaries}

Refuses when the configured key did not write the data (the canary check fails), when some
rows are under a key id that is not configured, or when the audit log does not verify. Exit codes: 0 done, 1 refused or failed,
2 usage or configuration error.
`,
	async run(args, io) {
		const {values} = parse('rekey', args, {'dry-run': {type: 'boolean'}, 'batch-size': {type: 'string'}, json: {type: 'boolean'}}, {max: 0});
		const batchSize = intFlag('rekey', 'batch-size', values['batch-size'], {min: 1, max: 10_000}) ?? DEFAULT_REKEY_BATCH;
		const app = await openApp(io, {onProgress: (message) => io.stderr.write(`${message}\n`)});
		try {
			if (values['dry-run']) {
				const plan = await planRekey(app.ctx);
				if (values.json) {
					printJson(io.stdout, {dryRun: true, ...plan});
					return 0;
				}
				if (plan.total === 0) {
					io.stdout.write(`Nothing to re-encrypt: all ${secrets(plan.current)} are under the current key id ${plan.currentKeyId}.\n`);
					return 0;
				}
				io.stdout.write(`Would re-encrypt ${secrets(plan.total)} under key id ${plan.currentKeyId} (dry run: nothing changed):\n`);
				for (const entry of plan.toRewrite) io.stdout.write(`  key id ${entry.keyId}: ${secrets(entry.rows)}\n`);
				if (plan.keyIdMismatches.length > 0) {
					const one = plan.keyIdMismatches.length === 1;
					io.stdout.write(`${secrets(plan.keyIdMismatches.length)} ${one ? 'carries' : 'carry'} a key_id column that disagrees with ${one ? 'its' : 'their'} envelope (the envelope decides; rekey fixes the column):\n`);
					for (const row of plan.keyIdMismatches.slice(0, 20)) io.stdout.write(`  key ${row.id}: column ${sanitizeText(row.column)}, envelope ${row.envelope}\n`);
				}
				return 0;
			}

			const result = await rekey(app.ctx, {
				batchSize,
				afterBatch: values.json ? undefined : (progress) => void io.stderr.write(`Batch ${progress.batch}: ${secrets(progress.rows)} re-encrypted (${progress.done} of ${progress.total})\n`),
			});
			if (values.json) {
				printJson(io.stdout, result);
				return result.remaining === 0 ? 0 : 1;
			}
			io.stdout.write(
				result.rewritten === 0
					? `Nothing to re-encrypt: every secret is under the current key id ${result.currentKeyId}.\n`
					: `Re-encrypted ${secrets(result.rewritten)} under key id ${result.currentKeyId} in ${result.batches} batch${result.batches === 1 ? '' : 'es'}.\n`,
			);
			if (result.keyIdColumnsFixed > 0) {
				io.stdout.write(`Fixed the key_id column of ${secrets(result.keyIdColumnsFixed)} whose column disagreed with the key id in the envelope.\n`);
			}
			if (result.remaining > 0) {
				io.stdout.write(`${secrets(result.remaining)} ${result.remaining === 1 ? 'is' : 'are'} still under older keys: another eval752 rekey holds them — run eval752 rekey again when it finishes.\n`);
			}
			if (result.audit.sealed) {
				io.stdout.write(`Audit log: ${unkeyedRows(result.audit.sealed.unkeyedRows)} sealed; keyed hashing starts at seq ${result.audit.sealed.seq}.\n`);
			}
			if (result.audit.checkpoint) {
				const {seq, through, keyIds} = result.audit.checkpoint;
				io.stdout.write(`Audit log: rows 1–${through} (key id${keyIds.length === 1 ? '' : 's'} ${keyIds.join(', ')}) checkpointed at seq ${seq} under key id ${result.currentKeyId}; they verify without the old key.\n`);
			}
			if (result.retiredCanaries.length > 0) {
				io.stdout.write(`Removed the encryption canary of key id${result.retiredCanaries.length === 1 ? '' : 's'} ${result.retiredCanaries.join(', ')}: ${result.retiredCanaries.length === 1 ? 'that key' : 'those keys'} alone no longer pass${result.retiredCanaries.length === 1 ? 'es' : ''} the start-up check.\n`);
			}
			for (const id of result.unusedPreviousKeyIds) {
				io.stdout.write(`ENCRYPTION_KEY_PREVIOUS entry with key id ${id} can be removed: no secret uses it any more (keep a copy for backups made before this rekey).\n`);
			}
			return result.remaining === 0 ? 0 : 1;
		} finally {
			await app.close();
		}
	},
};

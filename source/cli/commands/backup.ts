import path from 'node:path';
import {openApp} from '../../app.js';
import {writeBackup} from '../../services/backup.js';
import {parse} from '../args.js';
import {plural, printJson} from '../format.js';
import {MOVE_TO_SHARED} from '../backup-help.js';
import type {Command} from '../command.js';

export const command: Command = {
	name: 'backup',
	summary: 'write a logical backup of the database (ciphertext only)',
	help: `Usage: eval752 backup <file> [--force] [--json]

Writes every table — providers, API keys (as ciphertext, with their key ids and fingerprints),
models, settings, smoke and comparison runs, the audit log with its hash chain, the encryption
canary — from one consistent snapshot to <file> (JSON lines, mode 0600). The file is written to
<file>.tmp first and renamed when complete. No plaintext secret is ever in it. Its last line is a
seal: an HMAC of every byte before it under a key derived from ENCRYPTION_KEY (which a backup
therefore needs), so restore refuses the file if any byte of it changes.

The ENCRYPTION_KEY is NOT in the backup. Keep the key apart from the file (a secret manager, a
password safe): the backup is useless without it, and restore refuses it with any other key.

Options:
  --force   replace <file> if it exists
  --json    the result (file, size, rows per table, key ids, sealedWith) as JSON

${MOVE_TO_SHARED}
pg_dump works too for a server (pg_dump -Fc "$DATABASE_URL" > eval752.dump; pg_restore into an
empty database); it also carries only ciphertext and likewise needs the same ENCRYPTION_KEY.

Exit codes: 0 written, 1 refused or failed, 2 usage or configuration error.
`,
	async run(args, io) {
		const {values, positionals} = parse('backup', args, {force: {type: 'boolean'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'the backup file name'});
		const app = await openApp(io, {onProgress: (message) => io.stderr.write(`${message}\n`)});
		try {
			const file = positionals[0]!;
			const result = await writeBackup(app.ctx, path.resolve(io.cwd, file), {force: values.force ?? false});
			if (values.json) {
				printJson(io.stdout, {...result, encryptionKeyIncluded: false});
				return 0;
			}
			const total = Object.values(result.rows).reduce((sum, n) => sum + n, 0);
			io.stdout.write(`Backup written: ${result.file} (${plural(result.bytes, 'byte')}, ${plural(total, 'row')}: ${plural(result.rows.providers, 'provider')}, ${plural(result.rows.provider_keys, 'API key')}, ${plural(result.rows.audit_log, 'audit row')}), sealed with key id ${result.sealedWith}.\n`);
			io.stdout.write(
				result.keyIds.length === 1
					? `The ENCRYPTION_KEY is not in the backup: restoring it needs the key with key id ${result.keyIds[0]}. Keep that key safe, apart from this file.\n`
					: result.keyIds.length > 1
						? `The ENCRYPTION_KEY is not in the backup: restoring it needs the keys with key ids ${result.keyIds.join(' and ')} (one as ENCRYPTION_KEY, the others in ENCRYPTION_KEY_PREVIOUS; or run eval752 rekey first). Keep them safe, apart from this file.\n`
						: 'The ENCRYPTION_KEY is not in the backup (this one holds no secrets yet). Keep the key safe, apart from this file.\n',
			);
			return 0;
		} finally {
			await app.close();
		}
	},
};

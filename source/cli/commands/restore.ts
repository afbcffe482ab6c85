import path from 'node:path';
import {configFrom, openApp} from '../../app.js';
import {checkBackup, restoreBackup, UNSEALED_NOT_VERIFIED} from '../../services/backup.js';
import {keyRingOf} from '../../services/encryption.js';
import {parse} from '../args.js';
import {plural, printJson} from '../format.js';
import type {Command} from '../command.js';
import {MOVE_TO_SHARED} from '../backup-help.js';

export const command: Command = {
	name: 'restore',
	summary: 'load a backup into an empty database',
	help: `Usage: eval752 restore <file> [--accept-unsealed] [--json]

Loads a backup written by eval752 backup into the configured database (DATABASE_URL, or the
embedded one), which must be empty: no providers, keys, models, settings, audit rows or
canary.

First the whole file is checked, before the database is even opened. Its seal comes first: the
last line is an HMAC of every byte before it under a key derived from the ENCRYPTION_KEY that
wrote it, so a file with any byte changed — a base URL, a key's status, a name, a run's outcome,
the seal itself — or cut short or extended is refused ("does not match its seal"). Then every
row must pass the rules eval752 applies to input (names, base URLs, headers, aliases, labels, known settings, the
shape of key rows — no escape sequences, no file: URLs, no secret-looking headers), and the
canary and every stored secret must decrypt with ENCRYPTION_KEY. One bad row refuses the whole
backup, naming its line, table and row id (never its value).

Then, in ONE transaction: a new database is migrated, every row goes in, the audit chain must
verify, and one backup.restore audit row is appended. Any failure rolls it all back, the
migration included: the database is left exactly as it was (a new one without any table).

Set ENCRYPTION_KEY to the key that was in use when the backup was made (the backup does not
contain it); with another key the restore is refused, naming the key id it needs. The backup
must come from an eval752 with the same migrations as this one.

Options:
  --accept-unsealed  restore a backup written before backups were sealed (format 1): ${UNSEALED_NOT_VERIFIED}.
                     Restore says so, and the backup.restore audit row records it (sealed: false).
                     A sealed backup never needs it; one whose seal was removed is refused anyway.
  --json             the result (rows per table, key ids, audit rows, sealed) as JSON

${MOVE_TO_SHARED}
Exit codes: 0 restored, 1 refused or failed, 2 usage or configuration error.
`,
	async run(args, io) {
		const {values, positionals} = parse('restore', args, {json: {type: 'boolean'}, 'accept-unsealed': {type: 'boolean'}}, {min: 1, max: 1, names: 'the backup file name'});
		const file = path.resolve(io.cwd, positionals[0]!);
		const acceptUnsealed = values['accept-unsealed'] ?? false;
		// The file and the key are checked before anything is opened: a mistyped path, an edited
		// backup or the wrong key must not first create (or migrate) a database.
		const config = configFrom(io);
		const {seal} = await checkBackup(file, keyRingOf(config), {acceptUnsealed});
		if (!seal.sealed) io.stderr.write(`eval752: warning: ${file} carries no seal (--accept-unsealed): ${UNSEALED_NOT_VERIFIED}\n`);
		const app = await openApp(io, {migrations: 'defer', generateKey: false, onProgress: (message) => io.stderr.write(`${message}\n`)});
		try {
			const result = await restoreBackup(app.ctx, file, {acceptUnsealed, onProgress: values.json ? undefined : (message) => void io.stderr.write(`Loaded ${message}\n`)});
			if (values.json) {
				printJson(io.stdout, result);
				return 0;
			}
			const total = Object.values(result.rows).reduce((sum, n) => sum + n, 0);
			if (result.migrated.length > 0) io.stdout.write(`Migrated the new database (${result.migrated.join(', ')}).\n`);
			io.stdout.write(`Restored ${plural(total, 'row')} from ${result.file} (made ${result.madeAt}) into ${app.db.location}: ${plural(result.rows.providers, 'provider')}, ${plural(result.rows.provider_keys, 'API key')}, ${plural(result.rows.audit_log, 'audit row')}.\n`);
			io.stdout.write(
				`${result.sealed ? 'The seal matches every byte; c' : 'No seal (rows taken unverified); c'}anary and every secret decrypt with the configured key; the audit chain verifies (${plural(result.auditRows, 'row')}, ending with backup.restore).\n`,
			);
			return 0;
		} finally {
			await app.close();
		}
	},
};

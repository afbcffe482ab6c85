import {newEncryptionKey} from '../../services/encryption.js';
import {parse} from '../args.js';
import type {Command} from '../command.js';

export const command: Command = {
	name: 'keygen',
	summary: 'print a new ENCRYPTION_KEY',
	help: `Usage: eval752 keygen

Prints a new random ENCRYPTION_KEY (32 bytes as 64 hex characters) to stdout. Put it in
ENCRYPTION_KEY (or a secret manager) and back it up apart from the database backups: a backup
is useless without the key, and the key is never stored in the database.

To rotate the master key: set the new key as ENCRYPTION_KEY, move the old one to
ENCRYPTION_KEY_PREVIOUS, run eval752 rekey, then drop the old key once doctor shows no row uses it.
`,
	async run(args, io) {
		parse('keygen', args, {}, {max: 0});
		io.stdout.write(`${newEncryptionKey()}\n`);
		return 0;
	},
};

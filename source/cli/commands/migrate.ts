import {configFrom} from '../../app.js';
import {openDatabase} from '../../db/connect.js';
import {migrate} from '../../db/migrate.js';
import {parse} from '../args.js';
import {printJson} from '../format.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'migrate',
	summary: 'apply pending database migrations',
	help: `Usage: eval752 migrate [--json]

Applies the pending migrations in sql/ to the configured database, each in its own
transaction under an advisory lock (two runners at once never apply a file twice), and
lists what it applied. Refuses to run when an applied file has changed since.
The embedded database migrates itself on start; a shared server is migrated with this.

Options:
  --json   print {"applied": [...]}
`,
	async run(args, io) {
		const {values} = parse('migrate', args, {json: {type: 'boolean'}}, {max: 0});
		const config = configFrom(io);
		const db = io.database ?? (await openDatabase(config, {migrations: 'report'}));
		try {
			const {applied} = await migrate(db.sql);
			if (values.json) printJson(io.stdout, {database: db.kind, applied});
			else if (applied.length === 0) io.stdout.write(`Nothing to apply: ${db.location} is up to date.\n`);
			else io.stdout.write(applied.map((name) => `Applied ${name}\n`).join('') + `${applied.length} migration${applied.length === 1 ? '' : 's'} applied to ${db.location}.\n`);
			return 0;
		} finally {
			if (!io.database) await db.close();
		}
	},
};

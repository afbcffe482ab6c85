import {configFrom} from '../../app.js';
import {KeyRing} from '../../crypto/index.js';
import {openDatabase} from '../../db/connect.js';
import {migrate} from '../../db/migrate.js';
import {sealAfterMigration, unsealedRows, type SealResult} from '../../services/audit.js';
import {checkKey} from '../../services/canary.js';
import type {ServiceContext} from '../../services/context.js';
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

Audit log: with ENCRYPTION_KEY set, the run that applies the keyed-chain migration also seals
the audit rows written before it (one audit.seal row); without the key, eval752 rekey does
that later, and until then every change is refused.

Options:
  --json         print {"database", "applied": [...], "sealed": {seq, unkeyedRows} | null}
`,
	async run(args, io) {
		const {values} = parse('migrate', args, {json: {type: 'boolean'}}, {max: 0});
		const config = configFrom(io);
		const applied: string[] = [];
		const db = io.database ?? (await openDatabase(config, {migrations: 'report', onMigrated: (names) => applied.push(...names)}));
		try {
			applied.push(...(await migrate(db.sql)).applied);
			const ring = config.encryptionKey ? KeyRing.from(config.encryptionKey, [...config.encryptionKeyPrevious]) : undefined;
			const ctx: ServiceContext = {db, actor: config.actor, keys: await checkKey(db.sql, ring), readOnly: false};
			const sealed: SealResult | undefined = await sealAfterMigration(ctx, applied);
			const unsealed = await unsealedRows(ctx);
			if (values.json) {
				printJson(io.stdout, {database: db.kind, applied, sealed: sealed ?? null});
				return 0;
			}
			if (applied.length === 0) io.stdout.write(`Nothing to apply: ${db.location} is up to date.\n`);
			else io.stdout.write(applied.map((name) => `Applied ${name}\n`).join('') + `${applied.length} migration${applied.length === 1 ? '' : 's'} applied to ${db.location}.\n`);
			if (sealed) io.stdout.write(`Audit log: the ${sealed.unkeyedRows} rows written before keyed hashing are sealed; keyed hashing starts at seq ${sealed.seq}.\n`);
			else if (unsealed > 0) {
				io.stdout.write(`Audit log: the ${unsealed} rows written before keyed hashing are not sealed yet; every change is refused until eval752 rekey runs once with ENCRYPTION_KEY set.\n`);
			}
			return 0;
		} finally {
			if (!io.database) await db.close();
		}
	},
};

import {announceConfig, configFrom, openConfiguredDatabase} from '../../app.js';
import {UsageError} from '../../errors.js';
import {keyRingOf} from '../../services/encryption.js';
import {grantSql, isRoleName, migrateDatabase} from '../../services/migrate.js';
import {parse} from '../args.js';
import {plural, printJson, unkeyedRows} from '../format.js';
import type {Command} from '../command.js';

export const command: Command = {
	name: 'migrate',
	summary: 'apply pending database migrations; grant a runtime role',
	help: `Usage: eval752 migrate [--grant ROLE] [--json]

Applies the pending migrations in sql/ to the configured database, each in its own
transaction under an advisory lock (two runners at once never apply a file twice), and
lists what it applied. Refuses to run when an applied file has changed since.
The embedded database migrates itself on start; a shared server is migrated with this,
by the role that owns the tables.

Audit log: with ENCRYPTION_KEY set, the run that applies the keyed-chain migration also seals
the audit rows written before it (one audit.seal row); without the key, eval752 rekey does
that later, and until then every change is refused.

Options:
  --grant ROLE   after migrating, give the existing login role ROLE exactly what the dashboard
                 and the headless commands need, and nothing else on these tables: SELECT and
                 INSERT on audit_log (no UPDATE, DELETE or TRUNCATE), SELECT and UPDATE on its
                 head record, the writes each other table needs, USAGE on the schema. Refused
                 for a superuser, the owner or a member of the owner role, a CREATEROLE role.
                 Connect the dashboard as ROLE; keep the owner for migrate and restore. The
                 same grants as SQL are in the README.
  --json         print {"database", "applied": [...], "sealed": {seq, unkeyedRows} | null,
                 "granted": {role, schema, grants: [{table, privileges}]} | null}
`,
	async run(args, io) {
		const {values} = parse('migrate', args, {json: {type: 'boolean'}, grant: {type: 'string'}}, {max: 0});
		const role = values.grant;
		if (role !== undefined && !isRoleName(role)) {
			throw new UsageError('migrate: --grant needs a role name: lowercase letters, digits and _, at most 63, not starting with a digit', 'eval752 migrate --help');
		}
		const config = configFrom(io);
		announceConfig(io, config);
		const alreadyApplied: string[] = [];
		const db = await openConfiguredDatabase(io, config, {migrations: 'report', onMigrated: (names) => alreadyApplied.push(...names)});
		try {
			if (role !== undefined && db.kind === 'embedded') {
				throw new UsageError('migrate: --grant is for a shared server; the embedded database has one user', 'set DATABASE_URL to the server and run it as the owner of the tables');
			}
			const {applied, sealed, unsealed, granted} = await migrateDatabase(db, {ring: keyRingOf(config), actor: config.actor, alreadyApplied, grant: role});
			if (values.json) {
				printJson(io.stdout, {database: db.kind, applied, sealed: sealed ?? null, granted: granted ?? null});
				return 0;
			}
			if (applied.length === 0) io.stdout.write(`Nothing to apply: ${db.location} is up to date.\n`);
			else io.stdout.write(applied.map((name) => `Applied ${name}\n`).join('') + `${plural(applied.length, 'migration')} applied to ${db.location}.\n`);
			if (sealed) io.stdout.write(`Audit log: ${unkeyedRows(sealed.unkeyedRows)} sealed; keyed hashing starts at seq ${sealed.seq}.\n`);
			else if (unsealed > 0) {
				io.stdout.write(`Audit log: ${unkeyedRows(unsealed)} not sealed yet; every change is refused until eval752 rekey runs once with ENCRYPTION_KEY set.\n`);
			}
			if (granted) {
				io.stdout.write(`Granted ${granted.role} the runtime privileges (no UPDATE, DELETE or TRUNCATE on audit_log); connect the dashboard as ${granted.role}:\n`);
				io.stdout.write(grantSql(granted.role, granted.schema).replace(/^/gm, '  ') + '\n');
			}
			return 0;
		} finally {
			if (!io.database) await db.close();
		}
	},
};

import {openApp} from '../../app.js';
import {logFile} from '../../log.js';
import {runDoctor} from '../../services/doctor.js';
import {parse} from '../args.js';
import {printJson} from '../format.js';
import type {Command} from '../command.js';

export const command: Command = {
	name: 'doctor',
	summary: 'check the database, migrations and encryption key',
	help: `Usage: eval752 doctor [--json]

Checks, in order: the database (kind, server version, location), the migration state, the
encryption key (the canary proves ENCRYPTION_KEY wrote the data), how many stored secrets each
key id encrypted (the key id each secret's envelope names, v1:<key id>:…), every row whose key_id
column disagrees with its envelope (eval752 rekey fixes it), every stored secret that no configured
key can decrypt ("needs a new key"), the audit log's head record (its MAC; eval752 audit verify
walks every row) and, on a shared server, whether the connected role could disable the audit log's
triggers — a superuser, the owner of audit_log or a member of the owner role, a CREATEROLE role —
with how to fix it (warn: it does not make the installation unhealthy); then where the
configuration came from — a .env that set DATABASE_URL, ENCRYPTION_KEY, EVAL752_ACTOR or another
of eval752's variables is named (warn), and so is every .env left unread because someone else owns
or can write it — the embedded data directory's mode, and every provider whose base URL would
carry its key in cleartext (FAIL for a public vendor, whose probes send nothing; warn for a
self-hosted server on another machine). Nothing is changed and no secret is printed.

Without ENCRYPTION_KEY and with no API key stored yet, the encryption key check warns: every change
is refused until it is set.

Exit codes: 0 healthy (warnings included), 1 any check failed (or the database is unreachable),
2 bad configuration, or a schema that is behind (migrations pending: run eval752 migrate).

Options:
  --json   the whole report as JSON ({healthy, schemaBehind, database, migrations, encryption, checks:
           [{name, ok, detail, hint?, warning?}], logFile})
`,
	async run(args, io) {
		const {values} = parse('doctor', args, {json: {type: 'boolean'}}, {max: 0});
		const app = await openApp(io, {migrations: 'report', onProgress: (message) => io.stderr.write(`${message}\n`)});
		try {
			const report = await runDoctor(app.ctx, {config: app.config});
			if (values.json) printJson(io.stdout, {...report, logFile: logFile() ?? null});
			else {
				for (const check of report.checks) {
					io.stdout.write(`${!check.ok ? 'FAIL' : check.warning ? 'warn' : 'ok  '}  ${check.name}: ${check.detail}\n`);
					if ((!check.ok || check.warning) && check.hint) io.stdout.write(`      try: ${check.hint}\n`);
				}
				io.stdout.write(`log   ${logFile() ?? '(none)'}\n`);
				io.stdout.write(report.healthy ? 'Healthy.\n' : 'Not healthy.\n');
			}
			return report.schemaBehind ? 2 : report.healthy ? 0 : 1;
		} finally {
			await app.close();
		}
	},
};

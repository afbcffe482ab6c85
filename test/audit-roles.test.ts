import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KeyRing} from '../source/crypto/index.js';
import {openServer} from '../source/db/connect.js';
import {RUNTIME_GRANTS, grantSql} from '../source/db/repositories/roles.js';
import type {Database} from '../source/db/types.js';
import {runCli} from './support/cli.js';
import {databaseKind, freshDatabase, testServerUrl, type TestDatabase} from './support/db.js';
import {ownedDatabase, type OwnedDatabase} from './support/roles.js';
import {commandEnv, tempDir} from './secrets-fixtures.js';

/**
 * Least privilege on a shared server: `eval752 migrate --grant ROLE` run by the owner gives the
 * dashboard's runtime role exactly what it uses. The runtime role can work but can't touch the
 * audit log beyond appending — and can't switch off its triggers. Needs a real server (roles);
 * the list itself is checked against the migrated schema on both databases.
 */

const KEY = randomBytes(32);

describe(`the runtime grants cover the schema (${databaseKind})`, () => {
	let t: TestDatabase;
	beforeAll(async () => {
		t = await freshDatabase();
	});
	afterAll(async () => {
		await t.drop();
	});

	it('lists every table of the migrated schema once, with no sequences left out', async () => {
		const tables = await t.db.sql<{name: string}[]>`select table_name::text as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`;
		expect(RUNTIME_GRANTS.map((grant) => grant.table).sort()).toEqual(tables.map((row) => row.name).sort());
		const sequences = await t.db.sql`select 1 from information_schema.sequences where sequence_schema = current_schema()`;
		expect(sequences).toHaveLength(0);
		const audit = Object.fromEntries(RUNTIME_GRANTS.map((grant) => [grant.table, grant.privileges]));
		expect(audit['audit_log']).toEqual(['select', 'insert']);
		expect(audit['audit_head']).toEqual(['select', 'update']);
	});

	it('the README shows the same grants as SQL, generated from the list', () => {
		const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
		expect(readme).toContain(['```sql', grantSql('eval752_app'), '```'].join('\n'));
	});
});

describe.runIf(databaseKind === 'server')('a runtime role granted by eval752 migrate --grant (server)', () => {
	let o: OwnedDatabase;
	let runtime: {name: string; url: string};
	let runtimeDb: Database;
	let work: string;
	const env = (): NodeJS.ProcessEnv => commandEnv(work, {current: KEY});

	beforeAll(async () => {
		work = tempDir('roles');
		o = await ownedDatabase();
		runtime = await o.newRole();
		const granted = await runCli(['migrate', '--grant', runtime.name], {database: o.db, env: env()});
		expect(granted.stderr).toBe('');
		expect(granted.code).toBe(0);
		expect(granted.stdout).toContain(`Granted ${runtime.name} the runtime privileges (no UPDATE, DELETE or TRUNCATE on audit_log)`);
		expect(granted.stdout).toContain(grantSql(runtime.name).replace(/^/gm, '  '));
		runtimeDb = await openServer(runtime.url);
	});

	afterAll(async () => {
		await runtimeDb?.close();
		await o?.drop();
		fs.rmSync(work, {recursive: true, force: true});
	});

	it('case 25: the runtime role can neither disable the audit log’s triggers nor UPDATE, DELETE or TRUNCATE it, nor roll its head back', async () => {
		// Something to refuse to touch.
		expect((await runCli(['settings', 'set', 'timeout_ms', '5000'], {database: runtimeDb, env: env()})).code).toBe(0);
		const sql = runtimeDb.sql;
		const [before] = await sql<{n: number}[]>`select count(*)::int as n from audit_log`;
		expect(before!.n).toBeGreaterThan(0);
		for (const attempt of [
			() => sql`alter table audit_log disable trigger user`,
			() => sql`alter table audit_log disable trigger all`,
			() => sql`alter table audit_head disable trigger user`,
			() => sql`drop trigger audit_log_no_delete on audit_log`,
		]) {
			await expect(attempt()).rejects.toThrow(/must be owner of (table|relation) audit_(log|head)/);
		}
		for (const attempt of [
			() => sql`update audit_log set actor = 'mallory' where seq = 1`,
			() => sql`delete from audit_log where seq = 1`,
			() => sql`truncate audit_log`,
			() => sql`delete from audit_head`,
			() => sql`truncate audit_head`,
			() => sql`insert into audit_head (id, seq, rows, row_hash) values (false, 0, 0, '\\x00')`,
		]) {
			await expect(attempt()).rejects.toThrow(/permission denied for table audit_(log|head)/);
		}
		await expect(sql`update audit_head set seq = 0 where id`).rejects.toThrow(/audit_head only moves forward/);
		const [after] = await sql<{n: number}[]>`select count(*)::int as n from audit_log`;
		expect(after!.n).toBe(before!.n);
	});

	it('the runtime role does the everyday work: providers, keys, models, settings, verify, anchor, backup, delete with cascade', async () => {
		const as = (argv: string[], stdin?: string) => runCli(argv, {database: runtimeDb, env: env(), stdin});
		for (const [argv, stdin] of [
			[['providers', 'add', '--name', 'groq-prod', '--type', 'groq']],
			[['keys', 'add', 'groq-prod', '--label', 'ci', '--from-stdin'], `gsk_${randomBytes(20).toString('hex')}\n`],
			[['models', 'add', 'groq-prod', '--model', 'llama-3.1-70b-versatile', '--alias', 'llama-70b']],
			[['settings', 'set', 'temperature', '0.5']],
			[['audit', 'verify']],
			[['audit', 'anchor']],
			[['backup', path.join(work, 'runtime.backup')]],
			[['providers', 'rm', 'groq-prod', '--yes']],
			[['audit', 'verify']],
		] as [string[], string?][]) {
			const result = await as(argv, stdin);
			expect(result.stderr, argv.join(' ')).toBe('');
			expect(result.code, argv.join(' ')).toBe(0);
		}
		const [keys] = await runtimeDb.sql<{n: number}[]>`select count(*)::int as n from provider_keys`;
		expect(keys!.n).toBe(0);
	});

	it('holds exactly the documented privileges, and owns nothing', async () => {
		const rows = await o.db.sql<{table: string; privilege: string}[]>`
			select table_name::text as table, lower(privilege_type) as privilege from information_schema.role_table_grants where grantee = ${runtime.name}`;
		const held: Record<string, string[]> = {};
		for (const row of rows) (held[row.table] ??= []).push(row.privilege);
		const documented = Object.fromEntries(RUNTIME_GRANTS.map((grant) => [grant.table, [...grant.privileges].sort()]));
		expect(Object.fromEntries(Object.entries(held).map(([table, privileges]) => [table, privileges.sort()]))).toEqual(documented);
		const [owned] = await o.db.sql<{n: number}[]>`select count(*)::int as n from pg_class where relowner = (select oid from pg_roles where rolname = ${runtime.name})`;
		expect(owned!.n).toBe(0);
	});

	it('refuses to grant to the owner, a member of it, a superuser, a CREATEROLE role, a missing role, or a name that is not an identifier', async () => {
		const member = await o.newRole();
		await asAdmin(o.url!, async (admin) => {
			await admin`grant ${admin(o.owner!)} to ${admin(member.name)}`;
		});
		const superuser = await o.newRole({superuser: true});
		const creator = await o.newRole({createRole: true});
		const grant = (role: string) => runCli(['migrate', '--grant', role], {database: o.db, env: env()});
		for (const [role, message] of [
			[o.owner!, `The role ${o.owner} owns the tables (or is a member of the owner role): it can disable the audit log's triggers; nothing was granted`],
			[member.name, `The role ${member.name} owns the tables (or is a member of the owner role)`],
			[superuser.name, `The role ${superuser.name} is a superuser: it can disable the audit log's triggers whatever it is granted; nothing was granted`],
			[creator.name, `The role ${creator.name} has CREATEROLE: it can make itself a member of the owner role; nothing was granted`],
			['eval752_no_such_role', 'The role eval752_no_such_role does not exist; nothing was granted'],
		] as const) {
			const refused = await grant(role);
			expect(refused.code, role).toBe(1);
			expect(refused.stderr, role).toContain(message);
		}
		for (const bad of ['x; drop table audit_log', 'Robert"); --', 'UPPER', '1role', 'a'.repeat(64), '']) {
			const refused = await grant(bad);
			expect(refused.code, bad).toBe(2);
			expect(refused.stderr).toContain('--grant needs a role name');
		}
		expect((await o.db.sql`select to_regclass('audit_log') is not null as here`)[0]!['here']).toBe(true);
		expect((await grant(runtime.name)).code).toBe(0);
	});

	it('doctor warns the owner, a member of the owner role and a superuser, says how to fix it, and is quiet for the runtime role', async () => {
		const doctor = (database: Database) => runCli(['doctor'], {database, env: env()});
		const fix = 'try: connect the dashboard as a role that owns nothing: as the owner run eval752 migrate --grant <role>, then put that role in DATABASE_URL';
		const asOwner = await doctor(o.db);
		expect(asOwner.code).toBe(0);
		expect(asOwner.stdout).toContain(`warn  audit privileges: ${o.owner} owns audit_log: it can disable the audit log's triggers and rewrite it`);
		expect(asOwner.stdout).toContain(fix);
		expect(asOwner.stdout).toContain('Healthy.');

		const adminDb = await openServer(new URL(new URL(o.url!).pathname, testServerUrl).toString());
		try {
			expect((await doctor(adminDb)).stdout).toMatch(/warn {2}audit privileges: \S+ is a superuser: it can disable the audit log's triggers/);
		} finally {
			await adminDb.close();
		}
		const member = await o.newRole();
		await asAdmin(o.url!, async (admin) => {
			await admin`grant ${admin(o.owner!)} to ${admin(member.name)}`;
		});
		const memberDb = await openServer(member.url);
		try {
			expect((await doctor(memberDb)).stdout).toContain(`warn  audit privileges: ${member.name} is a member of ${o.owner}, which owns audit_log`);
		} finally {
			await memberDb.close();
		}
		const asRuntime = await doctor(runtimeDb);
		expect(asRuntime.code).toBe(0);
		expect(asRuntime.stdout).toContain(`ok    audit privileges: ${runtime.name} can append to audit_log but not change, delete or unprotect it`);
		expect(asRuntime.stdout).not.toContain('warn');
		expect(asRuntime.stdout).toContain(`ok    audit head: seq `);
		expect(asRuntime.stdout).toContain(`signed by key id ${KeyRing.from(KEY).currentId}`);
	});
});

async function asAdmin(url: string, work: (admin: postgres.Sql) => Promise<void>): Promise<void> {
	const target = new URL(url);
	const admin = postgres(new URL(target.pathname, testServerUrl).toString(), {max: 1, onnotice: () => undefined});
	try {
		await work(admin);
	} finally {
		await admin.end({timeout: 5});
	}
}

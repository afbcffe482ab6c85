import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadConfig} from '../source/config/env.js';
import {openDatabase, openServer} from '../source/db/connect.js';
import {defaultSqlDir, migrate, migrationState, readMigrations} from '../source/db/migrate.js';
import type {Database} from '../source/db/types.js';
import {databaseKind, freshDatabase, type TestDatabase} from './support/db.js';

let t: TestDatabase;
let sqlDir: string;

beforeAll(async () => {
	t = await freshDatabase({migrate: false});
	sqlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-sql-'));
	for (const name of fs.readdirSync(defaultSqlDir())) fs.copyFileSync(path.join(defaultSqlDir(), name), path.join(sqlDir, name));
});

afterAll(async () => {
	await t.drop();
	fs.rmSync(sqlDir, {recursive: true, force: true});
});

const tables = ['providers', 'provider_keys', 'models', 'settings', 'smoke_runs', 'comparison_runs', 'comparison_results', 'audit_log', 'audit_head', 'encryption_canary', 'probe_leases', 'schema_migrations'];

/** The file name a new migration after the shipped ones gets (its number follows the last). */
function after(offset: number, name: string): string {
	return `${String(readMigrations().length + offset).padStart(5, '0')}_${name}.sql`;
}

describe(`migrations (${databaseKind})`, () => {
	it('case 31: two runners at once on a fresh database — every file applied by exactly one of them, once, then nothing', async () => {
		const {sql} = t.db;
		const shipped = readMigrations(sqlDir).map((file) => file.name);
		expect(shipped[0]).toBe('00001_initial.sql');
		expect((await migrationState(sql, readMigrations(sqlDir))).pending).toEqual(shipped);
		const two = [migrate(sql, readMigrations(sqlDir)), migrate(sql, readMigrations(sqlDir))];
		const results = await Promise.all(two);
		// Two runners at once: each file is applied by exactly one of them.
		expect(results.flatMap((r) => r.applied).sort()).toEqual(shipped);
		const rows = await sql<{name: string; sha256: string}[]>`select name, sha256 from schema_migrations`;
		expect(rows).toHaveLength(shipped.length);
		for (const row of rows) expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
		const present = await sql<{table_name: string}[]>`select table_name from information_schema.tables where table_schema = 'public'`;
		expect(present.map((r) => r.table_name).sort()).toEqual([...tables].sort());
		expect((await migrate(sql, readMigrations(sqlDir))).applied).toEqual([]);
	});

	it('case 32: refuses to run when an applied file changed, naming it', async () => {
		const file = path.join(sqlDir, '00001_initial.sql');
		const original = fs.readFileSync(file, 'utf8');
		fs.writeFileSync(file, original + '\n-- edited\n');
		try {
			await expect(migrate(t.db.sql, readMigrations(sqlDir))).rejects.toThrow(/00001_initial\.sql was changed after it was applied/);
			expect((await migrationState(t.db.sql, readMigrations(sqlDir))).changed).toEqual(['00001_initial.sql']);
		} finally {
			fs.writeFileSync(file, original);
		}
	});

	it('applies a new file in its own transaction and rolls a failing one back whole', async () => {
		fs.writeFileSync(path.join(sqlDir, after(1, 'extra')), 'create table extra_one (id int);\ncreate table extra_two (id int);\n');
		fs.writeFileSync(path.join(sqlDir, after(2, 'broken')), 'create table broken_one (id int);\nselect * from no_such_table;\n');
		await expect(migrate(t.db.sql, readMigrations(sqlDir))).rejects.toThrow(new RegExp(`Migration ${after(2, 'broken').replace('.', '\\.')} fails: .*no_such_table.* nothing of it was applied`));
		const state = await migrationState(t.db.sql, readMigrations(sqlDir));
		expect(state.pending).toEqual([after(2, 'broken')]);
		const broken = await t.db.sql`select to_regclass('broken_one') as t`;
		expect(broken[0]!['t']).toBeNull();
		const extra = await t.db.sql`select to_regclass('extra_two') as t`;
		expect(extra[0]!['t']).not.toBeNull();
		fs.rmSync(path.join(sqlDir, after(2, 'broken')));
	});

	it('refuses a gap in the numbering and a misnamed file', () => {
		const gap = after(3, 'gap');
		fs.writeFileSync(path.join(sqlDir, gap), 'select 1;');
		expect(() => readMigrations(sqlDir)).toThrow(`${gap} breaks the sequence`);
		fs.rmSync(path.join(sqlDir, gap));
		fs.writeFileSync(path.join(sqlDir, '3_bad.sql'), 'select 1;');
		expect(() => readMigrations(sqlDir)).toThrow(/misnamed/);
		fs.rmSync(path.join(sqlDir, '3_bad.sql'));
	});

	it('refuses a database migrated by a newer eval752', async () => {
		const older = readMigrations();
		await expect(migrate(t.db.sql, older)).rejects.toThrow(`has migration ${after(1, 'extra')}, which this eval752 does not know`);
	});

	it('keeps the audit log append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
		const {sql} = t.db;
		await sql`insert into audit_log (seq, at, actor, action, target_type, prev_hash, row_hash) values (1, now(), 'a', 'x', 'y', '\\x00', '\\x00')`;
		await expect(sql`update audit_log set actor = 'b'`).rejects.toThrow(/append-only: UPDATE refused/);
		await expect(sql`delete from audit_log`).rejects.toThrow(/append-only: DELETE refused/);
		await expect(sql`truncate audit_log`).rejects.toThrow(/append-only: TRUNCATE refused/);
		expect((await sql`select actor from audit_log`)[0]!['actor']).toBe('a');
	});
});

describe.runIf(databaseKind === 'server')('concurrent runners on separate connections', () => {
	it('case 31: three runners on separate connections apply each file exactly once', async () => {
		const fresh = await freshDatabase({migrate: false});
		const url = fresh.url!;
		const dbs: Database[] = await Promise.all([openServer(url), openServer(url), openServer(url)]);
		try {
			const results = await Promise.all(dbs.map((db) => migrate(db.sql)));
			const applied = results.flatMap((r) => r.applied);
			expect(applied.sort()).toEqual(readMigrations().map((f) => f.name));
			const rows = await dbs[0]!.sql`select count(*)::int as n from schema_migrations`;
			expect(rows[0]!['n']).toBe(readMigrations().length);
		} finally {
			await Promise.all(dbs.map((db) => db.close()));
			await fresh.drop();
		}
	});
});

describe.runIf(databaseKind === 'server')('openDatabase with migrations: apply', () => {
	it('migrates a new server database even when nobody listens for the applied names', async () => {
		const fresh = await freshDatabase({migrate: false});
		const db = await openDatabase(loadConfig({DATABASE_URL: fresh.url!}, process.cwd()), {migrations: 'apply'});
		try {
			const rows = await db.sql`select count(*)::int as n from schema_migrations`;
			expect(rows[0]!['n']).toBe(readMigrations().length);
		} finally {
			await db.close();
			await fresh.drop();
		}
	});

	it('opens a current database without applying anything, and still refuses one a newer eval752 migrated', async () => {
		const fresh = await freshDatabase({migrate: false});
		const config = loadConfig({DATABASE_URL: fresh.url!}, process.cwd());
		try {
			const told: string[][] = [];
			await (await openDatabase(config, {migrations: 'apply', onMigrated: (names) => told.push([...names])})).close();
			await (await openDatabase(config, {migrations: 'apply', onMigrated: (names) => told.push([...names])})).close();
			expect(told).toEqual([readMigrations().map((file) => file.name), []]);

			const db = await openServer(fresh.url!);
			await db.sql`insert into schema_migrations (name, sha256) values ('99999_from_the_future', 'x')`;
			await db.close();
			await expect(openDatabase(config, {migrations: 'apply'})).rejects.toThrow('has migration 99999_from_the_future, which this eval752 does not know');
		} finally {
			await fresh.drop();
		}
	});
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {migrate, readMigrations} from '../source/db/migrate.js';
import {runCli} from './support/cli.js';
import {databaseKind, freshDatabase, type TestDatabase} from './support/db.js';

/**
 * `eval752 doctor` tells the truth about two states that used to read as fine or as a plain
 * failure: a database with no ENCRYPTION_KEY (every change refused) warns, and a schema that is
 * behind is a configuration error (exit 2) that names `eval752 migrate`.
 */

let dir: string;
let current: TestDatabase;
let behind: TestDatabase;
const shipped = readMigrations();

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-doctor-'));
	current = await freshDatabase();
	behind = await freshDatabase({migrate: false});
	await migrate(behind.db.sql, shipped.slice(0, -1));
});

afterAll(async () => {
	await current.drop();
	await behind.drop();
	fs.rmSync(dir, {recursive: true, force: true});
});

/** No ENCRYPTION_KEY, and a data directory of its own so no key file is found either. */
const noKey = () => ({EVAL752_DATA_DIR: path.join(dir, 'data'), EVAL752_LOG_FILE: path.join(dir, 'eval752.log')});

describe(`eval752 doctor (${databaseKind})`, () => {
	it('without ENCRYPTION_KEY and nothing stored it warns (not ok) with what to do, and stays healthy', async () => {
		const result = await runCli(['doctor'], {database: current.db, env: noKey()});
		expect(result).toMatchObject({code: 0, stderr: ''});
		const where = databaseKind === 'server' ? ' for this shared server' : '';
		expect(result.stdout).toContain(
			`warn  encryption key: ENCRYPTION_KEY is not set${where}: every change is refused (each is signed into the audit log with a key derived from it) and no API key can be stored\n` +
				'      try: set ENCRYPTION_KEY (the key this database was set up with); eval752 keygen makes a new one for a new database\n',
		);
		expect(result.stdout).not.toMatch(/^ok {2}encryption key/m);
		expect(result.stdout).toMatch(/Healthy\.\n$/);
		const report = JSON.parse((await runCli(['doctor', '--json'], {database: current.db, env: noKey()})).stdout) as {healthy: boolean; schemaBehind: boolean; checks: {name: string; ok: boolean; warning?: boolean}[]};
		expect(report).toMatchObject({healthy: true, schemaBehind: false});
		expect(report.checks.find((check) => check.name === 'encryption key')).toMatchObject({ok: true, warning: true});
	});

	it('a schema that is behind exits 2 and names the migration and the command', async () => {
		const last = shipped.at(-1)!.name;
		const result = await runCli(['doctor'], {database: behind.db, env: noKey()});
		expect(result.code).toBe(2);
		expect(result.stdout).toContain(`FAIL  migrations: 1 pending (${last})\n      try: run eval752 migrate\n`);
		expect(result.stdout).toMatch(/Not healthy\.\n$/);
		const json = await runCli(['doctor', '--json'], {database: behind.db, env: noKey()});
		expect(json.code).toBe(2);
		expect(JSON.parse(json.stdout)).toMatchObject({healthy: false, schemaBehind: true, migrations: {pending: [last]}});
	});
});

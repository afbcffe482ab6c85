import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KeyRing} from '../source/crypto/index.js';
import {BACKUP_TABLE_NAMES} from '../source/db/repositories/backup.js';
import type {Database} from '../source/db/types.js';
import {logFile, setLogFile} from '../source/log.js';
import {checkKey} from '../source/services/canary.js';
import type {ServiceContext} from '../source/services/context.js';
import {decryptKeyRow} from '../source/services/key-store.js';
import {addKey, keyForCall} from '../source/services/keys.js';
import {createProvider} from '../source/services/providers.js';
import {rekey} from '../source/services/rekey.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind, freshDatabase, type TestDatabase} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {commandEnv, newKey, recognisableSecret, tempDir, withKeys} from './secrets-fixtures.js';

/**
 * A recognisable secret goes in through the services and then through everything that handles
 * secrets — rotation, backup, restore, doctor, and the failures on the way (a wrong key, a
 * duplicate, a damaged row). Afterwards neither it nor any 8-character piece of it may appear
 * in any column of either database (the ciphertext column aside), the backup file, the log
 * file, or any output or error message.
 */

const SECRET = recognisableSecret('LEAKPROBE');
const OTHER = recognisableSecret('SECONDKEY');
const oldKey = newKey();
const nextKey = newKey();

let t: TestContext;
let target: TestDatabase;
let work: string;
let log: string;
const outputs: string[] = [];
const errors: string[] = [];

function needles(secret: string): string[] {
	const pieces = new Set<string>([secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex')]);
	for (let i = 0; i + 8 <= secret.length; i++) pieces.add(secret.slice(i, i + 8));
	return [...pieces];
}

function leaksIn(text: string): string[] {
	return [...needles(SECRET), ...needles(OTHER)].filter((needle) => text.includes(needle));
}

function keep(result: CliResult): CliResult {
	outputs.push(result.stdout, result.stderr);
	return result;
}

async function failure(work: Promise<unknown>): Promise<void> {
	try {
		await work;
	} catch (error) {
		const e = error as Error & {hint?: string};
		errors.push(e.message, e.hint ?? '', String(e.stack ?? ''), JSON.stringify(e));
		return;
	}
	throw new Error('expected a failure');
}

/** Every column of every eval752 table as text, except the one that holds ciphertext. */
async function columnText(db: Database): Promise<{where: string; text: string}[]> {
	const columns = await db.sql<{table_name: string; column_name: string}[]>`
		select table_name, column_name from information_schema.columns
		where table_schema = current_schema() and table_name in ${db.sql([...BACKUP_TABLE_NAMES, 'schema_migrations'])}
		order by table_name, ordinal_position`;
	const out: {where: string; text: string}[] = [];
	for (const {table_name: table, column_name: column} of columns) {
		if (table === 'provider_keys' && column === 'ciphertext') continue;
		const rows = await db.sql<{v: string | null}[]>`select ${db.sql(column)}::text as v from ${db.sql(table)}`;
		for (const row of rows) if (row.v !== null) out.push({where: `${table}.${column}`, text: row.v});
	}
	return out;
}

beforeAll(async () => {
	work = tempDir('leak');
	log = path.join(work, 'eval752.log');
	setLogFile(log);
	t = await testContext({key: oldKey});
	target = await freshDatabase();
});

afterAll(async () => {
	await t.t.drop();
	await target.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

describe(`no secret leaks (${databaseKind})`, () => {
	it('the secret is nowhere but in its ciphertext after store, rekey, backup, restore, doctor and failures', async () => {
		const ctx = t.ctx;
		const env = (keys: {current?: Buffer; previous?: Buffer[]}) => commandEnv(work, keys, {EVAL752_LOG_FILE: log});

		// Stored through the services, as the dashboard and `keys add` do.
		const provider = await createProvider(ctx, {name: 'leak-check', type: 'openai'});
		const stored = await addKey(ctx, provider.id, {secret: SECRET, label: 'production'});
		const second = await addKey(ctx, provider.id, {secret: OTHER, label: 'fallback'});
		await failure(addKey(ctx, provider.id, {secret: SECRET, label: 'again'}));
		expect((await keyForCall(ctx, provider.id, stored.id))!.secret).toBe(SECRET);

		// A restart with a wrong key, then a proper rotation.
		keep(await runCli(['rekey'], {database: ctx.db, env: env({current: nextKey})}));
		await failure(rekey(await withKeys(ctx, nextKey)));
		keep(await runCli(['rekey', '--dry-run'], {database: ctx.db, env: env({current: nextKey, previous: [oldKey]})}));
		const rotated = keep(await runCli(['rekey', '--batch-size', '1'], {database: ctx.db, env: env({current: nextKey, previous: [oldKey]})}));
		expect(rotated.code).toBe(0);
		keep(await runCli(['doctor', '--json'], {database: ctx.db, env: env({current: nextKey})}));

		// Backup, a refused restore (another key), a restore, and doctor on the copy.
		const file = path.join(work, 'leak.backup');
		expect(keep(await runCli(['backup', file, '--json'], {database: ctx.db, env: env({current: nextKey})})).code).toBe(0);
		expect(keep(await runCli(['restore', file], {database: target.db, env: env({current: oldKey})})).code).toBe(1);
		expect(keep(await runCli(['restore', file], {database: target.db, env: env({current: nextKey})})).code).toBe(0);
		expect(keep(await runCli(['doctor'], {database: target.db, env: env({current: nextKey})})).code).toBe(0);
		const restoredCtx: ServiceContext = {db: target.db, actor: 'tester@test', keys: await checkKey(target.db.sql, KeyRing.from(nextKey)), readOnly: false};
		expect((await keyForCall(restoredCtx, provider.id, stored.id))!.secret).toBe(SECRET);

		// A damaged row: the first key's ciphertext copied onto the second (AAD binds it to its row).
		await ctx.db.sql`update provider_keys set ciphertext = (select ciphertext from provider_keys where id = ${stored.id}) where id = ${second.id}`;
		await failure(decryptKeyRow(ctx.db.sql, KeyRing.from(nextKey), second.id));
		const sick = keep(await runCli(['doctor'], {database: ctx.db, env: env({current: nextKey})}));
		expect(sick.code).toBe(1);
		expect(sick.stdout).toContain(`key ${second.id}: does not decrypt with any configured key`);
		keep(await runCli(['backup', path.join(work, 'after-damage.backup')], {database: ctx.db, env: env({current: nextKey})}));

		// The scans. Each must have had something to look at.
		const columns = [...(await columnText(ctx.db)), ...(await columnText(target.db))];
		expect(columns.some((entry) => entry.where === 'provider_keys.display_hint')).toBe(true);
		expect(columns.filter((entry) => entry.where === 'audit_log.details').length).toBeGreaterThan(5);
		expect(columns.filter((entry) => leaksIn(entry.text).length > 0).map((entry) => entry.where)).toEqual([]);

		const backup = fs.readFileSync(file, 'utf8');
		expect(backup).toContain(`"ciphertext":"v1:${KeyRing.from(nextKey).currentId}:`);
		expect(leaksIn(backup)).toEqual([]);
		expect(leaksIn(fs.readFileSync(path.join(work, 'after-damage.backup'), 'utf8'))).toEqual([]);

		expect(logFile()).toBe(log);
		const logText = fs.readFileSync(log, 'utf8');
		expect(logText).toContain('rekey batch committed');
		expect(logText).toContain('backup restored');
		expect(leaksIn(logText)).toEqual([]);

		expect(errors.length).toBeGreaterThanOrEqual(12);
		expect(outputs.join('').length).toBeGreaterThan(500);
		expect(leaksIn(errors.join('\n'))).toEqual([]);
		expect(leaksIn(outputs.join('\n'))).toEqual([]);
	});
});

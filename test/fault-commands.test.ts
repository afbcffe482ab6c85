import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';
import postgres from 'postgres';
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest';
import {KeyRing} from '../source/crypto/index.js';
import {openServer} from '../source/db/connect.js';
import {verifyAuditChain} from '../source/services/audit-chain.js';
import {tableCounts} from '../source/db/repositories/backup.js';
import {allSecretRows} from '../source/db/repositories/key-secrets.js';
import type {Database} from '../source/db/types.js';
import {openSecret} from '../source/services/key-store.js';
import {addKey} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider, getProvider} from '../source/services/providers.js';
import {getSettings, setSetting} from '../source/services/settings.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind, freshDatabase, type TestDatabase} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {interruptAuditAppend} from './support/interrupt.js';
import {startMockProvider, type MockProvider} from './support/mock-provider.js';
import {disarmAll} from './support/wire-faults.js';
import {addProvider, commandEnv, newKey, storeKey, tempDir} from './secrets-fixtures.js';

vi.mock('../source/db/session-server.js', async (original) => (await import('./support/wire-faults.js')).tappedSessionServerModule(await original()));

/**
 * Faults as an operator meets them on the command line: the connection lost during `rekey`,
 * `restore` and `smoke` (pg_terminate_backend on a real server; on the embedded database the
 * socket cut at the same step — see support/interrupt.ts), a lock held by another session
 * during `providers edit` and `settings set`, a secret that no longer decrypts during `smoke`,
 * a full disk during `backup`. Each is one line on stderr — what happened and what to try —
 * exit 1, no stack trace, nothing half-applied, and a re-run completes.
 */

let c: TestContext;
let work: string;
let mock: MockProvider;

beforeAll(async () => {
	c = await testContext();
	work = tempDir('faults');
	mock = await startMockProvider();
});

afterEach(() => {
	disarmAll();
});

afterAll(async () => {
	await mock.close();
	await c.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

/** The error line: exactly one "eval752:" line, no stack frame, no "unexpected", no driver internals. */
function oneCleanLine(result: CliResult): string {
	const lines = result.stderr.split('\n').filter((line) => line.startsWith('eval752:'));
	expect(lines, result.stderr).toHaveLength(1);
	expect(result.stderr).not.toMatch(/\n\s+at |TypeError|unexpected|CONNECTION_CLOSED|ECONNRESET|57P01/);
	expect(result.code).toBe(1);
	return lines[0]!;
}

let counter = 0;
function unique(prefix: string): string {
	return `${prefix}-${++counter}`;
}

describe(`a lost connection during a command (${databaseKind})`, () => {
	it('rekey: one clear line; every secret still decrypts with exactly one configured key; a re-run completes', async () => {
		const oldKey = newKey();
		const nextKey = newKey();
		const t = await testContext({key: oldKey});
		try {
			const providerId = await addProvider(t.ctx, 'rekeyed');
			const secrets = new Map<string, string>();
			for (let i = 0; i < 5; i++) {
				const secret = `sk-lost-${i}-${newKey().toString('base64url')}`;
				secrets.set(await storeKey(t.ctx, providerId, secret), secret);
			}
			const env = commandEnv(work, {current: nextKey, previous: [oldKey]});
			// Embedded: the second batch is cut (the first stays committed). Server: the first batch's session is terminated.
			const interruption = await interruptAuditAppend(t.t, t.t.url ? {} : {skip: 1});
			let result: CliResult;
			try {
				result = await runCli(['rekey', '--batch-size', '2'], {database: t.t.db, env});
				await interruption.done;
			} finally {
				await interruption.release();
			}
			const line = oneCleanLine(result);
			const committed = t.t.url ? 0 : 2;
			expect(line).toMatch(
				new RegExp(
					`^eval752: The connection to the database is lost \\(.+\\); nothing was changed; ${committed} secrets re-encrypted by earlier batches stay re-encrypted — run eval752 rekey again: it carries on where this run stopped$`,
				),
			);
			// Nothing half-applied: each row is wholly under one configured key, column and envelope agree.
			const oldId = KeyRing.from(oldKey).currentId;
			const nextId = KeyRing.from(nextKey).currentId;
			const ring = KeyRing.from(nextKey, [oldKey]);
			const rows = await allSecretRows(t.ctx.db.sql);
			expect(rows.filter((row) => row.envelopeKeyId === nextId)).toHaveLength(committed);
			for (const row of rows) {
				expect([oldId, nextId]).toContain(row.envelopeKeyId);
				expect(row.keyId).toBe(row.envelopeKeyId);
				expect(openSecret(ring, row)).toBe(secrets.get(row.id));
			}
			const batches = await t.ctx.db.sql`select 1 from audit_log where action = 'key.rekey_batch'`;
			expect(batches).toHaveLength(committed / 2);
			expect((await verifyAuditChain(t.ctx.db.sql, ring)).ok).toBe(true);

			const again = await runCli(['rekey', '--batch-size', '2'], {database: t.t.db, env});
			expect(again.code, again.stderr).toBe(0);
			for (const row of await allSecretRows(t.ctx.db.sql)) {
				expect(row.envelopeKeyId).toBe(nextId);
				expect(openSecret(KeyRing.from(nextKey), row)).toBe(secrets.get(row.id));
			}
		} finally {
			await t.t.drop();
		}
	});

	it('restore: one clear line; the target stays empty; a re-run restores everything', async () => {
		const provider = await createProvider(c.ctx, {name: unique('backed-up'), type: 'openai'});
		await addKey(c.ctx, provider.id, {secret: `sk-restore-${newKey().toString('base64url')}`, label: 'ci'});
		const env = commandEnv(work, {current: Buffer.from(c.keyHex, 'hex')});
		const file = path.join(work, `${unique('backup')}.jsonl`);
		const made = await runCli(['backup', file], {database: c.t.db, env});
		expect(made.code, made.stderr).toBe(0);
		const sourceCounts = await tableCounts(c.ctx.db.sql);

		const target: TestDatabase = await freshDatabase();
		try {
			const interruption = await interruptAuditAppend(target);
			let result: CliResult;
			try {
				result = await runCli(['restore', file], {database: target.db, env});
				await interruption.done;
			} finally {
				await interruption.release();
			}
			expect(oneCleanLine(result)).toMatch(/^eval752: The connection to the database is lost \(.+\); nothing was changed — run it again/);
			expect(Object.values(await tableCounts(target.db.sql)).every((n) => n === 0)).toBe(true);

			const again = await runCli(['restore', file], {database: target.db, env});
			expect(again.code, again.stderr).toBe(0);
			const restored = await tableCounts(target.db.sql);
			expect(restored).toEqual({...sourceCounts, audit_log: sourceCounts.audit_log + 1});
			expect((await verifyAuditChain(target.db.sql, c.ring)).ok).toBe(true);
		} finally {
			await target.drop();
		}
	});

	it('smoke: one clear line; no run stored, the key’s last validation untouched; a re-run stores one run', async () => {
		const name = unique('smoked');
		await createProvider(c.ctx, {name, type: 'openai', baseUrl: mock.baseUrl});
		const key = await addKey(c.ctx, name, {secret: `sk-smoke-${newKey().toString('base64url')}`, label: 'ci'});
		await addModel(c.ctx, name, {modelName: 'mock-small'});
		const env = commandEnv(work, {current: Buffer.from(c.keyHex, 'hex')});
		const before = await rowCounts(c.ctx);
		const interruption = await interruptAuditAppend(c.t);
		let result: CliResult;
		try {
			result = await runCli(['smoke', name], {database: c.t.db, env});
			await interruption.done;
		} finally {
			await interruption.release();
		}
		expect(oneCleanLine(result)).toMatch(/^eval752: The connection to the database is lost \(.+\); nothing was changed — run it again/);
		expect(await rowCounts(c.ctx)).toEqual(before);
		const [validation] = await c.ctx.db.sql<{last_validation: unknown}[]>`select last_validation from provider_keys where id = ${key.id}`;
		expect(validation!.last_validation).toBeNull();

		const again = await runCli(['smoke', name], {database: c.t.db, env});
		expect(again.code, again.stderr).toBe(0);
		const runs = await c.ctx.db.sql`select outcome from smoke_runs where provider_name = ${name}`;
		expect(runs).toEqual([{outcome: 'ok'}]);
	});
});

describe(`lock waits, undecryptable rows and a full disk on the command line (${databaseKind})`, () => {
	/** Holds a row lock in another session (server) while `work` runs. */
	async function whileLocked(lockSql: (sql: postgres.ReservedSql) => Promise<unknown>, work: (db: Database) => Promise<CliResult>): Promise<CliResult> {
		const admin = postgres(c.t.url!, {max: 1, onnotice: () => undefined});
		const holder = await admin.reserve();
		const impatient = await openServer(c.t.url!, {lockTimeoutMs: 200});
		try {
			await holder`begin`;
			await lockSql(holder);
			return await work(impatient);
		} finally {
			await holder`rollback`.catch(() => undefined);
			holder.release();
			await admin.end({timeout: 5});
			await impatient.close();
		}
	}

	/** Embedded (one session, no lock waits): the update fails with the lock timeout's own SQLSTATE and text. */
	async function withLockTimeout(table: string, work: (db: Database) => Promise<CliResult>): Promise<CliResult> {
		const {sql} = c.ctx.db;
		await sql.unsafe(`create or replace function eval752_test_lock() returns trigger language plpgsql as $$
			begin raise exception using errcode = '55P03', message = 'canceling statement due to lock timeout'; end $$`);
		await sql.unsafe(`create trigger eval752_test_lock before update on ${table} for each row execute function eval752_test_lock()`);
		try {
			return await work(c.t.db);
		} finally {
			await sql.unsafe(`drop trigger eval752_test_lock on ${table}`);
			await sql.unsafe('drop function eval752_test_lock()');
		}
	}

	const lockLine = /^eval752: Another session holds a lock on the rows this needs, and the wait for it ran out; nothing was changed — try again in a moment; if it persists, look for a stuck session on the server \(pg_stat_activity\)$/;

	it('case 33: providers edit and settings set behind a lock held by another session: one clear line, exit 1, nothing written', async () => {
		const provider = await createProvider(c.ctx, {name: unique('locked'), type: 'openai', rateLimits: {rpm: 5}});
		await setSetting(c.ctx, 'timeout_ms', 20_000);
		const env = commandEnv(work, {current: Buffer.from(c.keyHex, 'hex')});
		const before = await rowCounts(c.ctx);
		const edit = (db: Database) => runCli(['providers', 'edit', provider.name, '--rpm', '7'], {database: db, env});
		const set = (db: Database) => runCli(['settings', 'set', 'timeout_ms', '30000'], {database: db, env});
		const edited = c.t.url ? await whileLocked((sql) => sql`select 1 from providers where id = ${provider.id} for update`, edit) : await withLockTimeout('providers', edit);
		expect(oneCleanLine(edited)).toMatch(lockLine);
		const setResult = c.t.url ? await whileLocked((sql) => sql`select 1 from settings where key = 'timeout_ms' for update`, set) : await withLockTimeout('settings', set);
		expect(oneCleanLine(setResult)).toMatch(lockLine);
		expect(await rowCounts(c.ctx)).toEqual(before);
		expect((await getProvider(c.ctx, provider.id)).rateLimits.rpm).toBe(5);
		expect((await getSettings(c.ctx)).values.timeout_ms).toBe(20_000);
		// Once the lock is gone the same commands go through.
		expect((await edit(c.t.db)).code).toBe(0);
		expect((await set(c.t.db)).code).toBe(0);
	});

	it('smoke with a stored secret that no longer decrypts: one line naming the key, the provider and what to do — not "unexpected"', async () => {
		const name = unique('damaged');
		await createProvider(c.ctx, {name, type: 'openai', baseUrl: mock.baseUrl});
		const key = await addKey(c.ctx, name, {secret: `sk-damaged-${newKey().toString('base64url')}`, label: 'ci'});
		await addModel(c.ctx, name, {modelName: 'mock-small'});
		const [row] = await c.ctx.db.sql<{ciphertext: string}[]>`select ciphertext from provider_keys where id = ${key.id}`;
		// One character of the body changed: the tag no longer authenticates.
		const body = row!.ciphertext.split(':')[2]!;
		const flipped = `${row!.ciphertext.slice(0, -body.length)}${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
		await c.ctx.db.sql`update provider_keys set ciphertext = ${flipped} where id = ${key.id}`;
		const keyId = KeyRing.from(Buffer.from(c.keyHex, 'hex')).currentId;
		const requests = mock.chatRequests.length;
		const result = await runCli(['smoke', name], {database: c.t.db, env: commandEnv(work, {current: Buffer.from(c.keyHex, 'hex')})});
		expect(oneCleanLine(result)).toBe(
			`eval752: Can't decrypt the stored API key ci (${key.id.slice(0, 8)}) of provider ${name} (key id ${keyId}) — the stored secret is damaged: enter the API key again (eval752 keys rotate ${name}); eval752 doctor lists every secret that does not decrypt`,
		);
		// Nothing was sent: the key was needed before the request.
		expect(mock.chatRequests.length).toBe(requests);
	});

	it('backup onto a full disk: one line saying the disk is full and what to try; no partial file is left', async () => {
		const mount = path.join(work, `full-${++counter}`);
		fs.mkdirSync(mount);
		const cli = path.resolve('dist', 'cli.js');
		const env: NodeJS.ProcessEnv = {
			PATH: process.env['PATH'],
			HOME: work,
			ENCRYPTION_KEY: c.keyHex,
			EVAL752_LOG_FILE: path.join(work, 'full.log'),
			EVAL752_ACTOR: 'tester@test',
		};
		let embedded: TestDatabase | undefined;
		if (c.t.url) env['DATABASE_URL'] = c.t.url;
		else {
			// The child opens the directory itself: a database of its own, with enough rows to overflow 16 KiB.
			embedded = await freshDatabase();
			const ctx = {...c.ctx, db: embedded.db};
			for (let i = 0; i < 40; i++) await createProvider(ctx, {name: `filler-${i}-${'x'.repeat(40)}`, type: 'openai'});
			await embedded.close();
			env['EVAL752_DATA_DIR'] = embedded.paths!.dataDir;
		}
		if (c.t.url) for (let i = 0; i < 40; i++) await createProvider(c.ctx, {name: `filler-${i}-${unique('x'.repeat(40))}`, type: 'openai'});
		try {
			// A 16 KiB file system of our own (a private mount namespace): the backup cannot fit. What
			// is left on it afterwards is listed before the namespace (and the mount) goes away.
			const script = `mount -t tmpfs -o size=16k eval752-full "$1" || exit 9; "$2" "$3" backup "$1/eval752.backup"; code=$?; printf 'left:%s\\n' "$(ls -A "$1")"; exit $code`;
			const result: CliResult = await promisify(execFile)('unshare', ['-rm', 'sh', '-c', script, 'sh', mount, process.execPath, cli], {env, cwd: work}).then(
				({stdout, stderr}) => ({code: 0, stdout, stderr}),
				(error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
			);
			expect(oneCleanLine(result)).toBe('eval752: The disk is full — free some space or choose another directory, then run it again');
			expect(result.stdout).toBe('left:\n');
		} finally {
			await embedded?.drop();
		}
	});

	it('first start on a full disk: the embedded database can’t be created, and one line says the disk is full', async () => {
		// No DATABASE_URL: the embedded first start, whatever the suite's database. initdb runs in a child
		// process; its failure (PGlite's ENOSPC) must still reach the operator as a full disk.
		const mount = path.join(work, `full-${++counter}`);
		fs.mkdirSync(mount);
		const env: NodeJS.ProcessEnv = {PATH: process.env['PATH'], HOME: work, ENCRYPTION_KEY: c.keyHex, EVAL752_LOG_FILE: path.join(work, 'full-initdb.log'), EVAL752_ACTOR: 'tester@test'};
		const script = `mount -t tmpfs -o size=64k eval752-full "$1" || exit 9; EVAL752_DATA_DIR="$1/data" "$2" "$3" providers list`;
		const result: CliResult = await promisify(execFile)('unshare', ['-rm', 'sh', '-c', script, 'sh', mount, process.execPath, path.resolve('dist', 'cli.js')], {env, cwd: work}).then(
			({stdout, stderr}) => ({code: 0, stdout, stderr}),
			(error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
		);
		expect(oneCleanLine(result)).toBe('eval752: The disk is full — free some space or choose another directory, then run it again');
	});
});

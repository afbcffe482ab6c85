import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {DataPaths} from '../source/config/paths.js';
import {KeyRing} from '../source/crypto/index.js';
import {openServer} from '../source/db/connect.js';
import {openEmbedded} from '../source/db/embedded.js';
import {migrate, readMigrations} from '../source/db/migrate.js';
import {verifyAuditChain} from '../source/services/audit-chain.js';
import {BACKUP_TABLES, tableCounts} from '../source/db/repositories/backup.js';
import {allSecretRows} from '../source/db/repositories/key-secrets.js';
import type {Database} from '../source/db/types.js';
import {checkKey} from '../source/services/canary.js';
import {mutate, type ServiceContext} from '../source/services/context.js';
import {openSecret} from '../source/services/key-store.js';
import {unsealedLines, writeSealed} from './support/backup-seal.js';
import {runCli} from './support/cli.js';
import {databaseKind, freshDatabase, freshEmbeddedDir, testServerUrl} from './support/db.js';
import {addProvider, commandEnv, ensureEmbeddedTemplate, newKey, storeKey, tempDir} from './secrets-fixtures.js';

/**
 * The move from the embedded default to a shared PostgreSQL: seed an embedded database, back it
 * up with the real command, restore it with the real command into a new database (a real server
 * whenever one answers on this machine, and a new embedded directory), then prove from the
 * target's own rows that every key decrypts and the audit chain verifies. Every refusal must
 * leave the target empty.
 */

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/test';
const KEY = newKey();
const RING = KeyRing.from(KEY);

let work: string;
let source: DataPaths;
let backupFile: string;
let secrets: Map<string, string>;
/** Every table of the source as postgres.js reads it, in key order. */
let sourceRows: Record<string, unknown[]>;
const serverDatabases: string[] = [];
const embeddedDirs: string[] = [];

/** A server to restore into: TEST_DATABASE_URL, else the local one when it answers within 2 s. */
async function findServer(): Promise<string | undefined> {
	if (testServerUrl) return testServerUrl;
	const probe = postgres(LOCAL_SERVER, {max: 1, connect_timeout: 2, onnotice: () => undefined});
	try {
		await probe`select 1`;
		return LOCAL_SERVER;
	} catch {
		return undefined;
	} finally {
		await probe.end({timeout: 1}).catch(() => undefined);
	}
}

/** Decided once, so the test names say which targets really ran. */
const adminUrl = await findServer();
const targetNames = adminUrl ? 'a real PostgreSQL database and an embedded one' : 'an embedded database (no PostgreSQL server answers)';

async function newServerDatabase(): Promise<string> {
	const admin = postgres(adminUrl!, {max: 1, onnotice: () => undefined});
	const name = `eval752_t_${randomBytes(6).toString('hex')}`;
	try {
		await admin.unsafe(`create database ${name}`);
	} finally {
		await admin.end({timeout: 5});
	}
	serverDatabases.push(name);
	const url = new URL(adminUrl!);
	url.pathname = `/${name}`;
	return url.toString();
}

function newEmbeddedDir(): DataPaths {
	const paths = freshEmbeddedDir();
	embeddedDirs.push(paths.dataDir);
	return paths;
}

async function dump(db: Database): Promise<Record<string, unknown[]>> {
	const out: Record<string, unknown[]> = {};
	for (const {name, key} of BACKUP_TABLES) out[name] = [...(await db.sql`select * from ${db.sql(name)} order by ${db.sql(key)}`)];
	return out;
}

/** A target as the restore command sees it: the environment that selects it, and how the test opens it afterwards. */
interface Target {
	readonly label: string;
	readonly env: NodeJS.ProcessEnv;
	open(): Promise<Database>;
}

async function serverTarget(): Promise<Target> {
	const url = await newServerDatabase();
	return {label: 'real PostgreSQL', env: {DATABASE_URL: url}, open: () => openServer(url)};
}

function embeddedTarget(): Target {
	const paths = newEmbeddedDir();
	return {label: 'embedded', env: {EVAL752_DATA_DIR: paths.dataDir}, open: () => openEmbedded(paths)};
}

/** Where the refusal tests restore: the database kind this run is about. */
async function runTarget(): Promise<Target> {
	return databaseKind === 'server' ? serverTarget() : embeddedTarget();
}

function env(target: Target, key: Buffer = KEY): NodeJS.ProcessEnv {
	return commandEnv(work, {current: key}, target.env);
}

async function countsOf(target: Target): Promise<Record<string, number>> {
	const db = await target.open();
	try {
		return await tableCounts(db.sql);
	} finally {
		await db.close();
	}
}

const EMPTY = Object.fromEntries(BACKUP_TABLES.map(({name}) => [name, 0]));

async function seed(ctx: ServiceContext): Promise<Map<string, string>> {
	const stored = new Map<string, string>();
	const openai = await addProvider(ctx, 'OpenAI main');
	const together = await addProvider(ctx, 'together');
	for (const [provider, secret] of [
		[openai, `sk-proj-${randomBytes(24).toString('base64url')}`],
		[openai, `sk-proj-${randomBytes(24).toString('base64url')}`],
		[together, `tgp_v1_${randomBytes(20).toString('hex')}`],
	] as const) {
		stored.set(await storeKey(ctx, provider, secret), secret);
	}
	const [keyRow] = stored.keys();
	await mutate(ctx, async (tx) => {
		await tx`insert into models (provider_id, model_name, display_label, alias) values (${openai}, 'gpt-4o-mini', 'GPT-4o mini', 'fast'), (${together}, 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'Llama 3.3 70B', 'fast')`;
		await tx`insert into settings (key, value) values ('smoke_prompt', ${tx.json('Say hi in five words — ünïcödé')}), ('timeout_ms', ${tx.json(30000)})`;
		await tx`
			insert into smoke_runs (provider_id, provider_name, key_row_id, model_name, started_at, finished_at, outcome, ttft_ms, total_ms, output_tokens, tokens_per_s, excerpt, actor)
			values (${openai}, 'OpenAI main', ${keyRow!}, 'gpt-4o-mini', '2026-01-02T03:04:05.123456Z', '2026-01-02T03:04:06.5Z', 'ok', 231, 1377, 12, 8.714596949891067, 'Hello there, how are you', 'alice@ops')`;
		const [run] = await tx<{id: string}[]>`insert into comparison_runs (alias, prompt, started_at, status, actor) values ('fast', 'Compare', now(), 'finished', 'alice@ops') returning id`;
		await tx`
			insert into comparison_results (run_id, provider_id, provider_name, model_name, outcome, error_class, error_message)
			values (${run!.id}, ${together}, 'together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'failed', 'rate_limited', 'HTTP 429: slow down')`;
		return {value: undefined, audit: {action: 'seed.rest', targetType: 'test', targetId: null, details: {note: 'models, settings, runs', nested: {list: [1, 'two', null]}}}, changes: []};
	});
	return stored;
}

beforeAll(async () => {
	work = tempDir('backup');
	backupFile = path.join(work, 'eval752.backup');
	await ensureEmbeddedTemplate();
	source = newEmbeddedDir();
	const db = await openEmbedded(source);
	try {
		await migrate(db.sql);
		const ctx: ServiceContext = {db, actor: 'alice@ops', keys: await checkKey(db.sql, RING), readOnly: false};
		secrets = await seed(ctx);
		sourceRows = await dump(db);
	} finally {
		// The commands below open the source directory themselves, as an operator's would.
		await db.close();
	}
	const made = await runCli(['backup', backupFile], {env: commandEnv(work, {current: KEY}, {EVAL752_DATA_DIR: source.dataDir})});
	expect(made.stderr).toBe('');
	expect(made.code).toBe(0);
});

afterAll(async () => {
	if (adminUrl && serverDatabases.length > 0) {
		const admin = postgres(adminUrl, {max: 1, onnotice: () => undefined});
		for (const name of serverDatabases) await admin.unsafe(`drop database if exists ${name} with (force)`);
		await admin.end({timeout: 5});
	}
	for (const dir of embeddedDirs) fs.rmSync(dir, {recursive: true, force: true});
	fs.rmSync(work, {recursive: true, force: true});
});

describe(`backup and restore (tests on ${databaseKind})`, () => {
	it('writes a 0600 JSON-lines file of every table with ciphertext only, and says the key is not in it', async () => {
		expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);
		expect(fs.existsSync(`${backupFile}.tmp`)).toBe(false);
		const text = fs.readFileSync(backupFile, 'utf8');
		const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
		const header = lines[0]!;
		expect(header).toMatchObject({format: 'eval752-backup', version: 2, source: 'embedded', keyIds: [RING.currentId]});
		expect(header['migrations']).toEqual(readMigrations().map(({name, sha256}) => ({name, sha256})));
		expect(String(header['encryptionKey'])).toContain('not in this file');
		expect(lines.at(-2)).toEqual({end: true, rows: Object.fromEntries(BACKUP_TABLES.map(({name}) => [name, sourceRows[name]!.length]))});
		expect(lines.at(-1)).toEqual({seal: 'hmac-sha256', keyId: RING.currentId, mac: expect.stringMatching(/^[0-9a-f]{64}$/)});
		const keys = lines.filter((line) => line['table'] === 'provider_keys').map((line) => line['row'] as Record<string, string>);
		expect(keys).toHaveLength(3);
		for (const key of keys) {
			expect(key['ciphertext']).toMatch(new RegExp(`^v1:${RING.currentId}:`));
			expect(key['fingerprint']).toMatch(/^\\x[0-9a-f]{64}$/);
		}
		for (const secret of secrets.values()) expect(text).not.toContain(secret);
		expect(text).not.toContain(KEY.toString('hex'));
		expect(text).not.toContain(KEY.toString('base64'));

		const json = await runCli(['backup', path.join(work, 'second.backup'), '--json'], {env: commandEnv(work, {current: KEY}, {EVAL752_DATA_DIR: source.dataDir})});
		expect(json.code).toBe(0);
		expect(JSON.parse(json.stdout)).toMatchObject({encryptionKeyIncluded: false, keyIds: [RING.currentId], rows: {provider_keys: 3, providers: 2}, sealedWith: RING.currentId});
	});

	it('says plainly that the key is not in the backup, and refuses to overwrite a file without --force', async () => {
		const file = path.join(work, 'again.backup');
		const envSource = commandEnv(work, {current: KEY}, {EVAL752_DATA_DIR: source.dataDir});
		const first = await runCli(['backup', file], {env: envSource});
		expect(first.code).toBe(0);
		expect(first.stdout).toContain(`The ENCRYPTION_KEY is not in the backup: restoring it needs the key with key id ${RING.currentId}`);
		fs.writeFileSync(file, 'precious\n');
		const refused = await runCli(['backup', file], {env: envSource});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain(`${file} already exists; the backup was not written — choose another file name, or add --force`);
		expect(fs.readFileSync(file, 'utf8')).toBe('precious\n');
		const forced = await runCli(['backup', file, '--force'], {env: envSource});
		expect(forced.code).toBe(0);
		expect(fs.readFileSync(file, 'utf8')).toMatch(/^\{"format":"eval752-backup"/);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		const usage = await runCli(['backup'], {env: envSource});
		expect(usage.code).toBe(2);
		expect(usage.stderr).toContain('backup: missing the backup file name');
	});

	it(`restores into ${targetNames}: refused with another key, then every key decrypts and the chain verifies`, async () => {
		const targets = [embeddedTarget(), ...(adminUrl ? [await serverTarget()] : [])];
		if (testServerUrl) expect(targets.map((target) => target.label)).toContain('real PostgreSQL');
		for (const target of targets) {
			const other = newKey();
			const wrong = await runCli(['restore', backupFile], {env: env(target, other)});
			expect(wrong.code, target.label).toBe(1);
			expect(wrong.stderr).toContain(`This backup needs key id ${RING.currentId}; set ENCRYPTION_KEY to the key used when it was made (the configured key has key id ${KeyRing.from(other).currentId}); nothing was restored`);
			expect(await countsOf(target)).toEqual(EMPTY);

			const restored = await runCli(['restore', backupFile], {env: env(target)});
			expect(restored.stderr, target.label).not.toContain('eval752:');
			expect(restored.code, target.label).toBe(0);
			expect(restored.stdout).toContain('the audit chain verifies');

			const db = await target.open();
			try {
				const rows = await dump(db);
				for (const {name} of BACKUP_TABLES) {
					if (name === 'audit_log' || name === 'audit_head') continue;
					expect(rows[name], `${target.label} ${name}`).toEqual(sourceRows[name]);
				}
				expect(rows['audit_log']!.slice(0, -1)).toEqual(sourceRows['audit_log']);
				const last = rows['audit_log']!.at(-1) as {action: string; actor: string; details: {rows: Record<string, number>}};
				expect(last).toMatchObject({action: 'backup.restore', actor: 'tester@test'});
				expect(last.details.rows.provider_keys).toBe(3);
				expect(await verifyAuditChain(db.sql, RING)).toMatchObject({ok: true, rows: sourceRows['audit_log']!.length + 1, head: {seq: sourceRows['audit_log']!.length + 1, status: 'ok'}});
				const stored = await allSecretRows(db.sql);
				expect(stored).toHaveLength(secrets.size);
				for (const row of stored) expect(openSecret(RING, row)).toBe(secrets.get(row.id));
				expect((await checkKey(db.sql, RING)).status).toBe('ok');
				expect((await checkKey(db.sql, KeyRing.from(newKey()))).status).toBe('wrong');
			} finally {
				await db.close();
			}

			const doctor = await runCli(['doctor'], {env: env(target)});
			expect(doctor.stdout).toContain('Healthy.');
			expect(doctor.code).toBe(0);

			// Restoring again: the target is no longer empty.
			const before = await countsOf(target);
			const twice = await runCli(['restore', backupFile], {env: env(target)});
			expect(twice.code).toBe(1);
			expect(twice.stderr).toMatch(/is not empty \(2 providers, 3 API keys, 2 models, 2 settings, 1 smoke run, 1 comparison run, 1 comparison result, \d+ audit rows, 1 encryption canary\); restore loads only into an empty database/);
			expect(await countsOf(target)).toEqual(before);
		}
	}, 180_000);

	it('refuses a database that has anything in it, naming what is there', async () => {
		const target = await runTarget();
		const db = await target.open();
		try {
			await migrate(db.sql);
			await db.sql`insert into settings (key, value) values ('smoke_prompt', '"hi"')`;
		} finally {
			await db.close();
		}
		const refused = await runCli(['restore', backupFile], {env: env(target)});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('is not empty (1 setting); restore loads only into an empty database, nothing was restored');
		expect(await countsOf(target)).toEqual({...EMPTY, settings: 1});
	}, 120_000);

	it('refuses a damaged backup — an altered audit row, a cut-short file, another schema, a damaged secret — leaving the target empty', async () => {
		// Opened once and handed to each restore: a dozen opens of an embedded directory are slow on a busy machine.
		const target = await (await runTarget()).open();
		const keyEnv = commandEnv(work, {current: KEY});
		const lines = unsealedLines(fs.readFileSync(backupFile, 'utf8'));
		// Re-sealed with the key after the edit (a damaged database backs up sealed): the checks behind the seal still refuse each one.
		const variant = (name: string, edit: (lines: string[]) => string[]): string => {
			const file = path.join(work, name);
			writeSealed(file, edit([...lines]), KEY);
			return file;
		};
		const auditIndex = lines.findIndex((line) => {
			const parsed = JSON.parse(line) as {table?: string; row?: {seq?: number}};
			return parsed.table === 'audit_log' && parsed.row?.seq === 3;
		});
		expect(auditIndex).toBeGreaterThan(0);
		const tampered = variant('tampered.backup', (copy) => {
			const parsed = JSON.parse(copy[auditIndex]!) as {row: {actor: string}};
			parsed.row.actor = 'mallory@ops';
			copy[auditIndex] = JSON.stringify(parsed);
			return copy;
		});
		const cut = variant('cut.backup', (copy) => copy.slice(0, -1));
		const schema = variant('schema.backup', (copy) => {
			const header = JSON.parse(copy[0]!) as {migrations: {name: string; sha256: string}[]};
			header.migrations.push({name: '00099_future.sql', sha256: '0'.repeat(64)});
			copy[0] = JSON.stringify(header);
			return copy;
		});
		const keyIndex = lines.findIndex((line) => line.startsWith('{"table":"provider_keys"'));
		const damagedKey = variant('damaged-key.backup', (copy) => {
			const parsed = JSON.parse(copy[keyIndex]!) as {row: {id: string; ciphertext: string}};
			const body = parsed.row.ciphertext.split(':')[2]!;
			const flipped = body.slice(0, 20) + (body[20] === 'A' ? 'B' : 'A') + body.slice(21);
			parsed.row.ciphertext = `v1:${RING.currentId}:${flipped}`;
			copy[keyIndex] = JSON.stringify(parsed);
			return copy;
		});
		const damagedId = (JSON.parse(lines[keyIndex]!) as {row: {id: string}}).row.id;

		const unsealedCut = path.join(work, 'unsealed-cut.backup');
		fs.writeFileSync(unsealedCut, fs.readFileSync(backupFile, 'utf8').trimEnd().split('\n').slice(0, -2).join('\n') + '\n');
		const cases: [string, string][] = [
			[tampered, 'The audit chain in this backup breaks at seq 3 (edited: row 3 does not match its MAC: it was altered after it was written); nothing was restored'],
			[unsealedCut, 'has no valid seal at its end: it was cut short, extended or edited after it was written; nothing was restored'],
			[cut, 'it ends before its trailer (the file is cut short); nothing was restored'],
			[schema, 'This backup was made with a different database schema (last migration 00099_future.sql'],
			[damagedKey, `Can't decrypt the secret of row ${damagedId} (key id ${RING.currentId}): the secret in this backup is damaged; nothing was restored`],
			[path.join(work, 'missing.backup'), `${path.join(work, 'missing.backup')} does not exist`],
		];
		try {
			for (const [file, message] of cases) {
				const refused = await runCli(['restore', file], {database: target, env: keyEnv});
				expect(refused.stderr, file).toContain(message);
				expect(refused.code, file).toBe(1);
				expect(await tableCounts(target.sql), file).toEqual(EMPTY);
			}
			// The refusals left nothing behind: the real backup still goes in.
			const restored = await runCli(['restore', backupFile, '--json'], {database: target, env: keyEnv});
			expect(restored.code).toBe(0);
			expect(JSON.parse(restored.stdout)).toMatchObject({keyIds: [RING.currentId], rows: {provider_keys: 3}, auditRows: sourceRows['audit_log']!.length + 1});
			expect((await verifyAuditChain(target.sql, RING)).ok).toBe(true);
		} finally {
			await target.close();
		}
	}, 120_000);

	it('a backup taken mid-rotation needs the previous key too', async () => {
		const dir = newEmbeddedDir();
		const next = newKey();
		const db = await openEmbedded(dir);
		try {
			await migrate(db.sql);
			const oldCtx: ServiceContext = {db, actor: 'alice@ops', keys: await checkKey(db.sql, RING), readOnly: false};
			const provider = await addProvider(oldCtx, 'mid-rotation');
			await storeKey(oldCtx, provider, `sk-old-${randomBytes(16).toString('hex')}`);
			const newCtx: ServiceContext = {...oldCtx, keys: await checkKey(db.sql, KeyRing.from(next, [KEY]))};
			await storeKey(newCtx, provider, `sk-new-${randomBytes(16).toString('hex')}`);
		} finally {
			await db.close();
		}
		const file = path.join(work, 'mid-rotation.backup');
		const made = await runCli(['backup', file], {env: commandEnv(work, {current: next, previous: [KEY]}, {EVAL752_DATA_DIR: dir.dataDir})});
		expect(made.code).toBe(0);
		expect(made.stdout).toMatch(/restoring it needs the keys with key ids [0-9a-f]{16} and [0-9a-f]{16} \(one as ENCRYPTION_KEY, the others in ENCRYPTION_KEY_PREVIOUS/);
		expect(made.stdout).toContain(KeyRing.from(next).currentId);
		expect(made.stdout).toContain(RING.currentId);

		const target = await (await runTarget()).open();
		try {
			const newOnly = await runCli(['restore', file], {database: target, env: commandEnv(work, {current: next})});
			expect(newOnly.code).toBe(1);
			expect(newOnly.stderr).toContain(`This backup needs key id ${RING.currentId} too (1 secret under it); nothing was restored — add that key to ENCRYPTION_KEY_PREVIOUS`);
			expect(await tableCounts(target.sql)).toEqual(EMPTY);
			const both = await runCli(['restore', file], {database: target, env: commandEnv(work, {current: next, previous: [KEY]})});
			expect(both.code).toBe(0);
			expect((await tableCounts(target.sql)).provider_keys).toBe(2);
		} finally {
			await target.close();
		}
	}, 120_000);
});

describe(`backup and restore of large tables (${databaseKind})`, () => {
	it('pages through thousands of rows on backup and inserts them in chunks on restore, losing nothing', async () => {
		const from = await freshDatabase();
		const to = await freshDatabase();
		try {
			await from.db.sql`
				insert into smoke_runs (provider_name, model_name, started_at, outcome, ttft_ms, tokens_per_s, excerpt, actor)
				select 'bulk', 'model-' || n, now() - n * interval '1 second', 'ok', n, n / 7.0, repeat('x', n % 50), 'bulk@test'
				from generate_series(1, 2345) as n`;
			const [provider] = await from.db.sql<{id: string}[]>`insert into providers (name, type, base_url) values ('bulk', 'vllm', 'http://localhost:8000/v1') returning id`;
			await from.db.sql`insert into models (provider_id, model_name, display_label) select ${provider!.id}, 'model-' || n, 'Model ' || n from generate_series(1, 1203) as n`;
			const file = path.join(work, 'large.backup');
			const keyEnv = commandEnv(work, {current: KEY});
			const made = await runCli(['backup', file, '--json'], {database: from.db, env: keyEnv});
			expect(made.code).toBe(0);
			expect(JSON.parse(made.stdout).rows).toMatchObject({smoke_runs: 2345, models: 1203});
			const restored = await runCli(['restore', file], {database: to.db, env: keyEnv});
			expect(restored.stderr).toContain('Loaded smoke_runs: 2345 rows');
			expect(restored.code).toBe(0);
			const source = await dump(from.db);
			const copy = await dump(to.db);
			expect(copy['smoke_runs']).toEqual(source['smoke_runs']);
			expect(copy['models']).toEqual(source['models']);
		} finally {
			await from.drop();
			await to.drop();
		}
	}, 120_000);
});

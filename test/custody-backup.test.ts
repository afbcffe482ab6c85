import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {dataPaths} from '../source/config/paths.js';
import {KeyRing} from '../source/crypto/index.js';
import {openServer} from '../source/db/connect.js';
import {openEmbedded} from '../source/db/embedded.js';
import type {Database} from '../source/db/types.js';
import {UserError} from '../source/errors.js';
import {consume} from '../source/lib/stream.js';
import {checkBackup, openBackup, verifySeal} from '../source/services/backup.js';
import {addKey, setKeyStatus} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider} from '../source/services/providers.js';
import {runSmoke} from '../source/services/smoke.js';
import {runCli} from './support/cli.js';
import {asUnsealedFormat1, unsealedLines, writeSealed} from './support/backup-seal.js';
import {testContext, type TestContext} from './support/context.js';
import {createServerDatabase, databaseKind, dropServerDatabase} from './support/db.js';
import {startMockProvider, type MockProvider} from './support/mock-provider.js';
import {commandEnv, ensureEmbeddedTemplate, tempDir} from './secrets-fixtures.js';

/**
 * RELIABILITY 46 as someone with write access to a backup file plays it: the provider's base URL
 * pointed at their own server (the next probe would carry the key there), a disabled key turned
 * active, a name changed, a failed run made "ok" — or any single byte changed anywhere. The seal
 * (an HMAC of every byte under a subkey of ENCRYPTION_KEY) refuses each before anything is
 * opened or created: the target is left exactly as it was. A backup from before sealing goes in
 * only with --accept-unsealed, which says what is not verified.
 */

let c: TestContext;
let mock: MockProvider;
let work: string;
let backupFile: string;
let pristine: Buffer;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
	await ensureEmbeddedTemplate();
	c = await testContext({actor: 'alice@ops'});
	mock = await startMockProvider({models: ['m-1']});
	work = tempDir('custody-backup');
	const provider = await createProvider(c.ctx, {name: 'groq-prod', type: 'openai', baseUrl: mock.baseUrl, capabilities: ['streaming']});
	await addModel(c.ctx, provider.id, {modelName: 'm-1'});
	const active = await addKey(c.ctx, provider.id, {secret: `sk-seal-${randomBytes(16).toString('hex')}`, label: 'ci'});
	const spare = await addKey(c.ctx, provider.id, {secret: `sk-spare-${randomBytes(16).toString('hex')}`, label: 'spare', priority: 1});
	await setKeyStatus(c.ctx, spare.id, 'disabled');
	// A 401 is not retried: the stored run is a failure.
	mock.script({kind: 'error', status: 401, body: {error: {message: 'bad key', code: 'invalid_api_key'}}});
	await consume(runSmoke(c.ctx, {provider: 'groq-prod', key: active.id, probe: 'chat'}, new AbortController().signal), () => undefined);
	backupFile = path.join(work, 'good.backup');
	const made = await runCli(['backup', backupFile], {database: c.t.db, env: {ENCRYPTION_KEY: c.keyHex}});
	expect(made.code, made.stderr).toBe(0);
	pristine = fs.readFileSync(backupFile);
});

afterAll(async () => {
	for (const step of cleanup.reverse()) await step();
	await mock.close();
	await c.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

interface Target {
	readonly env: NodeJS.ProcessEnv;
	/** The public tables of the target, or null when the embedded directory was never created. */
	tables(): Promise<string[] | null>;
}

async function tablesOf(db: Database): Promise<string[]> {
	const rows = await db.sql<{name: string}[]>`select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`;
	return rows.map((row) => row.name);
}

/** The database this run is about, empty: a new server database, or an embedded directory that does not exist yet. */
async function emptyTarget(): Promise<Target> {
	if (databaseKind === 'server') {
		const url = await createServerDatabase();
		cleanup.push(() => dropServerDatabase(url));
		return {
			env: {DATABASE_URL: url},
			async tables() {
				const db = await openServer(url);
				try {
					return await tablesOf(db);
				} finally {
					await db.close();
				}
			},
		};
	}
	const root = tempDir('seal-target');
	const paths = dataPaths(path.join(root, 'data'));
	cleanup.push(async () => fs.rmSync(root, {recursive: true, force: true}));
	return {
		env: {EVAL752_DATA_DIR: paths.dataDir},
		async tables() {
			if (!fs.existsSync(paths.pgdata)) return null;
			const db = await openEmbedded(paths);
			try {
				return await tablesOf(db);
			} finally {
				await db.close();
			}
		},
	};
}

function env(target: Target): NodeJS.ProcessEnv {
	return commandEnv(work, {current: Buffer.from(c.keyHex, 'hex')}, target.env);
}

/** The good backup with one row of `table` changed by `edit`, written as-is (the seal left as it was). */
function edited(name: string, table: string, edit: (row: Record<string, unknown>) => void): string {
	const lines = pristine.toString('utf8').trimEnd().split('\n');
	const index = lines.findIndex((line) => (JSON.parse(line) as {table?: string}).table === table);
	expect(index, table).toBeGreaterThan(0);
	const parsed = JSON.parse(lines[index]!) as {row: Record<string, unknown>};
	edit(parsed.row);
	lines[index] = JSON.stringify(parsed);
	const file = path.join(work, name);
	fs.writeFileSync(file, lines.join('\n') + '\n', {mode: 0o600});
	return file;
}

describe(`case 46: a backup with any byte changed is refused before anything is written (${databaseKind})`, () => {
	it('case 46: one byte changed anywhere — every byte of the file, seal line included — is refused by the seal', async () => {
		const file = path.join(work, 'flip.backup');
		fs.writeFileSync(file, pristine, {mode: 0o600});
		const fd = fs.openSync(file, 'r+');
		let refused = 0;
		const messages = new Set<string>();
		try {
			for (let offset = 0; offset < pristine.length; offset++) {
				fs.writeSync(fd, Buffer.from([pristine[offset]! ^ 0x01]), 0, 1, offset);
				const error = await checkBackup(file, c.ring).then(
					() => undefined,
					(caught: unknown) => caught,
				);
				fs.writeSync(fd, pristine, offset, 1, offset);
				if (error instanceof UserError) {
					refused++;
					messages.add(error.message.replace(file, 'FILE').replace(/key id [0-9a-f]{16}/g, 'key id X'));
				}
			}
		} finally {
			fs.closeSync(fd);
		}
		expect(refused).toBe(pristine.length);
		expect([...messages].sort()).toEqual([
			'FILE does not match its seal: it was changed after it was written (a base URL, a status, a name — one byte is enough); nothing was restored',
			'FILE has no valid seal at its end: it was cut short, extended or edited after it was written; nothing was restored',
			...(messages.has('This backup needs key id X; set ENCRYPTION_KEY to the key used when it was made (the configured key has key id X); nothing was restored')
				? ['This backup needs key id X; set ENCRYPTION_KEY to the key used when it was made (the configured key has key id X); nothing was restored']
				: []),
		].sort());
		// Put back byte for byte, the file is accepted: the refusals were the edits.
		expect((await checkBackup(file, c.ring)).seal.sealed).toBe(true);
	}, 240_000);

	it('case 46: a base URL, a key status, a name, a run outcome edited — or the file cut, extended, or sealed with another key — is refused by restore; the target is left exactly as it was', async () => {
		const providerUrl = edited('base-url.backup', 'providers', (row) => (row['base_url'] = 'https://collector.evil.example/v1'));
		const keyStatus = edited('status.backup', 'provider_keys', (row) => (row['status'] = row['status'] === 'active' ? 'disabled' : 'active'));
		const name = edited('name.backup', 'providers', (row) => (row['name'] = 'groq-prod2'));
		const outcome = edited('outcome.backup', 'smoke_runs', (row) => {
			expect(row['outcome']).toBe('failed');
			row['outcome'] = 'ok';
			row['error_class'] = null;
		});
		const cut = path.join(work, 'cut.backup');
		fs.writeFileSync(cut, pristine.subarray(0, pristine.length - 10));
		const extended = path.join(work, 'extended.backup');
		fs.writeFileSync(extended, Buffer.concat([pristine, Buffer.from('{"table":"settings","row":{}}\n')]));
		const foreign = path.join(work, 'foreign-seal.backup');
		writeSealed(foreign, unsealedLines(fs.readFileSync(providerUrl, 'utf8')), randomBytes(32));
		const unsealedV2 = path.join(work, 'seal-removed.backup');
		fs.writeFileSync(unsealedV2, unsealedLines(pristine.toString('utf8')).join('\n') + '\n');

		const target = await emptyTarget();
		const before = await target.tables();
		expect(before === null || before.length === 0).toBe(true);
		for (const [file, message] of [
			[providerUrl, 'does not match its seal'],
			[keyStatus, 'does not match its seal'],
			[name, 'does not match its seal'],
			[outcome, 'does not match its seal'],
			[cut, 'has no valid seal at its end'],
			[extended, 'has no valid seal at its end'],
			[foreign, 'This backup needs key id'],
			[unsealedV2, 'has no valid seal at its end'],
		] as const) {
			for (const extra of [[], ['--accept-unsealed']]) {
				const refused = await runCli(['restore', file, ...extra], {env: env(target)});
				expect(refused.code, `${file} ${extra}`).toBe(1);
				expect(refused.stderr, file).toContain(message);
				expect(refused.stderr, file).toContain('nothing was restored');
				expect(refused.stderr).not.toContain('collector.evil.example');
				expect(await target.tables(), file).toEqual(before);
			}
		}
		const restored = await runCli(['restore', backupFile], {env: env(target)});
		expect(restored.code, restored.stderr).toBe(0);
		expect(restored.stdout).toContain('The seal matches every byte');
	}, 240_000);

	it('case 46: a file that changes after its seal was checked is refused where it is read', async () => {
		const file = path.join(work, 'changing.backup');
		fs.writeFileSync(file, pristine, {mode: 0o600});
		const seal = await verifySeal(file, c.ring);
		const index = pristine.indexOf(Buffer.from('"base_url":"'));
		expect(index).toBeGreaterThan(0);
		const changed = Buffer.from(pristine);
		changed[index + 13] = changed[index + 13]! ^ 0x01;
		fs.writeFileSync(file, changed);
		const backup = await openBackup(file, {state: seal, ring: c.ring});
		try {
			await expect((async () => {
				for await (const _ of backup.lines) void _;
			})()).rejects.toThrow('it changed while it was being read (it no longer matches its seal)');
		} finally {
			backup.close();
		}
	});

	it('case 46: a backup from before sealing (format 1) needs --accept-unsealed, which says what is not verified and is audited', async () => {
		const old = path.join(work, 'format-1.backup');
		fs.writeFileSync(old, asUnsealedFormat1(pristine.toString('utf8')), {mode: 0o600});
		const target = await emptyTarget();
		const before = await target.tables();
		const refused = await runCli(['restore', old], {env: env(target)});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('carries no seal (it was written before eval752 sealed its backups)');
		expect(refused.stderr).toContain('restore it with --accept-unsealed');
		expect(await target.tables()).toEqual(before);
		const accepted = await runCli(['restore', old, '--accept-unsealed'], {env: env(target)});
		expect(accepted.code, accepted.stderr).toBe(0);
		expect(accepted.stderr).toContain('warning:');
		expect(accepted.stderr).toContain('nothing proves its providers (base URLs, names, headers), key status, labels and hints, models, settings and run outcomes are as eval752 wrote them; the secrets, the canary and the audit chain are still checked');
		expect(accepted.stdout).toContain('No seal (rows taken unverified)');
		const audit = await runCli(['audit', 'tail', '-n', '1', '--json'], {env: env(target)});
		expect(JSON.parse(audit.stdout)).toEqual([expect.objectContaining({action: 'backup.restore', details: expect.objectContaining({sealed: false})})]);
	}, 240_000);

	it('case 46: writing a backup needs the key that seals it; the seal is the key’s own subkey, not the audit key', async () => {
		const noKey = await runCli(['backup', path.join(work, 'nokey.backup')], {database: c.t.db, env: {}});
		expect(noKey.code).toBe(1);
		expect(noKey.stderr).toContain('ENCRYPTION_KEY is not set; a backup is sealed with a key derived from it');
		expect(fs.existsSync(path.join(work, 'nokey.backup'))).toBe(false);
		const lines = unsealedLines(pristine.toString('utf8'));
		const ring = KeyRing.from(Buffer.from(c.keyHex, 'hex'));
		const mac = (JSON.parse(pristine.toString('utf8').trimEnd().split('\n').at(-1)!) as {mac: string}).mac;
		expect(ring.backupSeal()!.update(lines.join('\n') + '\n').digest('hex')).toBe(mac);
		expect(ring.auditMac(ring.currentId, Buffer.from(lines.join('\n') + '\n'))!.toString('hex')).not.toBe(mac);
	});
});

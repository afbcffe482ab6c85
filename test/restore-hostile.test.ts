import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {dataPaths, type DataPaths} from '../source/config/paths.js';
import {KeyRing} from '../source/crypto/index.js';
import {openServer} from '../source/db/connect.js';
import {openEmbedded} from '../source/db/embedded.js';
import type {Database} from '../source/db/types.js';
import {addKey} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider} from '../source/services/providers.js';
import {rekey} from '../source/services/rekey.js';
import {checkKey} from '../source/services/canary.js';
import {setSetting} from '../source/services/settings.js';
import {runCli} from './support/cli.js';
import {unsealedLines, writeSealed} from './support/backup-seal.js';
import {testContext, type TestContext} from './support/context.js';
import {createServerDatabase, databaseKind, dropServerDatabase, freshEmbeddedDir} from './support/db.js';
import {commandEnv, ensureEmbeddedTemplate, newKey, tempDir} from './secrets-fixtures.js';

/**
 * RELIABILITY 37 and issue 11's "a refused restore migrates nothing": a backup edited to carry
 * rows eval752 would never write is refused whole, naming line, table and row — and the
 * target is left exactly as it was: an empty server database without a single table, an
 * embedded directory that is not even created (or, when it exists, still without tables).
 */

const ESC = '\u001b';
const BEL = '\u0007';

let c: TestContext;
let work: string;
let backupFile: string;
let lines: string[];
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
	await ensureEmbeddedTemplate();
	c = await testContext({actor: 'alice@ops'});
	work = tempDir('restore-hostile');
	const provider = await createProvider(c.ctx, {name: 'groq-prod', type: 'groq', extraHeaders: {'X-Team': 'evals'}, rateLimits: {rpm: 30}});
	await addKey(c.ctx, provider.id, {secret: 'gsk_hostilebackup0123456789abcdefXYZ', label: 'ci'});
	await addModel(c.ctx, provider.id, {modelName: 'llama-3.3-70b-versatile', alias: 'llama-70b'});
	await setSetting(c.ctx, 'smoke_prompt', 'Say pong');
	backupFile = path.join(work, 'good.backup');
	const made = await runCli(['backup', backupFile], {database: c.t.db, env: {ENCRYPTION_KEY: c.keyHex}});
	expect(made.code, made.stderr).toBe(0);
	lines = unsealedLines(fs.readFileSync(backupFile, 'utf8'));
});

afterAll(async () => {
	for (const step of cleanup.reverse()) await step();
	await c.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

/**
 * A copy of the good backup with one row of `table` changed by `edit`, re-sealed with the key (a
 * database that already held the row backs up sealed; an edit without the key never gets past
 * the seal, see custody-backup.test.ts); returns the file and the line number edited.
 */
function edited(name: string, table: string, edit: (row: Record<string, unknown>) => void): {file: string; line: number} {
	const copy = [...lines];
	const index = copy.findIndex((line) => (JSON.parse(line) as {table?: string}).table === table);
	expect(index, table).toBeGreaterThan(0);
	const parsed = JSON.parse(copy[index]!) as {table: string; row: Record<string, unknown>};
	edit(parsed.row);
	copy[index] = JSON.stringify(parsed);
	const file = path.join(work, name);
	writeSealed(file, copy, c.keyHex);
	return {file, line: index + 1};
}

interface Target {
	readonly env: NodeJS.ProcessEnv;
	/** The public tables of the target, or null when the embedded directory was never created. */
	tables(): Promise<string[] | null>;
}

async function tablesOf(db: Database): Promise<string[]> {
	const rows = await db.sql<{name: string}[]>`select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`;
	return rows.map((row) => row.name);
}

async function serverTarget(): Promise<Target> {
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

/** An embedded target: `existing` copies an initdb'd (unmigrated) directory, otherwise the directory does not exist yet. */
function embeddedTarget(existing: boolean): Target {
	const root = existing ? undefined : tempDir('restore-target');
	const paths: DataPaths = root ? dataPaths(path.join(root, 'data')) : freshEmbeddedDir();
	cleanup.push(async () => fs.rmSync(root ?? paths.dataDir, {recursive: true, force: true}));
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

async function targets(): Promise<Array<{label: string; target: Target}>> {
	if (databaseKind === 'server') return [{label: 'empty server database', target: await serverTarget()}];
	return [
		{label: 'new embedded directory', target: embeddedTarget(false)},
		{label: 'empty embedded database', target: embeddedTarget(true)},
	];
}

function env(target: Target): NodeJS.ProcessEnv {
	return commandEnv(work, {current: Buffer.from(c.keyHex, 'hex')}, target.env);
}

describe(`restore refuses a hostile backup whole and leaves the target as it was (${databaseKind})`, () => {
	it('case 37: an escape sequence in a provider name or a file: base URL is refused, naming line, table and row; no table is created', async () => {
		const providerId = (JSON.parse(lines.find((line) => line.includes('"table":"providers"'))!) as {row: {id: string}}).row.id;
		const variants = [
			{edit: edited('title.backup', 'providers', (row) => (row['name'] = `groq${ESC}]0;pwned${BEL}`)), column: 'name', message: /Name can't contain control or escape characters \(found U\+001B\)/},
			{edit: edited('file-url.backup', 'providers', (row) => (row['base_url'] = 'file:///etc/passwd')), column: 'base_url', message: /Base URL must use http:\/\/ or https:\/\/ \(not file\)/},
			{edit: edited('host-less.backup', 'providers', (row) => (row['base_url'] = 'http:///v1')), column: 'base_url', message: /needs a host/},
			{edit: edited('header.backup', 'providers', (row) => (row['extra_headers'] = {Authorization: 'Bearer sk-smuggled'})), column: 'extra_headers', message: /looks like it carries a secret/},
			{edit: edited('setting.backup', 'settings', (row) => (row['key'] = 'colour')), column: 'key', message: /not a setting eval752 knows/},
			{edit: edited('alias.backup', 'models', (row) => (row['alias'] = `llama${ESC}[2J`)), column: 'alias', message: /Alias/},
			{edit: edited('label.backup', 'provider_keys', (row) => (row['label'] = 'ci\u202e')), column: 'label', message: /Label can't contain control or escape characters \(found U\+202E\)/},
			{edit: edited('hint.backup', 'provider_keys', (row) => (row['display_hint'] = 'gsk_hostilebackup0123456789abcdefXYZ')), column: 'display_hint', message: /not a display hint/},
			{edit: edited('audit.backup', 'audit_log', (row) => (row['details'] = {name: `x${ESC}]52;c;aGk=${BEL}`})), column: 'details', message: /control or escape characters/},
			{edit: edited('column.backup', 'providers', (row) => (row['shadow'] = 'x')), column: 'shadow', message: /not a column eval752 has/},
		];
		for (const {label, target} of await targets()) {
			const before = await target.tables();
			for (const {edit, column, message} of variants) {
				const refused = await runCli(['restore', edit.file], {env: env(target)});
				expect(refused.code, `${label} ${edit.file}`).toBe(1);
				expect(refused.stderr).toMatch(new RegExp(`^eval752: Line ${edit.line} of the backup \\([a-z_]+(, (id|seq) [^)]+)?\\) is refused: ${column}: `));
				expect(refused.stderr).toMatch(message);
				expect(refused.stderr).toContain('nothing was restored');
				expect(refused.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
				expect(refused.stderr).not.toContain('sk-smuggled');
				expect(refused.stderr).not.toContain('hostilebackup');
				expect(refused.stdout).toBe('');
				expect(await target.tables(), `${label} after ${edit.file}`).toEqual(before);
			}
			expect(before === null || before.length === 0, label).toBe(true);
			// The first variant names the provider row by its id.
			expect((await runCli(['restore', variants[0]!.edit.file], {env: env(target)})).stderr).toContain(`(providers, id ${providerId})`);
			// And the untouched backup still goes in.
			const restored = await runCli(['restore', backupFile], {env: env(target)});
			expect(restored.code, restored.stderr).toBe(0);
			expect(await target.tables()).toContain('providers');
		}
	}, 240_000);

	it('a refusal found inside the transaction (a broken audit chain) rolls the migration back too: still no tables', async () => {
		const {file} = edited('chain.backup', 'audit_log', (row) => (row['actor'] = 'mallory@ops'));
		for (const {label, target} of await targets()) {
			const refused = await runCli(['restore', file], {env: env(target)});
			expect(refused.code, label).toBe(1);
			expect(refused.stderr).toContain('The audit chain in this backup breaks at seq 1');
			const tables = await target.tables();
			// The file and key passed, so the database was opened (an embedded directory created) — but migrated nothing.
			expect(tables, label).toEqual([]);
		}
	}, 240_000);

	it('the wrong key is refused before anything is opened or created', async () => {
		for (const {label, target} of await targets()) {
			const before = await target.tables();
			const refused = await runCli(['restore', backupFile], {env: commandEnv(work, {current: newKey()}, target.env)});
			expect(refused.code, label).toBe(1);
			expect(refused.stderr).toContain(`This backup needs key id ${c.ring.currentId}`);
			expect(await target.tables()).toEqual(before);
		}
	}, 240_000);
});

describe(`the backup header lists only the key ids its secrets use (${databaseKind})`, () => {
	it('after a rekey, only the new key’s canary is left and the header lists only its key id', async () => {
		const next = newKey();
		const ctx = {...c.ctx, keys: await checkKey(c.t.db.sql, KeyRing.from(next, [Buffer.from(c.keyHex, 'hex')]))};
		await rekey(ctx);
		const canaries = await c.t.db.sql<{key_id: string}[]>`select key_id from encryption_canary order by key_id`;
		expect(canaries.map((row) => row.key_id)).toEqual([KeyRing.from(next).currentId]);
		const file = path.join(work, 'after-rekey.backup');
		const made = await runCli(['backup', file, '--json'], {database: c.t.db, env: {ENCRYPTION_KEY: next.toString('hex')}});
		expect(made.code, made.stderr).toBe(0);
		expect(JSON.parse(made.stdout).keyIds).toEqual([KeyRing.from(next).currentId]);
		const header = JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]!) as {keyIds: string[]};
		expect(header.keyIds).toEqual([KeyRing.from(next).currentId]);
	});
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {dataPaths} from '../source/config/paths.js';
import {addKey} from '../source/services/keys.js';
import {createProvider} from '../source/services/providers.js';
import {runCli} from './support/cli.js';
import {testContext, type TestContext} from './support/context.js';
import {freshEmbeddedDir} from './support/db.js';

let c: TestContext;
let backup: string;
let work: string;

beforeAll(async () => {
	c = await testContext();
	const provider = await createProvider(c.ctx, {name: 'kept', type: 'groq'});
	await addKey(c.ctx, provider.id, {secret: 'gsk_restorekey0123456789abcdefXYZ', label: 'ci'});
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-restore-key-'));
	backup = path.join(work, 'backup.jsonl');
	const made = await runCli(['backup', backup], {database: c.t.db, env: {ENCRYPTION_KEY: c.keyHex}});
	expect(made.code, made.stderr).toBe(0);
	// One of each, said in the singular.
	expect(made.stdout).toMatch(/^Backup written: .* \(\d+ bytes, \d+ rows: 1 provider, 1 API key, \d+ audit rows\), sealed with key id [0-9a-f]{16}\.\n/);
});
afterAll(async () => {
	await c.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

it('restore into a new embedded directory without ENCRYPTION_KEY is refused and leaves no generated key behind', async () => {
	const target = freshEmbeddedDir();
	try {
		const refused = await runCli(['restore', backup], {env: {EVAL752_DATA_DIR: target.dataDir}});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/ENCRYPTION_KEY is not set/);
		expect(fs.existsSync(dataPaths(target.dataDir).keyFile)).toBe(false);

		const restored = await runCli(['restore', backup], {env: {EVAL752_DATA_DIR: target.dataDir, ENCRYPTION_KEY: c.keyHex}});
		expect(restored.code, restored.stderr).toBe(0);
		expect(restored.stdout).toMatch(/: 1 provider, 1 API key, \d+ audit rows\.\n/);
		expect(restored.stderr).toContain('Loaded providers: 1 row\n');
		const listed = await runCli(['providers', 'list', '--json'], {env: {EVAL752_DATA_DIR: target.dataDir, ENCRYPTION_KEY: c.keyHex}});
		expect((JSON.parse(listed.stdout) as {name: string}[]).map((p) => p.name)).toEqual(['kept']);
	} finally {
		fs.rmSync(target.dataDir, {recursive: true, force: true});
	}
}, 120_000);

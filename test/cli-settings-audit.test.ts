import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {settingDefaults} from '../source/domain/settings.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';

let c: TestContext;
let dir: string;

beforeAll(async () => {
	c = await testContext();
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-cli-settings-'));
});

afterAll(async () => {
	await c.t.drop();
	fs.rmSync(dir, {recursive: true, force: true});
});

function eval752(argv: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
	return runCli(argv, {database: c.t.db, env: {ENCRYPTION_KEY: c.keyHex, EVAL752_LOG_FILE: path.join(dir, 'eval752.log'), ...extraEnv}, cwd: dir});
}

describe(`eval752 settings (${databaseKind})`, () => {
	it('shows every setting with its default, as a table and as JSON', async () => {
		const table = await eval752(['settings', 'get']);
		expect(table.code).toBe(0);
		expect(table.stdout).toMatch(/^KEY\s+VALUE\s+VERSION\s+DESCRIPTION\ntimeout_ms\s+60000\s+default\s+request timeout/);
		expect(table.stdout).toContain('smoke_prompt         "Reply with the single word: pong"');
		expect(JSON.parse((await eval752(['settings', 'get', '--json'])).stdout)).toEqual({values: settingDefaults, versions: {}});
		expect((await eval752(['settings', 'get', 'max_retries'])).stdout).toBe('2\n');
	});

	it('bare `settings` shows them too, like `settings get` (table and --json)', async () => {
		const bare = await eval752(['settings']);
		expect(bare).toMatchObject({code: 0, stderr: ''});
		expect(bare.stdout).toMatch(/^KEY\s+VALUE\s+VERSION\s+DESCRIPTION\ntimeout_ms\s+/);
		expect(bare.stdout).toBe((await eval752(['settings', 'get'])).stdout);
		expect(JSON.parse((await eval752(['settings', '--json'])).stdout)).toEqual(JSON.parse((await eval752(['settings', 'get', '--json'])).stdout));
	});

	it('sets a value from the command line, coerced and bounded', async () => {
		expect(await eval752(['settings', 'set', 'timeout_ms', '30000'])).toMatchObject({code: 0, stdout: 'Setting timeout_ms set to 30000\n'});
		expect(JSON.parse((await eval752(['settings', 'get', 'timeout_ms', '--json'])).stdout)).toEqual({key: 'timeout_ms', value: 30000, version: 1, default: 60000, description: expect.any(String)});
		expect(await eval752(['settings', 'set', 'smoke_prompt', 'Say hi.'])).toMatchObject({code: 0, stdout: 'Setting smoke_prompt set to "Say hi."\n'});
		const before = await rowCounts(c.ctx);
		expect(await eval752(['settings', 'set', 'timeout_ms', '5'])).toMatchObject({code: 2, stderr: 'eval752: timeout_ms: timeout_ms must be a whole number from 1000 to 600000\n'});
		expect(await eval752(['settings', 'set', 'temperature', 'hot'])).toMatchObject({code: 2, stderr: 'eval752: temperature: temperature must be a number from 0 to 2\n'});
		expect((await eval752(['settings', 'set', 'colour', 'blue'])).stderr).toMatch(/^eval752: key: Unknown setting "colour" — known settings: timeout_ms/);
		expect((await eval752(['settings', 'get', 'colour'])).code).toBe(2);
		expect((await eval752(['settings', 'set', 'timeout_ms', '40000', '--expect-version', '0'])).stderr).toMatch(
			/^eval752: Setting timeout_ms was changed by tester@test \d+ s ago: value — nothing was saved; review their values, then save yours over theirs \(headless: run it again with --expect-version 1\)\n$/,
		);
		expect((await eval752(['settings', 'set', 'timeout_ms'])).code).toBe(2);
		expect((await eval752(['settings', 'frob'])).code).toBe(2);
		expect(await rowCounts(c.ctx)).toEqual(before);
	});
});

describe(`eval752 audit (${databaseKind})`, () => {
	it('tails the log as a table and as documented JSON, and verifies it', async () => {
		await eval752(['providers', 'add', '--name', 'groq', '--type', 'groq']);
		const table = await eval752(['audit', 'tail', '-n', '2']);
		expect(table.code).toBe(0);
		const lines = table.stdout.trimEnd().split('\n');
		expect(lines).toHaveLength(3);
		expect(lines[0]).toMatch(/^SEQ\s+AT\s+ACTOR\s+ACTION\s+TARGET\s+DETAILS$/);
		expect(lines[2]).toMatch(/^\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+tester@test\s+provider\.create\s+provider [0-9a-f]{8}\s+\{"after"/);
		const rows = JSON.parse((await eval752(['audit', 'tail', '--json'])).stdout) as Record<string, unknown>[];
		expect(rows.at(-1)).toMatchObject({
			action: 'provider.create',
			actor: 'tester@test',
			targetType: 'provider',
			keyId: c.ring.currentId,
			prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
			rowHash: expect.stringMatching(/^[0-9a-f]{64}$/),
		});
		expect(rows.map((row) => row['seq'])).toEqual(rows.map((_, i) => i + 1));
		const text = await eval752(['audit', 'verify']);
		expect(text.code).toBe(0);
		expect(text.stdout.split('\n')).toEqual([
			`Audit chain intact: ${rows.length} rows verified`,
			`  seq 1–${rows.length}: signed by key id ${c.ring.currentId}, MACs verified`,
			expect.stringMatching(new RegExp(`^  head: seq ${rows.length}, ${rows.length} rows, hash [0-9a-f]{16}…, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ; signed by key id ${c.ring.currentId}, in step with the rows$`)),
			'',
		]);
		const json = JSON.parse((await eval752(['audit', 'verify', '--json'])).stdout) as Record<string, unknown>;
		expect(json).toEqual({
			ok: true,
			rows: rows.length,
			lastSeq: rows.length,
			chain: String(rows[0]!['rowHash']).slice(0, 16),
			macs: 'checked',
			unkeyedRows: 0,
			keyedFrom: 1,
			segments: [{from: 1, to: rows.length, keyId: c.ring.currentId, status: 'verified'}],
			checkpoints: [],
			head: {seq: rows.length, rows: rows.length, hash: rows.at(-1)!['rowHash'], at: rows.at(-1)!['at'], keyedFrom: 1, keyId: c.ring.currentId, status: 'ok'},
			anchors: [],
			brokenSeq: null,
			kind: null,
			reason: null,
		});
		expect((await eval752(['audit', 'tail', '-n', '0'])).code).toBe(2);
		expect((await eval752(['audit', 'tail', '-n', 'ten'])).code).toBe(2);
	});
});

describe(`eval752 import-env (${databaseKind})`, () => {
	it('a dry run prints masks only and changes nothing; a real run imports', async () => {
		const key = 'sk-proj-importme0123456789abcdefWXYZ';
		const before = await rowCounts(c.ctx);
		const dry = await eval752(['import-env', '--dry-run'], {OPENAI_API_KEY: key});
		expect(dry.code).toBe(0);
		expect(dry.stdout).toBe(
			'create-provider  openai (openai) at https://api.openai.com/v1\n' +
				'                 from OPENAI_API_KEY\n' +
				'add-key          openai (openai) at https://api.openai.com/v1\n' +
				'                 key sk-proj-…WXYZ · from OPENAI_API_KEY\n' +
				'Dry run: nothing was changed.\n',
		);
		expect(dry.stdout).not.toContain('importme');
		expect(await rowCounts(c.ctx)).toEqual(before);
		const real = await eval752(['import-env', '--json'], {OPENAI_API_KEY: key});
		expect(JSON.parse(real.stdout)).toEqual({dryRun: false, actions: [expect.objectContaining({action: 'create-provider'}), expect.objectContaining({action: 'add-key', keyHint: 'sk-proj-…WXYZ'})]});
		expect((await rowCounts(c.ctx))['provider_keys']).toBe(before['provider_keys']! + 1);
		expect((await eval752(['import-env'], {})).stdout).toBe('Nothing to import: none of the usual API key variables is set\n');
	});
});

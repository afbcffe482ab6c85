import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {databaseKind, freshDatabase, type TestDatabase} from './support/db.js';

/** A reader that stops early (`| head`) closes the pipe: the command stops writing, without a stack trace. */
let t: TestDatabase;
let work: string;
const env: NodeJS.ProcessEnv = {PATH: process.env['PATH'], ENCRYPTION_KEY: 'a'.repeat(64), EVAL752_ACTOR: 'tester@test'};

beforeAll(async () => {
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-pipe-'));
	env['HOME'] = work;
	env['EVAL752_LOG_FILE'] = path.join(work, 'eval752.log');
	t = await freshDatabase();
	// Far more output than a pipe holds (64 KiB), so writes are still pending when the reader leaves.
	await t.db.sql`insert into providers (name, type, base_url, capabilities)
		select 'pipe-' || lpad(i::text, 4, '0'), 'openai-compatible', 'http://127.0.0.1:9/v1', '{streaming}' from generate_series(1, 400) as i`;
	if (t.url) env['DATABASE_URL'] = t.url;
	else {
		await t.close();
		env['DATABASE_URL'] = '';
		env['EVAL752_DATA_DIR'] = t.paths!.dataDir;
	}
});
afterAll(async () => {
	await t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

describe(`output into a pipe the reader closes (${databaseKind})`, () => {
	for (const args of [
		['status', '--json'],
		['providers', 'list', '--json'],
	]) {
		it(`eval752 ${args.join(' ')} | head -c 20: the first bytes, no EPIPE, no stack trace`, async () => {
			const script = `"$1" "$2" ${args.join(' ')} 2>"$3" | head -c 20`;
			const errFile = path.join(work, `err-${args[0]}`);
			const {stdout} = await promisify(execFile)('bash', ['-c', script, 'bash', process.execPath, path.resolve('dist', 'cli.js'), errFile], {env, cwd: work}).catch((error: {stdout: string}) => ({stdout: error.stdout}));
			expect(stdout.startsWith('{') || stdout.startsWith('[')).toBe(true);
			const stderr = fs.readFileSync(errFile, 'utf8');
			expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
		});
	}
});

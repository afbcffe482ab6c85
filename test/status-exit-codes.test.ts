import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {exitCodeTable} from '../source/services/check-outcome.js';
import {createServerDatabase, dropServerDatabase, freshEmbeddedDir, testServerUrl} from './support/db.js';
import {startMockProvider, type MockProvider} from './support/mock-provider.js';
import {ensureEmbeddedTemplate, tempDir} from './secrets-fixtures.js';

/**
 * What on-call's script sees: `eval752 status; echo $?` with the built binary against a healthy
 * set, an unreachable database, a locked embedded directory (its holder shares nothing) and a
 * wrong ENCRYPTION_KEY — four different, documented codes. The healthy and wrong-key cases run
 * on the test database (embedded, or the real server when TEST_DATABASE_URL is set).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const key = randomBytes(32).toString('hex');
let work: string;
let mock: MockProvider;
let base: NodeJS.ProcessEnv;
let serverUrl: string | undefined;

/** `sh -c 'eval752 …; echo $?'`: the last line is the exit code as the shell saw it. */
async function shell(args: string, env: NodeJS.ProcessEnv, stdin = ''): Promise<{code: number; stdout: string; stderr: string}> {
	// Asynchronous: the mock provider answers from this process's event loop.
	const child = spawn('sh', ['-c', `"${process.execPath}" "${cli}" ${args}; echo "exit=$?"`], {env});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	child.stdin.end(stdin);
	await new Promise((resolve) => child.once('close', resolve));
	const match = /exit=(\d+)\n$/.exec(stdout);
	return {code: Number(match![1]), stdout: stdout.slice(0, match!.index), stderr};
}

function expectExit(result: {code: number; stderr: string}, code: number): void {
	expect(result.code, result.stderr).toBe(code);
}

beforeAll(async () => {
	work = tempDir('exit-codes');
	mock = await startMockProvider();
	base = {PATH: process.env['PATH'], HOME: work, EVAL752_LOG_FILE: path.join(work, 'eval752.log'), EVAL752_ACTOR: 'oncall@test', ENCRYPTION_KEY: key};
	if (testServerUrl) {
		serverUrl = await createServerDatabase();
		base = {...base, DATABASE_URL: serverUrl};
		expectExit(await shell('migrate', base), 0);
	} else {
		await ensureEmbeddedTemplate();
		base = {...base, EVAL752_DATA_DIR: freshEmbeddedDir().dataDir};
	}
}, 120_000);

afterAll(async () => {
	await mock?.close();
	if (serverUrl) await dropServerDatabase(serverUrl);
	if (base?.['EVAL752_DATA_DIR']) fs.rmSync(base['EVAL752_DATA_DIR'], {recursive: true, force: true});
	fs.rmSync(work, {recursive: true, force: true});
});

describe('eval752 status; echo $?', () => {
	it('healthy 0, wrong key 6, unreachable 5, locked 7: four different codes, each in the documented table', async () => {
		expectExit(await shell(`providers add --name oncall --type openai --base-url ${mock.baseUrl}`, base), 0);
		expectExit(await shell('keys add oncall --label ci --from-stdin', base, 'sk-oncall-0123456789abcdef\n'), 0);
		expectExit(await shell('models add oncall --model mock-small', base), 0);
		expectExit(await shell('probe --all --kind models', base), 0);

		const healthy = (await shell('status', base)).code;
		const wrongKey = (await shell('status', {...base, ENCRYPTION_KEY: randomBytes(32).toString('hex')})).code;
		const unreachable = (await shell('status', {...base, DATABASE_URL: 'postgres://eval752@127.0.0.1:1/nowhere'})).code;

		const locked = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-locked-'));
		const holder = spawn('sleep', ['60']);
		let busy: number;
		try {
			const lock = path.join(locked, 'pgdata.lock');
			fs.mkdirSync(lock, {mode: 0o700});
			const owner = path.join(lock, `owner-${holder.pid}-fedcba9876543210`);
			fs.writeFileSync(owner, `${holder.pid}\n${os.hostname()}\n`, {mode: 0o600});
			const then = new Date(Date.now() - 10 * 60_000);
			fs.utimesSync(owner, then, then);
			busy = (await shell('status', {...base, DATABASE_URL: '', EVAL752_DATA_DIR: locked})).code;
		} finally {
			holder.kill();
			fs.rmSync(locked, {recursive: true, force: true});
		}

		expect({healthy, wrongKey, unreachable, busy}).toEqual({healthy: 0, wrongKey: 6, unreachable: 5, busy: 7});
		const documented = new Map(exitCodeTable.map((row) => [row.code, row.state]));
		expect([healthy, wrongKey, unreachable, busy].map((code) => documented.get(code))).toEqual(['healthy', 'wrong-key', 'unchecked', 'unchecked (busy)']);
		const help = (await shell('status --help', base)).stdout;
		for (const row of exitCodeTable) expect(help).toContain(`  ${row.code}  ${row.state}`);
		const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
		for (const row of exitCodeTable) expect(readme).toContain(`| ${row.code} | ${row.state} |`);
	}, 120_000);
});

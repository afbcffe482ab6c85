import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {dataPaths} from '../../source/config/paths.js';
import {freshEmbeddedDir} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {openTerminal, type Terminal} from '../support/tmux.js';
import {ensureEmbeddedTemplate} from '../secrets-fixtures.js';

/**
 * The on-call engineer's two tmux panes: the dashboard open on the embedded default in one, and
 * `eval752 status`, `probe --all` and `providers add` in the other. The commands reach the
 * database through the dashboard's socket, and what they change appears on the dashboard by
 * itself (live refresh across processes), within two seconds. Embedded whatever
 * TEST_DATABASE_URL says: the embedded database's single holder is what this is about.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

let mock: MockProvider;
let dataDir: string;
let term: Terminal | undefined;

/** The second pane: the built eval752 in its own process. */
function eval752(args: readonly string[], stdin = ''): Promise<{code: number; stdout: string; stderr: string; exitedAt: number}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cli, ...args], {env: {PATH: process.env['PATH'], HOME: dataDir, EVAL752_DATA_DIR: dataDir, EVAL752_ACTOR: 'oncall@second-pane'}});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.once('error', reject);
		child.once('close', (code) => resolve({code: code ?? -1, stdout, stderr, exitedAt: Date.now()}));
		child.stdin.end(stdin);
	});
}

beforeAll(async () => {
	await ensureEmbeddedTemplate();
	mock = await startMockProvider({models: ['shared-model']});
	dataDir = freshEmbeddedDir().dataDir;
}, 120_000);

afterAll(async () => {
	term?.kill();
	await mock.close();
	fs.rmSync(dataDir, {recursive: true, force: true, maxRetries: 10, retryDelay: 200});
});

describe('a second terminal while the dashboard holds the embedded database', () => {
	it('status --json, providers add, keys add, probe --all succeed, and the dashboard shows each change within 2 s', async () => {
		term = openTerminal(`${process.execPath} ${cli}; echo "EXITED $?"; sleep 60`, {env: {EVAL752_DATA_DIR: dataDir, EVAL752_ACTOR: 'dash@first-pane', TERM: 'xterm-256color'}});
		await term.waitFor('No providers yet.', 60_000);
		const socket = fs.lstatSync(dataPaths(dataDir).socket);
		expect(socket.isSocket() && (socket.mode & 0o777) === 0o600).toBe(true);

		const empty = await eval752(['status', '--json']);
		expect(empty.stderr).toBe('');
		expect(empty.code).toBe(0);
		expect(JSON.parse(empty.stdout)).toMatchObject({state: 'healthy', providers: []});

		const added = await eval752(['providers', 'add', '--name', 'second-pane', '--type', 'openai-compatible', '--base-url', mock.baseUrl]);
		expect(added.stderr).toBe('');
		expect(added.code).toBe(0);
		await term.waitFor(/second-pane\s+openai-compatible\s+on\s+0\/0/, 2000);
		console.info(`the dashboard showed the new provider ${Date.now() - added.exitedAt} ms after providers add exited`);

		expect((await eval752(['keys', 'add', 'second-pane', '--label', 'ci', '--from-stdin'], 'sk-second-pane-0123456789abcdef\n')).code).toBe(0);
		await term.waitFor(/second-pane\s+openai-compatible\s+on\s+1\/1/, 2000);
		expect((await eval752(['models', 'add', 'second-pane', '--model', 'shared-model'])).code).toBe(0);

		const probed = await eval752(['probe', '--all']);
		expect(probed.stderr).toBe('');
		expect(probed.code).toBe(0);
		await term.waitFor(/second-pane\s+openai-compatible\s+on\s+1\/1\s+✓ healthy/, 2000);

		const status = await eval752(['status', '--json']);
		expect(status.code).toBe(0);
		expect(JSON.parse(status.stdout)).toMatchObject({state: 'healthy', exitCode: 0, providers: [{name: 'second-pane', health: 'healthy'}]});

		// The dashboard itself still works, and leaves with the terminal given back.
		await term.send(['q']);
		await term.waitFor('EXITED 0', 30_000);
		// Gone: the next command opens the directory itself.
		const after = await eval752(['providers', 'list', '--json']);
		expect(after.code).toBe(0);
		expect(JSON.parse(after.stdout)).toMatchObject([{name: 'second-pane'}]);
	}, 180_000);
});

import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {exposure} from '../source/harden.js';
import {freshEmbeddedDir} from './support/db.js';
import type {DataPaths} from '../source/config/paths.js';

/**
 * RELIABILITY 45 as another process on the machine plays it: SIGUSR1 to a running eval752 (Node
 * opens its inspector on loopback for that signal, unauthenticated) must open nothing, and a
 * process started with a flag that exposes its memory must refuse to run. The built binary, as
 * operators run it.
 *
 * The inspector's port is pinned with --inspect-port (a free port of this test's own) so that
 * "nothing listens" is about this process and no other on the machine; a control proves the same
 * signal does open that port in a plain Node process.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');

let paths: DataPaths;
const started: ChildProcess[] = [];

beforeAll(() => {
	paths = freshEmbeddedDir();
});

afterAll(() => {
	for (const child of started) child.kill('SIGKILL');
	fs.rmSync(paths.dataDir, {recursive: true, force: true});
});

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({host: '127.0.0.1', port});
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Polls until `check` is true or `ms` passed; the last answer. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
	const until = Date.now() + ms;
	for (;;) {
		if (await check()) return true;
		if (Date.now() > until) return false;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Starts a process and resolves once it has written to stdout (it is running its own code). */
function startUntilOutput(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{child: ChildProcess; stderr: () => string}> {
	const child = spawn(process.execPath, args, {env, cwd: root, stdio: ['ignore', 'pipe', 'pipe']});
	started.push(child);
	let stderr = '';
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	return new Promise((resolve, reject) => {
		child.stdout!.once('data', () => resolve({child, stderr: () => stderr}));
		child.once('exit', (code) => reject(new Error(`exited ${code} before any output: ${stderr}`)));
	});
}

describe('case 45: no signal or flag opens this process to another one', () => {
	it('case 45 (control): SIGUSR1 opens the inspector of a plain Node process on its port', async () => {
		const port = await freePort();
		const {child} = await startUntilOutput([`--inspect-port=127.0.0.1:${port}`, '-e', 'console.log("ready"); setInterval(() => {}, 1000)'], {PATH: process.env['PATH']});
		expect(await listening(port)).toBe(false);
		child.kill('SIGUSR1');
		expect(await within(5000, () => listening(port))).toBe(true);
		child.kill('SIGKILL');
	});

	it('case 45: SIGUSR1 to a running `eval752 watch` opens nothing; the process keeps running and logs the attempt', async () => {
		const port = await freePort();
		const log = path.join(paths.dataDir, 'eval752.log');
		const {child, stderr} = await startUntilOutput([`--inspect-port=127.0.0.1:${port}`, cli, 'watch', '--every', '1h'], {
			PATH: process.env['PATH'],
			HOME: paths.dataDir,
			EVAL752_DATA_DIR: paths.dataDir,
			ENCRYPTION_KEY: randomBytes(32).toString('hex'),
		});
		child.kill('SIGUSR1');
		// Long enough for the control's inspector to have opened several times over.
		expect(await within(2500, () => listening(port))).toBe(false);
		expect(child.exitCode).toBeNull();
		expect(stderr()).not.toMatch(/Debugger listening/);
		expect(await within(2000, async () => fs.existsSync(log) && /SIGUSR1 ignored/.test(fs.readFileSync(log, 'utf8')))).toBe(true);
		// Again, now that the first is long handled: still nothing.
		child.kill('SIGUSR1');
		expect(await within(1500, () => listening(port))).toBe(false);
		const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
	});

	it('case 45: started with the inspector open (NODE_OPTIONS=--inspect) or a heap-snapshot signal, eval752 refuses to run', async () => {
		const run = async (args: string[], env: NodeJS.ProcessEnv) =>
			promisify(execFile)(process.execPath, args, {env: {PATH: process.env['PATH'], HOME: paths.dataDir, ...env}}).then(
				(result) => ({code: 0, ...result}),
				(error: {code: number; stdout: string; stderr: string}) => error,
			);
		const inspect = await run([cli, '--version'], {NODE_OPTIONS: '--inspect=127.0.0.1:0'});
		expect(inspect.code).toBe(2);
		expect(inspect.stderr).toContain("eval752: Node's inspector is open in this process");
		expect(inspect.stdout).toBe('');
		const snapshot = await run(['--heapsnapshot-signal=SIGUSR2', cli, '--version'], {});
		expect(snapshot.code).toBe(2);
		expect(snapshot.stderr).toContain('eval752: --heapsnapshot-signal (in the node command line) would let others read this process');
		const plain = await run([cli, '--version'], {});
		expect(plain).toMatchObject({code: 0, stderr: ''});
	});

	it('case 45: the rule itself — what exposes memory and what does not', () => {
		expect(exposure([], '', undefined)).toBeUndefined();
		expect(exposure(['--inspect-port=9330'], '--max-old-space-size=512', undefined)).toBeUndefined();
		expect(exposure(['--inspect-brk'], '', undefined)).toMatch(/^--inspect-brk \(in the node command line\)/);
		expect(exposure([], '--inspect-wait=0', undefined)).toMatch(/^--inspect-wait \(in NODE_OPTIONS\)/);
		expect(exposure([], '', 'ws://127.0.0.1:9229/x')).toMatch(/inspector is open/);
	});
});

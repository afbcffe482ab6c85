import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pty from '@lydell/node-pty';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli} from '../support/tmux-bursts.js';

/**
 * RELIABILITY case 23: every way out gives the terminal back — also while the database is still
 * opening. The dashboard runs in a real pseudo-terminal under a shell that records `stty -g`
 * before and after; the database is a local server that accepts connections and never answers,
 * so the signal always lands while eval752 is still opening it.
 */
let silent: net.Server;
let port = 0;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
	silent = net.createServer((socket) => {
		// Accept, read, never answer.
		sockets.add(socket);
		socket.on('data', () => undefined);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
	port = (silent.address() as net.AddressInfo).port;
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.destroy();
	await new Promise((resolve) => silent.close(resolve));
});

function waitFor(read: () => string, match: RegExp, ms: number): Promise<string> {
	const deadline = Date.now() + ms;
	return new Promise((resolve, reject) => {
		const poll = () => {
			const text = read();
			if (match.test(text)) return resolve(text);
			if (Date.now() > deadline) return reject(new Error(`never saw ${String(match)} in:\n${text.slice(-2000)}`));
			setTimeout(poll, 25);
		};
		poll();
	});
}

describe('case 23: a signal while the database is opening leaves the terminal as it was', () => {
	for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
		it(`case 23: ${signal} while opening: stty unchanged, normal screen, cursor shown, bracketed paste off`, async () => {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-stty-'));
			const before = path.join(dir, 'before');
			const after = path.join(dir, 'after');
			const script = `stty -g > ${before}; ${process.execPath} ${cli}; echo "EXITED $?"; stty -g > ${after}; echo DONE`;
			const term = pty.spawn('/bin/sh', ['-c', script], {
				name: 'xterm-256color',
				cols: 80,
				rows: 24,
				env: {...process.env, DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/never`, ENCRYPTION_KEY: 'ab'.repeat(32), EVAL752_DATA_DIR: dir, CI: ''},
			});
			let output = '';
			term.onData((data) => (output += data));
			try {
				await waitFor(() => output, /Opening the database/, 30_000);
				// The dashboard is in raw mode with the alternate screen up, waiting for the server.
				const pid = Number(execFileSync('pgrep', ['-P', String(term.pid), '-f', 'cli.js'], {encoding: 'utf8'}).trim().split('\n')[0]);
				process.kill(pid, signal);
				await waitFor(() => output, /DONE/, 30_000);
				const code = {SIGTERM: 143, SIGHUP: 129, SIGINT: 130}[signal];
				expect(output).toContain(`EXITED ${code}`);
				expect(fs.readFileSync(after, 'utf8')).toBe(fs.readFileSync(before, 'utf8'));
				const tail = output.slice(output.indexOf('Opening the database'));
				expect(tail).toContain('\u001B[?1049l');
				expect(tail).toContain('\u001B[?25h');
				expect(tail).toContain('\u001B[?2004l');
			} finally {
				term.kill();
				fs.rmSync(dir, {recursive: true, force: true});
			}
		}, 90_000);
	}
});

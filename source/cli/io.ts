import type {Database} from '../services/context.js';
import {stripTerminalControls} from '../lib/sanitize.js';

export interface Output {
	write(chunk: string): unknown;
	readonly isTTY?: boolean;
	readonly columns?: number;
}

export interface Input extends NodeJS.ReadableStream {
	readonly isTTY?: boolean;
	setRawMode?(mode: boolean): unknown;
}

/**
 * Everything a command touches of the outside world, so commands run in-process in tests
 * with captured output and a prepared database.
 */
export interface Io {
	readonly stdout: Output;
	readonly stderr: Output;
	readonly stdin: Input;
	readonly env: NodeJS.ProcessEnv;
	readonly cwd: string;
	/** Tests hand in an open database instead of letting the command open the configured one. */
	readonly database?: Database;
}

export function processIo(): Io {
	return {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd()};
}

/** The stream under a terminal output, kept where only {@link writeControl} looks for it. */
const RAW = Symbol('eval752.raw-output');

interface TerminalOutput extends Output {
	readonly [RAW]: Output;
}

function isTerminalOutput(out: Output): out is TerminalOutput {
	return RAW in out;
}

/**
 * The output boundary of the headless commands. Everything written through it is text and
 * is stripped on the way out (`stripTerminalControls`): ESC, C0/C1 controls other than `\n`
 * and `\t`, CR, backspace and invisible characters never reach the terminal, whatever a
 * stored field, a provider, a model id or an echoed argument held. Our own literals contain
 * only printable text, `\n` and box or tick characters, so for them it changes nothing;
 * streamed model output has already lost its sequences whole (the provider layer's
 * sanitiser), and `--json` documents are escaped before they get here (`terminalJson`): both
 * pass unchanged.
 *
 * A write mixes our words with untrusted values whose edges are unknown here, so control
 * characters are removed one by one and a sequence's payload stays as visible, inert text:
 * a value ending in `ESC ]` cannot swallow the rest of the line or table after it.
 */
export function terminalOutput(raw: Output): Output {
	if (isTerminalOutput(raw)) return raw;
	const out: TerminalOutput = {
		write: (chunk: string) => raw.write(stripTerminalControls(String(chunk))),
		get isTTY() {
			return raw.isTTY;
		},
		get columns() {
			return raw.columns;
		},
		[RAW]: raw,
	};
	return out;
}

/** The same Io with both outputs behind the boundary; `main` hands this to every command. */
export function terminalIo(io: Io): Io {
	return {...io, stdout: terminalOutput(io.stdout), stderr: terminalOutput(io.stderr)};
}

/**
 * The one way a command writes terminal control sequences of its own (moving the cursor,
 * clearing what it drew before): everything written with `write` is text and is sanitised
 * at the boundary, so a sequence has to go around it — through here, and only with
 * sequences spelled out in our own code, never with text from anywhere else.
 */
export function writeControl(out: Output, sequence: string): void {
	(isTerminalOutput(out) ? out[RAW] : out).write(sequence);
}

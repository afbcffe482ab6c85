import type {Database} from '../db/types.js';
import {sanitizeText} from '../lib/sanitize.js';

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
 * is sanitised on the way out (`sanitizeText`): escape sequences, C0/C1 controls other than
 * `\n` and `\t`, lone CR, backspace and invisible characters never reach the terminal,
 * whatever a stored field, a provider, a model id or an echoed argument held. Our own
 * literals contain only printable text, `\n` and box or tick characters, so for them it
 * changes nothing; `--json` documents are escaped before they get here (`terminalJson`) and
 * pass unchanged.
 *
 * Each write is sanitised on its own: an escape sequence cut between two writes loses its
 * ESC in the first and shows the rest as plain text, and an unterminated one can never
 * swallow what the next write says.
 */
export function terminalOutput(raw: Output): Output {
	if (isTerminalOutput(raw)) return raw;
	const out: TerminalOutput = {
		write: (chunk: string) => raw.write(sanitizeText(String(chunk))),
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

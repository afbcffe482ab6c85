import type {Database} from '../db/types.js';

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

/**
 * The one way a command writes terminal control sequences of its own (moving the cursor,
 * clearing what it drew before): everything written with `write` is text, and text that did
 * not come from our literals is sanitised before it reaches a terminal.
 */
export function writeControl(out: Output, sequence: string): void {
	out.write(sequence);
}

import {PassThrough} from 'node:stream';
import type {Database} from '../../source/db/types.js';
import {main} from '../../source/cli/main.js';
import type {Input, Io} from '../../source/cli/io.js';

export interface CliResult {
	readonly code: number;
	readonly stdout: string;
	readonly stderr: string;
}

export interface RunOptions {
	/** The open test database the command uses instead of opening one. */
	readonly database?: Database;
	readonly env?: NodeJS.ProcessEnv;
	/** Text (or raw bytes) on stdin, ended; stdin is not a TTY unless `tty` is set. */
	readonly stdin?: string | Buffer;
	readonly tty?: boolean;
	readonly cwd?: string;
}

class Capture {
	text = '';
	readonly isTTY = false;
	write(chunk: string): boolean {
		this.text += chunk;
		return true;
	}
}

/** Runs `eval752 <argv>` in-process with captured output, as a script would. */
export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
	const stdout = new Capture();
	const stderr = new Capture();
	const stdin = new PassThrough() as PassThrough & {isTTY?: boolean};
	stdin.isTTY = options.tty ?? false;
	if (options.stdin !== undefined) stdin.end(options.stdin);
	else if (!options.tty) stdin.end();
	const io: Io = {
		stdout,
		stderr,
		stdin: stdin as unknown as Input,
		env: {EVAL752_ACTOR: 'tester@test', ...options.env},
		cwd: options.cwd ?? process.cwd(),
		database: options.database,
	};
	const code = await main(argv, io);
	return {code, stdout: stdout.text, stderr: stderr.text};
}

import {openApp} from '../app.js';
import {UsageError} from '../errors.js';
import type {ServiceContext} from '../services/context.js';
import type {Io} from './io.js';

/**
 * What every command is and the two things most of them do: dispatch to a subcommand, and open
 * the app (database, key ring) around their work. Commands import this module (and prompt.ts for
 * reading secrets), never the registry or main.ts, so no import circles back to them.
 */

export interface Command {
	readonly name: string;
	readonly summary: string;
	/** Full `--help` text: usage line, options, examples. */
	readonly help: string;
	/** Help of its own for a subcommand with many options (`eval752 keys rotate --help`). */
	readonly subcommandHelp?: Readonly<Record<string, string>>;
	run(args: readonly string[], io: Io): Promise<number>;
}

export type Subcommand = (args: readonly string[], io: Io) => Promise<number>;

/**
 * Runs `<command> <sub> …`. With no subcommand (nothing, or only options such as `--json`) it
 * runs `bare` when the command has one — `eval752 providers` lists, like `providers list` — and
 * is otherwise a usage error; an unknown subcommand is a usage error naming the known ones.
 */
export async function dispatch(command: string, args: readonly string[], io: Io, subs: Readonly<Record<string, Subcommand>>, options: {readonly bare?: string} = {}): Promise<number> {
	const [sub, ...rest] = args;
	const names = Object.keys(subs).join('|');
	if (sub === undefined || sub.startsWith('-')) {
		const bare = options.bare === undefined ? undefined : subs[options.bare];
		if (bare) return bare(args, io);
		throw new UsageError(`${command}: missing subcommand (${names})`, `eval752 ${command} --help`);
	}
	const run = subs[sub];
	if (!run) {
		const shown = sub.length <= 32 && /^[\w.-]+$/.test(sub) ? ` "${sub}"` : '';
		throw new UsageError(`${command}: unknown subcommand${shown} (${names})`, `eval752 ${command} --help`);
	}
	return run(rest, io);
}

/** Opens the app (database, key ring), runs `work` with its context, always closes. */
export async function withContext<T>(io: Io, work: (ctx: ServiceContext) => Promise<T>): Promise<T> {
	const app = await openApp(io, {onProgress: (message) => io.stderr.write(`${message}\n`)});
	try {
		return await work(app.ctx);
	} finally {
		await app.close();
	}
}

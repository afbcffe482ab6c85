import {UsageError} from '../errors.js';
import {log} from '../log.js';
import {presentError} from '../services/faults.js';
import {version} from '../version.js';
import {errorLine} from './format.js';
import {terminalIo, type Io} from './io.js';
import {commands} from './registry.js';

export function usage(): string {
	const names = Object.keys(commands);
	const widest = Math.max(...names.map((name) => name.length));
	return [
		'Usage: eval752 [--read-only]          open the dashboard',
		'       eval752 <command> [options]    run one command (add --json for scripts)',
		'',
		'Commands:',
		...names.map((name) => `  ${name.padEnd(widest)}  ${commands[name]!.summary}`),
		'',
		'Options:',
		'  --read-only   open the dashboard without any action that changes data',
		'  --env-file FILE  read variables from FILE (any command; also EVAL752_ENV_FILE): instead of',
		'                .env in the working directory, then in the data directory, each read only',
		'                when you own it and nobody else can write it',
		'  -h, --help    show this help (eval752 <command> --help for a command)',
		'  -v, --version print the version',
		'',
		'Environment: DATABASE_URL, ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS, EVAL752_DATA_DIR,',
		'EVAL752_ACTOR, EVAL752_LOG_FILE, EVAL752_ENV_FILE, NO_COLOR (see the README). A .env that',
		'sets any of them is named on stderr; one someone else owns or can write is not read.',
		'Exit codes: 0 ok, 1 failed, 2 usage (an unknown option, or a value the input rules refuse)',
		'or configuration error; status, probe and watch --once have their own (1 failing, 3 degraded,',
		'4 unknown, 5 could not check, 6 wrong key, 7 busy: eval752 status --help).',
		'',
	].join('\n');
}

/**
 * Prints an error as one line, logs bugs with their stack, returns the exit code. The wording
 * comes from presentError (services/faults.ts), the same function the dashboard's flash uses.
 */
export function reportError(error: unknown, io: Io): number {
	const shown = presentError(error);
	if (shown.unexpected) {
		log.error('unexpected error', {error: error instanceof Error ? error.message.split('\n')[0] : String(error), stack: error instanceof Error ? error.stack : undefined});
	}
	io.stderr.write(`eval752: ${errorLine(shown)}\n`);
	return shown.exitCode;
}

function wantsHelp(args: readonly string[]): boolean {
	for (const arg of args) {
		if (arg === '--') return false;
		if (arg === '--help' || arg === '-h') return true;
	}
	return false;
}

/**
 * Runs one invocation. Every headless command gets its outputs behind the terminal boundary
 * (`terminalIo`): whatever it writes is sanitised, so no stored field, provider text or echoed
 * argument reaches the terminal raw, whichever command or code path printed it. The dashboard
 * gets the raw streams: Ink draws with escape sequences of its own, and the dashboard renders
 * untrusted text through the same sanitiser at its render boundary.
 */
/**
 * `--env-file FILE` (or `--env-file=FILE`) anywhere before `--`, for any command: taken out of
 * the arguments and handed on as EVAL752_ENV_FILE, which the configuration reads (config/env.ts).
 */
export function takeEnvFile(argv: readonly string[]): {argv: string[]; envFile: string | undefined} {
	const rest: string[] = [];
	let envFile: string | undefined;
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index]!;
		if (arg === '--') {
			rest.push(...argv.slice(index));
			break;
		}
		if (arg === '--env-file') {
			const value = argv[index + 1];
			if (value === undefined || value === '') throw new UsageError('--env-file needs a file name', 'eval752 --env-file FILE <command>');
			envFile = value;
			index++;
		} else if (arg.startsWith('--env-file=')) {
			envFile = arg.slice('--env-file='.length);
			if (envFile === '') throw new UsageError('--env-file needs a file name', 'eval752 --env-file FILE <command>');
		} else rest.push(arg);
	}
	return {argv: rest, envFile};
}

export async function main(rawArgv: readonly string[], rawTerminal: Io): Promise<number> {
	let argv: readonly string[];
	let terminal = rawTerminal;
	try {
		const taken = takeEnvFile(rawArgv);
		argv = taken.argv;
		if (taken.envFile !== undefined) terminal = {...rawTerminal, env: {...rawTerminal.env, EVAL752_ENV_FILE: taken.envFile}};
	} catch (error) {
		return reportError(error, terminalIo(rawTerminal));
	}
	const io = terminalIo(terminal);
	const [first, ...rest] = argv;
	try {
		if (first === undefined || first.startsWith('-')) {
			if (argv.includes('--help') || argv.includes('-h')) {
				io.stdout.write(usage());
				return 0;
			}
			if (argv.includes('--version') || argv.includes('-v')) {
				io.stdout.write(`${version}\n`);
				return 0;
			}
			const unknown = argv.find((arg) => arg !== '--read-only');
			if (unknown !== undefined) throw new UsageError(`unknown option ${unknown}`);
			if (io.stdin.isTTY && io.stdout.isTTY) {
				// Ink draws only a final frame when it believes it runs in CI (it reads CI once, as it
				// loads). On a terminal the dashboard is interactive whatever the shell exports, so
				// clear the hint before the dashboard's chunk — the only one with Ink — is imported.
				delete process.env['CI'];
				delete process.env['CONTINUOUS_INTEGRATION'];
			}
			const {runDashboard} = await import('../ui/run.js');
			return await runDashboard({readOnly: argv.includes('--read-only')}, terminal);
		}
		const entry = commands[first];
		if (!entry) {
			io.stderr.write(usage());
			io.stderr.write(`\neval752: unknown command "${first}" — see the commands above\n`);
			return 2;
		}
		const command = await entry.load();
		if (wantsHelp(rest)) {
			const help = (rest[0] !== undefined && command.subcommandHelp?.[rest[0]]) || command.help;
			io.stdout.write(help.endsWith('\n') ? help : help + '\n');
			return 0;
		}
		return await command.run(rest, io);
	} catch (error) {
		return reportError(error, io);
	}
}

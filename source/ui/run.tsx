import {render} from 'ink';
import {Component, type ErrorInfo, type ReactNode} from 'react';
import {openApp} from '../app.js';
import type {Io} from '../cli/io.js';
import {UsageError} from '../errors.js';
import {log} from '../log.js';
import {App} from './App.js';
import {createDashboardServices} from './live-services.js';
import {loadPreferences} from './preferences.js';
import {ServicesContext} from './services.js';
import {enterFullScreen} from './terminal.js';
import {createTheme} from './theme.js';

/** Catches render bugs: the terminal is restored first, then the error is reported in one line. */
class Boundary extends Component<{readonly onError: (error: Error) => void; readonly children: ReactNode}, {failed: boolean}> {
	override state = {failed: false};
	static getDerivedStateFromError() {
		return {failed: true};
	}
	override componentDidCatch(error: Error, info: ErrorInfo) {
		log.error('dashboard render error', {error: error.message, stack: `${error.stack ?? ''}\n${info.componentStack ?? ''}`});
		this.props.onError(error);
	}
	override render() {
		return this.state.failed ? null : this.props.children;
	}
}

/**
 * While the database opens the terminal would echo and line-buffer what is typed: a key pasted
 * too early would show in clear, and everything typed would reach the board as commands aimed at
 * nothing the operator could see. Raw mode from the start, type-ahead dropped, Ctrl+C honoured.
 */
function swallowTypeAhead(stdin: NodeJS.ReadStream): {stop(options: {keepRaw: boolean}): void} {
	if (!stdin.isTTY) return {stop: () => undefined};
	stdin.setRawMode(true);
	// 'readable' and read(), as Ink reads: a 'data' listener would switch stdin to flowing mode.
	const onReadable = () => {
		let chunk: Buffer | string | null;
		while ((chunk = stdin.read() as Buffer | string | null) !== null) {
			if (Buffer.from(chunk).includes(0x03)) {
				stdin.setRawMode(false);
				process.stderr.write('eval752: cancelled while opening the database\n');
				process.exit(130);
			}
		}
	};
	stdin.on('readable', onReadable);
	return {
		stop({keepRaw}) {
			stdin.off('readable', onReadable);
			// Keep raw mode when the dashboard follows: Ink's own switch comes only after its first
			// render, and a key typed in between would echo.
			if (!keepRaw) stdin.setRawMode(false);
		},
	};
}

/**
 * Opens the full-screen dashboard. The terminal is given back on every exit path — q, Ctrl+C,
 * SIGTERM, SIGHUP (dropped SSH), an uncaught error: normal screen, cursor shown, echo on.
 */
export async function runDashboard(options: {readOnly: boolean}, io: Io): Promise<number> {
	const stdin = process.stdin;
	const stdout = process.stdout;
	if (!io.stdin.isTTY || !io.stdout.isTTY) {
		throw new UsageError('The dashboard needs an interactive terminal (stdin and stdout are not a TTY)', 'use a subcommand from scripts, e.g. eval752 status --json (eval752 --help lists them)');
	}
	const preferences = await loadPreferences();
	const readOnly = options.readOnly || preferences.readOnly;
	const typeAhead = swallowTypeAhead(stdin);
	io.stderr.write('Opening the database… (Ctrl+C cancels)\n');
	let app;
	try {
		app = await openApp(io, {readOnly, onProgress: (message) => io.stderr.write(`${message}\n`)});
	} catch (error) {
		typeAhead.stop({keepRaw: false});
		throw error;
	}
	typeAhead.stop({keepRaw: true});
	const services = createDashboardServices(app.ctx);
	const theme = createTheme(app.config.noColor);

	const session = enterFullScreen(stdout, stdin);
	let exitCode = 0;
	let fatal: string | undefined;
	let finished = false;
	let resolveExit: () => void = () => undefined;
	const exited = new Promise<void>((resolve) => {
		resolveExit = resolve;
	});

	const instance = render(
		<ServicesContext.Provider value={services}>
			<Boundary
				onError={(error) => {
					exitCode = 1;
					fatal = `eval752: the dashboard stopped on an unexpected error: ${error.message.split('\n')[0]} — details are in ${app.config.logFile}`;
					shutdown();
				}}
			>
				<App theme={theme} />
			</Boundary>
		</ServicesContext.Provider>,
		{stdout, stdin, stderr: process.stderr, exitOnCtrlC: false, patchConsole: false},
	);

	function shutdown() {
		if (finished) return;
		finished = true;
		try {
			instance.unmount();
		} catch {
			// Already unmounted.
		}
		session.restore();
		resolveExit();
	}

	const onSignal = (signal: NodeJS.Signals) => {
		exitCode = signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
		log.info('dashboard stopped by signal', {signal});
		shutdown();
	};
	const onUncaught = (error: unknown) => {
		exitCode = 1;
		const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
		log.error('uncaught error in the dashboard', {error: message, stack: error instanceof Error ? error.stack : undefined});
		fatal = `eval752: the dashboard stopped on an unexpected error: ${message} — details are in ${app.config.logFile}`;
		shutdown();
	};
	const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
	for (const signal of signals) process.on(signal, onSignal);
	process.on('uncaughtException', onUncaught);
	process.on('unhandledRejection', onUncaught);
	instance.waitUntilExit().then(shutdown, (error: unknown) => onUncaught(error));

	await exited;
	for (const signal of signals) process.off(signal, onSignal);
	process.off('uncaughtException', onUncaught);
	process.off('unhandledRejection', onUncaught);
	if (fatal) io.stderr.write(`${fatal}\n`);
	await app.close().catch(() => undefined);
	return exitCode;
}

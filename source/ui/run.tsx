import {render, type Instance} from 'ink';
import {Component, type ErrorInfo, type ReactNode} from 'react';
import {openApp, type App as OpenedApp} from '../app.js';
import type {Io} from '../cli/io.js';
import {UsageError} from '../errors.js';
import {log} from '../log.js';
import {App} from './App.js';
import {PacedInput} from './input/paced-input.js';
import {PacedInputContext} from './input/input-target.js';
import {countCommits, settled} from './input/settle.js';
import {createDashboardServices} from './live-services.js';
import {loadPreferences} from './preferences.js';
import type {DashboardServices} from './services.js';
import {enterFullScreen} from './terminal.js';
import {createTerminalWriter} from './terminal-writer.js';
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

const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
const signalCodes: Readonly<Record<string, number>> = {SIGINT: 130, SIGHUP: 129, SIGTERM: 143};

/**
 * Opens the full-screen dashboard. The order is what keeps the terminal safe: signal and exit
 * handlers first, then raw mode and the alternate screen, then the first frame (before the
 * database is open: the operator sees what is happening) while the database opens. Every way
 * out — q, Ctrl+C, SIGTERM, SIGHUP (a dropped SSH session), SIGINT, an uncaught error, a database that
 * never answers — gives the terminal back: normal screen, cursor shown, echo and line mode on.
 */
export async function runDashboard(options: {readOnly: boolean}, io: Io): Promise<number> {
	const stdin = process.stdin;
	const stdout = process.stdout;
	if (!io.stdin.isTTY || !io.stdout.isTTY) {
		throw new UsageError('The dashboard needs an interactive terminal (stdin and stdout are not a TTY)', 'use a subcommand from scripts, e.g. eval752 status --json (eval752 --help lists them)');
	}

	let exitCode = 0;
	let fatal: string | undefined;
	let finished = false;
	let instance: Instance | undefined;
	let app: OpenedApp | undefined;
	let resolveExit: () => void = () => undefined;
	const exited = new Promise<void>((resolve) => {
		resolveExit = resolve;
	});
	const commits = countCommits(stdout);
	const paced = new PacedInput(stdin, {settled: () => settled(commits), commits});
	let session: ReturnType<typeof enterFullScreen> | undefined;

	const restoreTerminal = () => {
		paced.stop();
		session?.restore();
		if (stdin.isTTY) stdin.setRawMode(false);
	};
	function shutdown() {
		if (finished) return;
		finished = true;
		try {
			instance?.unmount();
		} catch {
			// Already unmounted.
		}
		restoreTerminal();
		resolveExit();
	}
	const onSignal = (signal: NodeJS.Signals) => {
		exitCode = signalCodes[signal] ?? 1;
		log.info('dashboard stopped by signal', {signal, opened: app !== undefined});
		shutdown();
		// Still opening (a server that never answers): nothing to close gracefully; go now.
		if (!app) process.exit(exitCode);
	};
	const onUncaught = (error: unknown) => {
		exitCode = 1;
		const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
		log.error('uncaught error in the dashboard', {error: message, stack: error instanceof Error ? error.stack : undefined});
		fatal = `eval752: the dashboard stopped on an unexpected error: ${message} — details are in ${app?.config.logFile ?? 'the log file'}`;
		shutdown();
	};
	// Handlers before raw mode: a signal at any moment from here on restores the terminal.
	for (const signal of signals) process.on(signal, onSignal);
	process.on('uncaughtException', onUncaught);
	process.on('unhandledRejection', onUncaught);
	process.on('exit', restoreTerminal);

	try {
		paced.start();
		session = enterFullScreen(stdout, stdin);
		const theme = createTheme(Boolean(io.env['NO_COLOR']));
		// Said on screen while the dashboard runs, and again on the normal screen when it ends.
		const notices: string[] = [];
		/** What the opening is busy with beyond the usual (the first start creates the database). */
		let opening: string | undefined;
		let services: DashboardServices | undefined;
		let readOnly = options.readOnly;
		const tree = () => (
			<PacedInputContext.Provider value={paced}>
				<Boundary
					onError={(error) => {
						exitCode = 1;
						fatal = `eval752: the dashboard stopped on an unexpected error: ${error.message.split('\n')[0]} — details are in ${app?.config.logFile ?? 'the log file'}`;
						shutdown();
					}}
				>
					<App
						theme={theme}
						services={services}
						opening={opening}
						notices={notices}
						readOnly={readOnly}
						onQuit={() => {
							if (!services) {
								exitCode = 130;
								fatal = 'eval752: cancelled while opening the database';
							}
						}}
					/>
				</Boundary>
			</PacedInputContext.Provider>
		);
		// The opening starts before the first frame is drawn and runs until it first waits (the
		// server's answer to the connection, the PGlite module being read): the server starts its
		// session while Ink draws, instead of after. The frame still comes before the database is
		// open; nothing of the opening reaches the screen before it.
		const opened = (async () => {
			// Preferences load beside the database: the first frame never waits for them.
			const [preferences, openedApp] = await Promise.all([
				loadPreferences(),
				openApp(io, {
					readOnly: options.readOnly,
					share: true,
					onProgress: (message) => {
						opening = message;
						if (!finished) instance?.rerender(tree());
					},
					onNotice: (message) => notices.push(message),
				}),
			]);
			app = openedApp;
			if (finished) return;
			readOnly = options.readOnly || preferences.readOnly;
			services = createDashboardServices({...openedApp.ctx, readOnly});
			instance?.rerender(tree());
		})();
		// Awaited below; a failure this early is reported there, after the first frame, as before.
		opened.catch(() => undefined);
		await new Promise<void>((resolve) => setImmediate(resolve));
		if (!finished) {
			// Ink writes whole frames; the writer sends the terminal only the lines that changed.
			const writer = createTerminalWriter(stdout);
			instance = render(tree(), {stdout: writer.stream, stdin: paced as unknown as NodeJS.ReadStream, stderr: process.stderr, exitOnCtrlC: false, patchConsole: false});
			instance.waitUntilExit().then(shutdown, (error: unknown) => onUncaught(error));
		}

		await Promise.race([opened, exited]);
		await exited;
		if (!app) {
			// Left while the database was still opening (it may never answer): nothing to close.
			if (fatal) io.stderr.write(`${fatal}\n`);
			process.exit(exitCode);
		}
		notices.forEach((notice) => io.stderr.write(`eval752: ${notice}\n`));
	} catch (error) {
		shutdown();
		throw error;
	} finally {
		for (const signal of signals) process.off(signal, onSignal);
		process.off('uncaughtException', onUncaught);
		process.off('unhandledRejection', onUncaught);
		process.off('exit', restoreTerminal);
	}
	if (fatal) io.stderr.write(`${fatal}\n`);
	await app?.close().catch(() => undefined);
	return exitCode;
}

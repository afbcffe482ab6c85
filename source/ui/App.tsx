import {Box, useApp, useInput} from 'ink';
import {useCallback} from 'react';
import {Header, MIN_COLUMNS, MIN_ROWS, TooSmall} from './components/Chrome.js';
import {Spinner} from './components/Spinner.js';
import {Text} from './components/Text.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {ServicesContext, type DashboardInfo, type DashboardServices} from './services.js';
import {Dashboard} from './shell/Dashboard.js';
import type {Theme} from './theme.js';

export interface AppProps {
	readonly theme: Theme;
	/** Undefined while the database is opening: the chrome is drawn, the panes wait. */
	readonly services: DashboardServices | undefined;
	/** What is happening while `services` is undefined ("Opening the database…"). */
	readonly opening?: string;
	/** Shown on the header until the first key (e.g. a generated ENCRYPTION_KEY and where it is). */
	readonly notices?: readonly string[];
	readonly readOnly?: boolean;
	/** Called when the operator quits; the runner restores the terminal. */
	readonly onQuit?: () => void;
}

/**
 * The dashboard's root: the terminal's size (one row shorter than the terminal: a frame as tall as
 * the screen makes Ink clear and repaint everything on every change), "too small", the opening
 * frame while the database answers, then the dashboard (shell/): layout, focus, mode, header and
 * bottom line. Every pane is a module under panes/ that loads its own data and registers its own
 * keys; the shell's one keyboard layer in normal mode resolves a key through the keymap and calls
 * the handler the focused pane or open view registered.
 */
export function App(props: AppProps) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const quit = useCallback(() => {
		props.onQuit?.();
		exit();
	}, [exit, props]);
	// Ctrl+C leaves from anywhere, also while the database opens; this layer also keeps Ink's raw
	// mode (and its parser) alive for the whole session.
	useInput((input, key) => {
		if (key.ctrl && input === 'c') quit();
	});
	const height = rows - 1;
	if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
		return (
			<Box width={columns} height={height}>
				<TooSmall columns={columns} rows={rows} />
				<QuitOnQ quit={quit} />
			</Box>
		);
	}
	if (!props.services) return <Opening {...props} columns={columns} height={height} />;
	return (
		<ServicesContext.Provider value={props.services}>
			<Dashboard {...props} services={props.services} columns={columns} height={height} quit={quit} />
		</ServicesContext.Provider>
	);
}

function QuitOnQ({quit}: {readonly quit: () => void}) {
	useInput((input) => {
		if (input === 'q') quit();
	});
	return null;
}

/** The first frame, before the database answers: the chrome, and what is happening. */
function Opening({theme, opening, readOnly, columns, height}: AppProps & {readonly columns: number; readonly height: number}) {
	const info: DashboardInfo = {databaseKind: 'embedded', location: '…', actor: '…', keyStatus: 'pending', keyMessage: null, readOnly: readOnly ?? false};
	return (
		<Box flexDirection="column" width={columns} height={height} overflow="hidden">
			<Header info={info} theme={theme} width={columns} banners={[]} />
			<Box flexDirection="column" flexGrow={1} borderStyle="single" borderColor={theme.border} paddingX={1}>
				<Spinner label="Opening the database…" />
				{opening ? <Text wrap="wrap">{opening}</Text> : null}
				<Text color={theme.muted}>Nothing typed now is shown or acted on; Ctrl+C cancels.</Text>
			</Box>
			<Text> </Text>
			<Text color={theme.muted}>Ctrl+C cancels</Text>
		</Box>
	);
}

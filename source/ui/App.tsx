import {Box, useApp, useInput} from 'ink';
import {useCallback, useEffect, useMemo, useReducer, useRef, useState, type ReactNode} from 'react';
import {appReducer, currentView, initialAppState, panes, type AppState, type View} from './app-state.js';
import {LineInput, ConfirmLine} from './components/BottomLine.js';
import {bannerRows, FlashLine, flashRows, Header, HelpOverlay, HintBar, MIN_COLUMNS, MIN_ROWS, TooSmall, type Banner} from './components/Chrome.js';
import {Spinner} from './components/Spinner.js';
import {Text} from './components/Text.js';
import {useDatabaseHealth} from './hooks/use-database-health.js';
import {createLiveHub, LiveContext} from './hooks/use-live.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {useHoldWhile} from './input/input-target.js';
import {resolve, type Binding, type Scope} from './keymap.js';
import {AliasesPane} from './panes/aliases/AliasesPane.js';
import {ComparisonPane} from './panes/aliases/ComparisonPane.js';
import {ComparisonRunnerProvider, useComparisonRunner} from './panes/aliases/use-comparison.js';
import {AuditPane} from './panes/audit/AuditPane.js';
import {AuditRowView} from './panes/audit/AuditRowView.js';
import {ProviderView} from './panes/provider/ProviderView.js';
import {RunsPane} from './panes/runs/RunsPane.js';
import {RunView} from './panes/runs/RunView.js';
import {StatusPane} from './panes/status/StatusPane.js';
import {KeysPane} from './panes/keys/KeysPane.js';
import {ModelsPane} from './panes/models/ModelsPane.js';
import {ProvidersPane} from './panes/providers/ProvidersPane.js';
import {SettingsPane} from './panes/settings/SettingsPane.js';
import {SmokePane} from './panes/smoke/SmokePane.js';
import {SmokeRunnerProvider, useSmokeRunner} from './panes/smoke/use-smoke.js';
import {runCommand, completeCommand} from './command-line.js';
import {describeError} from './describe-error.js';
import {ServicesContext, type DashboardInfo, type DashboardServices} from './services.js';
import type {Theme} from './theme.js';
import {ClockContext, CommandContext, ModalSizeContext, UiContext, useTicker, type CommandRegistry, type Ui} from './ui-context.js';

const FLASH_MS = 4000;

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
 * The dashboard's frame: layout, focus, mode, header and bottom line. Every pane is a module under
 * panes/ that loads its own data and registers its own keys; the App's one keyboard layer in
 * normal mode resolves a key through the keymap and calls the handler the focused pane or open
 * view registered. The root is one row shorter than the terminal: a frame as tall as the screen
 * makes Ink clear and repaint everything on every change.
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

interface DashboardProps extends AppProps {
	readonly services: DashboardServices;
	readonly columns: number;
	readonly height: number;
	readonly quit: () => void;
}

function Dashboard(props: DashboardProps) {
	const {services, theme} = props;
	const readOnly = services.info.readOnly;
	const [state, dispatch] = useReducer(appReducer, initialAppState);
	const hub = useMemo(() => createLiveHub(), []);
	const registry = useMemo<CommandRegistry>(() => ({handlers: new Map()}), []);
	const now = useTicker();
	const health = useDatabaseHealth(services, () => {
		dispatch({type: 'flash', text: 'Database reachable again — reloaded', tone: 'ok'});
		hub.changed('*');
	});
	const prompt = useRef<(prompt: string | undefined) => void>(() => undefined);
	const holdWhile = useHoldWhile();

	useEffect(() => services.onChange((table) => hub.changed(table)), [services, hub]);
	useEffect(() => {
		if (!state.flash) return;
		const id = state.flash.id;
		const timer = setTimeout(() => dispatch({type: 'clearFlash', id}), FLASH_MS);
		return () => clearTimeout(timer);
	}, [state.flash]);

	const flash = useCallback((text: string, tone: 'ok' | 'error' | 'info' = 'info') => dispatch({type: 'flash', text, tone}), []);
	const ui = useMemo<Ui>(
		() => ({
			theme,
			readOnly,
			flash,
			open: (view) => dispatch({type: 'open', view}),
			back: () => dispatch({type: 'back'}),
			focus: (pane) => dispatch({type: 'focus', pane}),
			openModal: (node: ReactNode) => dispatch({type: 'mode', mode: {kind: 'modal', modal: {id: Date.now(), node}}}),
			closeModal: () => dispatch({type: 'mode', mode: {kind: 'normal'}}),
			confirm: (message, run) => dispatch({type: 'mode', mode: {kind: 'confirm', confirmation: {message, run}}}),
			act: (run) => {
				// Keys typed after the action wait for its result (a toggled key re-sorts the list).
				holdWhile(run()).then(
					(message) => flash(message, 'ok'),
					(error: unknown) => {
						flash(describeError(error), 'error');
						health.check();
					},
				);
			},
			editFilter: () => dispatch({type: 'mode', mode: {kind: 'line', line: 'filter'}}),
			editAuditFilter: () => dispatch({type: 'mode', mode: {kind: 'line', line: 'auditFilter'}}),
			askPrompt: (run) => {
				prompt.current = run;
				dispatch({type: 'mode', mode: {kind: 'line', line: 'prompt'}});
			},
		}),
		// health.check is stable in behaviour (it reads refs); the object changes with its state.
		// eslint-disable-next-line react-hooks/exhaustive-deps
		[theme, readOnly, flash, holdWhile],
	);

	return (
		<UiContext.Provider value={ui}>
			<LiveContext.Provider value={hub}>
				<CommandContext.Provider value={registry}>
					<ClockContext.Provider value={now}>
						<SmokeRunnerProvider>
							<ComparisonRunnerProvider>
								<Shell {...props} state={state} dispatch={dispatch} registry={registry} health={health} ui={ui} prompt={prompt} hub={hub} />
							</ComparisonRunnerProvider>
						</SmokeRunnerProvider>
					</ClockContext.Provider>
				</CommandContext.Provider>
			</LiveContext.Provider>
		</UiContext.Provider>
	);
}

/** The scopes whose keys are live: the open view's (or focused pane's), lists, then global ones. */
export function scopesFor(view: View, focus: AppState['focus']): Scope[] {
	switch (view.kind) {
		case 'board':
			return [focus, 'list', 'global'];
		case 'compare':
			return ['compare', 'global'];
		case 'provider':
		case 'auditRow':
		case 'run':
			return ['detail', 'list', 'global'];
		default:
			return [view.kind, 'list', 'global'];
	}
}

interface ShellProps extends DashboardProps {
	readonly state: AppState;
	readonly dispatch: React.Dispatch<Parameters<typeof appReducer>[1]>;
	readonly registry: CommandRegistry;
	readonly health: ReturnType<typeof useDatabaseHealth>;
	readonly ui: Ui;
	readonly prompt: React.MutableRefObject<(prompt: string | undefined) => void>;
	readonly hub: ReturnType<typeof createLiveHub>;
}

function Shell({services, theme, columns, height, quit, notices, state, dispatch, registry, health, ui, prompt, hub}: ShellProps) {
	const smoke = useSmokeRunner();
	const comparison = useComparisonRunner();
	const [helpOffset, setHelpOffset] = useState(0);
	const [showNotices, setShowNotices] = useState(true);
	const [selected, setSelected] = useState<{id: string; name: string} | null>(null);
	const view = currentView(state);
	const scopes = scopesFor(view, state.focus);
	const readOnly = services.info.readOnly;
	const mode = state.mode;

	const leave = useCallback(() => {
		smoke.cancel();
		comparison.cancel();
		quit();
	}, [smoke, comparison, quit]);

	const onSelectProvider = useCallback((provider: {id: string; name: string} | null) => {
		setSelected((current) => (current?.id === provider?.id && current?.name === provider?.name ? current : provider ? {id: provider.id, name: provider.name} : null));
	}, []);

	const global = (b: Binding) => {
		switch (b.id) {
			case 'quit':
				return leave();
			case 'help':
				setHelpOffset(0);
				return dispatch({type: 'mode', mode: {kind: 'help'}});
			case 'command':
				return dispatch({type: 'mode', mode: {kind: 'line', line: 'command'}});
			case 'focus1':
			case 'focus2':
			case 'focus3':
			case 'focus4':
				return dispatch({type: 'focus', pane: panes[Number(b.id.slice(-1)) - 1]!});
			case 'nextPane':
			case 'prevPane':
				if (view.kind === 'board') dispatch({type: 'cycle', step: b.id === 'nextPane' ? 1 : -1});
				return;
			case 'refresh':
				hub.changed('*');
				return ui.flash('Reloaded', 'info');
			case 'back':
				if (smoke.cancel()) return;
				if (comparison.cancel()) return;
				if (state.views.length > 1) return dispatch({type: 'back'});
				if (state.filter) return dispatch({type: 'filter', filter: ''});
				return;
			case 'settings':
				return dispatch({type: 'show', view: {kind: 'settings'}});
			case 'audit':
				return dispatch({type: 'show', view: {kind: 'audit'}});
			case 'aliases':
				return dispatch({type: 'show', view: {kind: 'aliases'}});
			default:
				return;
		}
	};

	useInput(
		(input, key) => {
			if (showNotices) setShowNotices(false);
			const b = resolve(input, key, scopes);
			if (!b) return;
			if (b.mutating && readOnly) return ui.flash(`Read-only: “${b.description}” is unavailable`, 'error');
			if (b.scope === 'global') return global(b);
			// A pane's, a view's or a list key: the handler the active pane or view registered.
			const owner = scopes[0]!;
			registry.handlers.get(owner)?.current[b.id]?.(b);
		},
		{isActive: mode.kind === 'normal'},
	);
	useInput(
		(input, key) => {
			const b = resolve(input, key, ['help']);
			if (b?.id === 'helpClose') return dispatch({type: 'mode', mode: {kind: 'normal'}});
			const move = resolve(input, key, ['list']);
			if (move?.id === 'down') setHelpOffset((o) => o + 1);
			if (move?.id === 'up') setHelpOffset((o) => Math.max(0, o - 1));
			if (move?.id === 'pageDown') setHelpOffset((o) => o + 10);
			if (move?.id === 'pageUp') setHelpOffset((o) => Math.max(0, o - 10));
		},
		{isActive: mode.kind === 'help'},
	);

	const banners: Banner[] = [];
	if (health.lost) banners.push({tone: 'error', text: `database unreachable — retrying (${health.reason ?? 'no answer'})`});
	if (services.info.keyStatus === 'wrong') banners.push({tone: 'error', text: `WRONG KEY: ${services.info.keyMessage ?? 'ENCRYPTION_KEY did not write this data'} — changes are refused`});
	if (showNotices) for (const notice of notices ?? []) banners.push({tone: 'warn', text: notice});

	const flashHeight = flashRows(state.flash, columns);
	const available = Math.max(6, height - 1 - bannerRows(banners, columns) - flashHeight - 1);
	const normal = mode.kind === 'normal';

	let body: ReactNode;
	if (mode.kind === 'help') {
		body = <HelpOverlay theme={theme} readOnly={readOnly} width={columns} height={available} offset={helpOffset} first={scopes} />;
	} else if (mode.kind === 'modal') {
		body = (
			<ModalSizeContext.Provider value={{width: columns, height: available}}>
				<Box key={mode.modal.id} flexDirection="column" height={available} overflow="hidden">
					{mode.modal.node}
				</Box>
			</ModalSizeContext.Provider>
		);
	}
	const board = view.kind === 'board';
	const smokeH = Math.max(3, Math.floor(available * 0.28));
	const middleH = Math.max(4, Math.floor(available * 0.3));
	const providersH = Math.max(4, available - smokeH - middleH);
	const half = Math.floor(columns / 2);
	const boardActive = normal && board;

	return (
		<Box flexDirection="column" width={columns} height={height} overflow="hidden">
			<Header info={services.info} theme={theme} width={columns} banners={banners} />
			{body ?? null}
			{/* The board stays mounted under views and dialogs: its selection and data survive them. */}
			<Box flexDirection="column" display={body || !board ? 'none' : 'flex'}>
				<ProvidersPane focused={state.focus === 'providers'} active={boardActive && state.focus === 'providers'} width={columns} height={providersH} filter={state.filter} request={state.providerRequest} onSelect={onSelectProvider} />
				<Box>
					<KeysPane focused={state.focus === 'keys'} active={boardActive && state.focus === 'keys'} width={half} height={middleH} providerId={selected?.id ?? null} providerName={selected?.name ?? null} />
					<ModelsPane focused={state.focus === 'models'} active={boardActive && state.focus === 'models'} width={columns - half} height={middleH} providerId={selected?.id ?? null} providerName={selected?.name ?? null} />
				</Box>
				<SmokePane focused={state.focus === 'smoke'} active={boardActive && state.focus === 'smoke'} width={columns} height={smokeH} providerId={selected?.id ?? null} providerName={selected?.name ?? null} />
			</Box>
			{body || board ? null : <ViewBody view={view} active={normal} width={columns} height={available} state={state} />}
			<FlashLine flash={state.flash} theme={theme} width={columns} rows={flashHeight} />
			{/* One row, whatever it holds: a frame taller than the screen scrolls it and breaks the redraw. */}
			<Box height={1} width={columns} overflow="hidden" flexShrink={0}>
				<Bottom {...{state, dispatch, theme, columns, scopes, readOnly, ui, prompt, services, leave}} />
			</Box>
		</Box>
	);
}

function ViewBody({view, active, width, height, state}: {readonly view: View; readonly active: boolean; readonly width: number; readonly height: number; readonly state: AppState}) {
	switch (view.kind) {
		case 'settings':
			return <SettingsPane active={active} width={width} height={height} />;
		case 'audit':
			return <AuditPane active={active} width={width} height={height} filter={state.auditFilter} />;
		case 'auditRow':
			return <AuditRowView key={view.seq} seq={view.seq} active={active} width={width} height={height} />;
		case 'aliases':
			return <AliasesPane active={active} width={width} height={height} query={view.query} />;
		case 'compare':
			return <ComparisonPane width={width} height={height} />;
		case 'status':
			return <StatusPane active={active} width={width} height={height} />;
		case 'provider':
			return <ProviderView key={view.providerId} providerId={view.providerId} active={active} width={width} height={height} />;
		case 'runs':
			return <RunsPane key={`${view.providerId ?? ''}/${view.alias ?? ''}`} providerId={view.providerId} alias={view.alias} active={active} width={width} height={height} />;
		case 'run':
			return <RunView key={view.runId} runId={view.runId} active={active} width={width} height={height} />;
		case 'board':
			return null;
	}
}

function Bottom({
	state,
	dispatch,
	theme,
	columns,
	scopes,
	readOnly,
	ui,
	prompt,
	services,
	leave,
}: {
	readonly state: AppState;
	readonly dispatch: ShellProps['dispatch'];
	readonly theme: Theme;
	readonly columns: number;
	readonly scopes: Scope[];
	readonly readOnly: boolean;
	readonly ui: Ui;
	readonly prompt: ShellProps['prompt'];
	readonly services: DashboardServices;
	readonly leave: () => void;
}) {
	const holdWhile = useHoldWhile();
	const mode = state.mode;
	const normal = () => dispatch({type: 'mode', mode: {kind: 'normal'}});
	if (mode.kind === 'line') {
		switch (mode.line) {
			case 'filter':
				return (
					<LineInput
						prompt="/"
						initial={state.filter}
						theme={theme}
						placeholder="name or type · Enter keeps it · Esc clears it"
						onChange={(filter) => dispatch({type: 'filter', filter})}
						onSubmit={normal}
						onCancel={() => {
							dispatch({type: 'filter', filter: ''});
							normal();
						}}
					/>
				);
			case 'auditFilter':
				return (
					<LineInput
						prompt="filter audit › "
						initial={state.auditFilter}
						theme={theme}
						placeholder="actor, action or target words · Enter applies · Esc clears"
						onChange={(filter) => dispatch({type: 'auditFilter', filter})}
						onSubmit={normal}
						onCancel={() => {
							dispatch({type: 'auditFilter', filter: ''});
							normal();
						}}
					/>
				);
			case 'prompt':
				return (
					<LineInput
						prompt="prompt › "
						initial=""
						theme={theme}
						placeholder="Enter runs it (empty: the smoke_prompt setting) · Esc cancels"
						onSubmit={(value) => {
							normal();
							prompt.current(value.trim() === '' ? undefined : value);
						}}
						onCancel={normal}
					/>
				);
			case 'command':
				return (
					<LineInput
						prompt=":"
						initial=""
						theme={theme}
						placeholder="provider NAME · alias NAME · status · settings · audit · aliases · q (Tab completes)"
						complete={(text) => completeCommand(services, text)}
						onSubmit={(value) => {
							normal();
							void holdWhile(runCommand(value, {services, ui, dispatch, quit: leave}));
						}}
						onCancel={normal}
					/>
				);
		}
	}
	if (mode.kind === 'confirm') {
		return (
			<ConfirmLine
				message={mode.confirmation.message}
				theme={theme}
				onAnswer={(yes) => {
					normal();
					if (yes) ui.act(mode.confirmation.run);
					else ui.flash('Nothing changed', 'info');
				}}
			/>
		);
	}
	if (mode.kind === 'modal' || mode.kind === 'help') {
		// The dialog or overlay owns the keys and says which; board keys would mislead here.
		return (
			<Text color={theme.muted} wrap="truncate">
				{mode.kind === 'help' ? 'j/k scroll · ? or Esc closes' : 'Esc cancels'}
			</Text>
		);
	}
	return <HintBar scopes={scopes} readOnly={readOnly} theme={theme} width={columns} />;
}

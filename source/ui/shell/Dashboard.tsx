import {useCallback, useEffect, useMemo, useReducer, useRef, type ReactNode} from 'react';
import {appReducer, initialAppState, type AppAction} from '../app-state.js';
import {describeError} from '../describe-error.js';
import {useDatabaseHealth} from '../hooks/use-database-health.js';
import {createLiveHub, LiveContext} from '../hooks/use-live.js';
import {useHoldWhile} from '../input/input-target.js';
import {ComparisonRunnerProvider} from '../panes/aliases/use-comparison.js';
import {SmokeRunnerProvider} from '../panes/smoke/use-smoke.js';
import type {Theme} from '../theme.js';
import {ClockContext, CommandContext, UiContext, useTicker, type CommandRegistry, type Ui} from '../ui-context.js';
import {Shell, type DashboardProps, type ShellProps} from './Shell.js';

const FLASH_MS = 4000;

/**
 * The dashboard once the database answers: the app state, the contexts every pane reads (the
 * actions, live reloads, the pane key registry, the clock, the stream runners) and the shell.
 */
export function Dashboard(props: DashboardProps) {
	const [state, dispatch] = useReducer(appReducer, initialAppState);
	const hub = useMemo(() => createLiveHub(), []);
	const registry = useMemo<CommandRegistry>(() => ({handlers: new Map()}), []);
	const now = useTicker();
	const health = useDatabaseHealth(props.services, () => {
		dispatch({type: 'flash', text: 'Database reachable again — reloaded', tone: 'ok'});
		hub.changed('*');
	});
	const prompt = useRef<(prompt: string | undefined) => void>(() => undefined);
	const ui = useUiActions(props.theme, props.services.info.readOnly, dispatch, prompt, health.check);

	useEffect(() => props.services.onChange((table) => hub.changed(table)), [props.services, hub]);
	useEffect(() => {
		if (!state.flash) return;
		const id = state.flash.id;
		const timer = setTimeout(() => dispatch({type: 'clearFlash', id}), FLASH_MS);
		return () => clearTimeout(timer);
	}, [state.flash]);

	const shell: ShellProps = {...props, state, dispatch, registry, health, ui, prompt, hub};
	return (
		<UiContext.Provider value={ui}>
			<LiveContext.Provider value={hub}>
				<CommandContext.Provider value={registry}>
					<ClockContext.Provider value={now}>
						<SmokeRunnerProvider>
							<ComparisonRunnerProvider>
								<Shell {...shell} />
							</ComparisonRunnerProvider>
						</SmokeRunnerProvider>
					</ClockContext.Provider>
				</CommandContext.Provider>
			</LiveContext.Provider>
		</UiContext.Provider>
	);
}

/** What panes may do to the frame: flash, open views and dialogs, confirm, and act (mutate). */
function useUiActions(
	theme: Theme,
	readOnly: boolean,
	dispatch: React.Dispatch<AppAction>,
	prompt: React.MutableRefObject<(prompt: string | undefined) => void>,
	checkHealth: () => void,
): Ui {
	const holdWhile = useHoldWhile();
	// The health check reads refs; a ref keeps the actions object stable across its state changes.
	const check = useRef(checkHealth);
	useEffect(() => {
		check.current = checkHealth;
	});
	const flash = useCallback((text: string, tone: 'ok' | 'error' | 'info' = 'info') => dispatch({type: 'flash', text, tone}), [dispatch]);
	return useMemo<Ui>(
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
						check.current();
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
		[theme, readOnly, flash, holdWhile, dispatch, prompt],
	);
}

import {Box} from 'ink';
import {useCallback, type ReactNode} from 'react';
import {currentView, scopesFor, type AppAction, type AppState} from '../app-state.js';
import {bannerRows, FlashLine, flashRows, Header, HelpOverlay, type Banner} from '../components/Chrome.js';
import type {useDatabaseHealth} from '../hooks/use-database-health.js';
import type {createLiveHub} from '../hooks/use-live.js';
import {useComparisonControl} from '../panes/aliases/use-comparison.js';
import {useSmokeControl} from '../panes/smoke/use-smoke.js';
import type {DashboardServices} from '../services.js';
import type {Theme} from '../theme.js';
import {ModalSizeContext, type CommandRegistry, type Ui} from '../ui-context.js';
import {Board} from './Board.js';
import {BottomBar} from './BottomBar.js';
import {useShellKeys} from './use-shell-keys.js';
import {ViewBody} from './ViewBody.js';

export interface DashboardProps {
	readonly theme: Theme;
	readonly services: DashboardServices;
	readonly notices?: readonly string[];
	readonly columns: number;
	readonly height: number;
	readonly quit: () => void;
}

export interface ShellProps extends DashboardProps {
	readonly state: AppState;
	readonly dispatch: React.Dispatch<AppAction>;
	readonly registry: CommandRegistry;
	readonly health: ReturnType<typeof useDatabaseHealth>;
	readonly ui: Ui;
	readonly prompt: React.MutableRefObject<(prompt: string | undefined) => void>;
	readonly hub: ReturnType<typeof createLiveHub>;
}

/**
 * The layout: the header (with its banners), the body — the board, a view, the help overlay or
 * a dialog — the flash line and the one bottom row.
 */
export function Shell(props: ShellProps) {
	const {services, theme, columns, height, quit, notices, state, dispatch, registry, health, ui, prompt, hub} = props;
	const smoke = useSmokeControl();
	const comparison = useComparisonControl();
	const view = currentView(state);
	const scopes = scopesFor(view, state.focus);
	const readOnly = services.info.readOnly;
	const mode = state.mode;
	const normal = mode.kind === 'normal';

	const leave = useCallback(() => {
		smoke.cancel();
		comparison.cancel();
		quit();
	}, [smoke, comparison, quit]);
	const cancelStream = () => smoke.cancel() || comparison.cancel();
	const {helpOffset, showNotices} = useShellKeys({state, view, scopes, readOnly, dispatch, registry, hub, ui, cancelStream, leave});

	const banners: Banner[] = [];
	if (health.lost) banners.push({tone: 'error', text: `database unreachable — retrying (${health.reason ?? 'no answer'})`});
	if (services.info.keyStatus === 'wrong') banners.push({tone: 'error', text: `WRONG KEY: ${services.info.keyMessage ?? 'ENCRYPTION_KEY did not write this data'} — changes are refused; ${services.info.keyHint ?? 'set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS'}`});
	if (showNotices) for (const notice of notices ?? []) banners.push({tone: 'warn', text: notice});

	const flashHeight = flashRows(state.flash, columns);
	const available = Math.max(6, height - 1 - bannerRows(banners, columns) - flashHeight - 1);

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

	// Clipped top to bottom only: every child is `columns` wide (the board's panes add up to it), so
	// a left-right clip would cut nothing, yet Ink re-slices every line under it (slice-ansi) on
	// every frame: the header and every pane border, ~1 ms of the ~3.6 ms Ink spends assembling an
	// 80×24 board frame (measured). Panes clip their own content both ways.
	return (
		<Box flexDirection="column" width={columns} height={height} overflowY="hidden">
			<Header info={services.info} theme={theme} width={columns} banners={banners} />
			{body ?? null}
			<Board state={state} active={normal && board} hidden={Boolean(body) || !board} width={columns} height={available} />
			{body || board ? null : <ViewBody view={view} active={normal} width={columns} height={available} state={state} />}
			<FlashLine flash={state.flash} theme={theme} width={columns} rows={flashHeight} />
			{/* One row, whatever it holds: a frame taller than the screen scrolls it and breaks the redraw. */}
			<Box height={1} width={columns} overflow="hidden" flexShrink={0}>
				<BottomBar {...{state, dispatch, theme, columns, scopes, readOnly, ui, prompt, services, leave}} />
			</Box>
		</Box>
	);
}

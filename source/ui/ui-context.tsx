import {createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode} from 'react';
import type {PaneId, View} from './app-state.js';
import type {Binding, CommandId, Scope} from './keymap.js';
import type {Theme} from './theme.js';

/**
 * What a pane module may ask of the App: the theme and read-only flag, the flash line, the view
 * stack, focus, dialogs, and the board's selected provider. Panes own their data and keys; the
 * App owns layout, focus, mode, the header and the bottom line.
 */
export interface Ui {
	readonly theme: Theme;
	readonly readOnly: boolean;
	flash(text: string, tone?: 'ok' | 'error' | 'info'): void;
	/** Opens a view over the current one; Esc comes back. */
	open(view: View): void;
	back(): void;
	focus(pane: PaneId): void;
	/** A dialog over the body (form, pick list, wizard) that owns the keys until `closeModal`. */
	openModal(node: ReactNode): void;
	closeModal(): void;
	/** A y/N question on the bottom line; `run` happens only after y, through `act`. */
	confirm(message: string, run: () => Promise<string>): void;
	/**
	 * Runs a change and reports it on the flash line (the sentence `run` resolves to, or the
	 * error with its hint); a failure also re-checks the connection.
	 */
	act(run: () => Promise<string>): void;
	/** Starts the bottom-line input for the audit filter. */
	editAuditFilter(): void;
	/** The providers filter. */
	editFilter(): void;
	/** Typing a comparison prompt; `run` gets it (empty: the smoke_prompt setting). */
	askPrompt(run: (prompt: string | undefined) => void): void;
}

export const UiContext = createContext<Ui | undefined>(undefined);

export function useUi(): Ui {
	const ui = useContext(UiContext);
	if (!ui) throw new Error('useUi outside <UiContext.Provider>');
	return ui;
}

/** A clock for ages ("3m") that ticks every 30 s; one timer for the whole dashboard. */
export const ClockContext = createContext<Date>(new Date(0));

export function useClock(): Date {
	return useContext(ClockContext);
}

/** The time, re-read every `ms` while `active`. */
export function useTicker(ms = 30_000, active = true): Date {
	const [now, setNow] = useState(() => new Date());
	useEffect(() => {
		if (!active) return;
		setNow(new Date());
		const timer = setInterval(() => setNow(new Date()), ms);
		return () => clearInterval(timer);
	}, [ms, active]);
	return now;
}

export type CommandHandlers = Partial<Record<CommandId, (binding: Binding) => void>>;

/**
 * The App's keyboard in normal mode is one `useInput`: it resolves a key through the keymap for
 * the focused pane's or open view's scopes, then calls the handler that pane registered here.
 */
export interface CommandRegistry {
	readonly handlers: Map<Scope, {current: CommandHandlers}>;
}

export const CommandContext = createContext<CommandRegistry>({handlers: new Map()});

/** Registers a pane's or view's command handlers for `scope` while `active`. */
export function useCommands(scope: Scope, handlers: CommandHandlers, active: boolean): void {
	const registry = useContext(CommandContext);
	const ref = useRef(handlers);
	ref.current = handlers;
	useLayoutEffect(() => {
		if (!active) return;
		registry.handlers.set(scope, ref);
		return () => {
			if (registry.handlers.get(scope) === ref) registry.handlers.delete(scope);
		};
	}, [registry, scope, active]);
}

/** The size of the area a dialog is drawn in (the body, below the header). */
export const ModalSizeContext = createContext<{width: number; height: number}>({width: 80, height: 20});

export function useModalSize(): {width: number; height: number} {
	return useContext(ModalSizeContext);
}

import {useInput} from 'ink';
import {useState} from 'react';
import {panes, type AppAction, type AppState, type View} from '../app-state.js';
import type {createLiveHub} from '../hooks/use-live.js';
import {resolve, type Binding, type Scope} from '../keymap.js';
import type {CommandRegistry, Ui} from '../ui-context.js';

export interface ShellKeys {
	readonly state: AppState;
	readonly view: View;
	readonly scopes: readonly Scope[];
	readonly readOnly: boolean;
	readonly dispatch: React.Dispatch<AppAction>;
	readonly registry: CommandRegistry;
	readonly hub: ReturnType<typeof createLiveHub>;
	readonly ui: Ui;
	/** Esc: cancels a running stream first; true when it did. */
	readonly cancelStream: () => boolean;
	readonly leave: () => void;
}

/**
 * The shell's keyboard: in normal mode one layer resolves a key through the keymap — a global
 * binding is handled here, any other goes to the handler the focused pane or open view
 * registered; in help mode the overlay's own keys. Returns the help overlay's scroll offset and
 * whether the start-up notices are still shown (they go with the first key).
 */
export function useShellKeys(keys: ShellKeys): {helpOffset: number; showNotices: boolean} {
	const {state, view, scopes, readOnly, dispatch, registry, hub, ui} = keys;
	const [helpOffset, setHelpOffset] = useState(0);
	const [showNotices, setShowNotices] = useState(true);

	const global = (b: Binding) => {
		switch (b.id) {
			case 'quit':
				return keys.leave();
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
				if (keys.cancelStream()) return;
				if (state.views.length > 1) return dispatch({type: 'back'});
				if (state.filter) return dispatch({type: 'filter', filter: ''});
				return;
			case 'settings':
			case 'audit':
			case 'aliases':
				return dispatch({type: 'show', view: {kind: b.id}});
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
			registry.handlers.get(scopes[0]!)?.current[b.id]?.(b);
		},
		{isActive: state.mode.kind === 'normal'},
	);
	useInput(
		(input, key) => {
			if (resolve(input, key, ['help'])?.id === 'helpClose') return dispatch({type: 'mode', mode: {kind: 'normal'}});
			const step = {down: 1, up: -1, pageDown: 10, pageUp: -10}[resolve(input, key, ['list'])?.id as string];
			if (step) setHelpOffset((offset) => Math.max(0, offset + step));
		},
		{isActive: state.mode.kind === 'help'},
	);
	return {helpOffset, showNotices};
}

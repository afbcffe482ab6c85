import type {ReactNode} from 'react';
import type {Scope} from './keymap.js';

/**
 * What the App itself holds: which view is open (a stack, so Esc goes back where the operator
 * came from), which board pane has focus, which input mode takes the keys, the flash line, the
 * providers filter, and a request to select a provider (`:provider NAME`). Data and per-list selection live in
 * the pane modules. One reducer with a discriminated-union action, tested as a plain function.
 */
export type PaneId = 'providers' | 'keys' | 'models' | 'smoke';
export const panes: readonly PaneId[] = ['providers', 'keys', 'models', 'smoke'];

export type View =
	| {readonly kind: 'board'}
	| {readonly kind: 'settings'}
	| {readonly kind: 'status'}
	| {readonly kind: 'audit'}
	| {readonly kind: 'aliases'; readonly query?: string}
	| {readonly kind: 'compare'}
	| {readonly kind: 'provider'; readonly providerId: string}
	| {readonly kind: 'auditRow'; readonly seq: number}
	| {readonly kind: 'runs'; readonly providerId?: string; readonly alias?: string}
	| {readonly kind: 'run'; readonly runId: string; readonly runKind: 'smoke' | 'compare'};

/** A dialog drawn over the body: a form, a pick list, the rotation wizard. It owns the keys. */
export interface Modal {
	readonly id: number;
	readonly node: ReactNode;
}

export interface Confirmation {
	readonly message: string;
	readonly run: () => Promise<string>;
}

export type Mode =
	| {readonly kind: 'normal'}
	/** The bottom line takes text: the providers filter, the audit filter, `:`, a comparison prompt. */
	| {readonly kind: 'line'; readonly line: 'filter' | 'auditFilter' | 'command' | 'prompt'}
	| {readonly kind: 'help'}
	| {readonly kind: 'confirm'; readonly confirmation: Confirmation}
	| {readonly kind: 'modal'; readonly modal: Modal};

export interface Flash {
	readonly text: string;
	readonly tone: 'ok' | 'error' | 'info';
	readonly id: number;
}

export interface AppState {
	readonly views: readonly View[];
	readonly focus: PaneId;
	readonly mode: Mode;
	readonly flash: Flash | null;
	readonly filter: string;
	readonly auditFilter: string;
	/** `:provider NAME` asks the providers pane to select this one (seq makes a repeat a new ask). */
	readonly providerRequest: {readonly id: string; readonly seq: number} | null;
}

export type AppAction =
	| {readonly type: 'focus'; readonly pane: PaneId}
	| {readonly type: 'cycle'; readonly step: 1 | -1}
	/** Opens a view on top of the current one (`replace` swaps the top instead). */
	| {readonly type: 'open'; readonly view: View; readonly replace?: boolean}
	/** Closes the top view (never the board). */
	| {readonly type: 'back'}
	/** Straight to a view from the board (global keys S, L, A and `:`): the stack is board + it. */
	| {readonly type: 'show'; readonly view: View}
	| {readonly type: 'mode'; readonly mode: Mode}
	| {readonly type: 'filter'; readonly filter: string}
	| {readonly type: 'auditFilter'; readonly filter: string}
	| {readonly type: 'selectProvider'; readonly id: string}
	| {readonly type: 'flash'; readonly text: string; readonly tone: Flash['tone']}
	| {readonly type: 'clearFlash'; readonly id: number};

export const initialAppState: AppState = {
	views: [{kind: 'board'}],
	focus: 'providers',
	mode: {kind: 'normal'},
	flash: null,
	filter: '',
	auditFilter: '',
	providerRequest: null,
};

let flashId = 0;

export function currentView(state: AppState): View {
	return state.views.at(-1)!;
}

export function appReducer(state: AppState, action: AppAction): AppState {
	switch (action.type) {
		case 'focus':
			return {...state, focus: action.pane, views: [{kind: 'board'}], mode: {kind: 'normal'}};
		case 'cycle': {
			const index = panes.indexOf(state.focus);
			return {...state, focus: panes[(index + action.step + panes.length) % panes.length]!};
		}
		case 'open': {
			const below = action.replace && state.views.length > 1 ? state.views.slice(0, -1) : state.views;
			return {...state, views: [...below, action.view], mode: {kind: 'normal'}};
		}
		case 'back':
			return state.views.length > 1 ? {...state, views: state.views.slice(0, -1), mode: {kind: 'normal'}} : state;
		case 'show':
			return {...state, views: action.view.kind === 'board' ? [{kind: 'board'}] : [{kind: 'board'}, action.view], mode: {kind: 'normal'}};
		case 'mode':
			return {...state, mode: action.mode};
		case 'filter':
			return {...state, filter: action.filter};
		case 'auditFilter':
			return {...state, auditFilter: action.filter};
		case 'selectProvider':
			return {...state, providerRequest: {id: action.id, seq: (state.providerRequest?.seq ?? 0) + 1}};
		case 'flash':
			return {...state, flash: {text: action.text, tone: action.tone, id: ++flashId}};
		case 'clearFlash':
			return state.flash?.id === action.id ? {...state, flash: null} : state;
	}
}

/** The scopes whose keys are live: the open view's (or focused pane's), lists, then global ones. */
export function scopesFor(view: View, focus: PaneId): Scope[] {
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

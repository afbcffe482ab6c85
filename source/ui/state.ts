/**
 * Dashboard UI state: which view, which pane has focus, what mode takes the keys, the cursor of
 * each list, the flash line. One reducer with a discriminated-union action, tested as a plain
 * function; data itself lives in the data hook.
 */
export type PaneId = 'providers' | 'keys' | 'models' | 'smoke';
export const panes: readonly PaneId[] = ['providers', 'keys', 'models', 'smoke'];
/** `compare` shows one alias comparison (running or done); Esc goes back to `aliases`. */
export type ViewId = 'board' | 'settings' | 'audit' | 'aliases' | 'compare';
export type ListId = 'providers' | 'keys' | 'models' | 'settings' | 'audit' | 'aliases';

export interface Confirmation {
	readonly message: string;
	readonly run: () => Promise<string>;
}

export type Mode =
	| {readonly kind: 'normal'}
	| {readonly kind: 'filter'}
	| {readonly kind: 'command'}
	/** Typing the prompt of an alias comparison (`p` in the aliases view). */
	| {readonly kind: 'prompt'}
	| {readonly kind: 'help'}
	| {readonly kind: 'confirm'; readonly confirmation: Confirmation}
	| {readonly kind: 'form'; readonly form: FormKind};

export type FormKind =
	| {readonly type: 'provider'; readonly providerId?: string}
	| {readonly type: 'key'; readonly providerId: string}
	| {readonly type: 'model'; readonly providerId: string; readonly modelId?: string}
	| {readonly type: 'setting'; readonly key: string}
	| {readonly type: 'rotate'; readonly providerId: string; readonly oldKeyId?: string};

export interface Flash {
	readonly text: string;
	readonly tone: 'ok' | 'error' | 'info';
	readonly id: number;
}

export interface UiState {
	readonly view: ViewId;
	readonly focus: PaneId;
	readonly mode: Mode;
	readonly cursor: Readonly<Record<ListId, number>>;
	readonly filter: string;
	readonly flash: Flash | null;
	/** Set by `:alias NAME` so the aliases view opens on it. */
	readonly aliasQuery: string | null;
}

export type UiAction =
	| {readonly type: 'focus'; readonly pane: PaneId}
	| {readonly type: 'cycle'; readonly step: 1 | -1}
	| {readonly type: 'view'; readonly view: ViewId; readonly aliasQuery?: string | null}
	| {readonly type: 'mode'; readonly mode: Mode}
	| {readonly type: 'move'; readonly list: ListId; readonly step: number; readonly count: number}
	| {readonly type: 'select'; readonly list: ListId; readonly index: number}
	| {readonly type: 'filter'; readonly filter: string}
	| {readonly type: 'flash'; readonly text: string; readonly tone: Flash['tone']}
	| {readonly type: 'clearFlash'; readonly id: number};

export const initialUiState: UiState = {
	view: 'board',
	focus: 'providers',
	mode: {kind: 'normal'},
	cursor: {providers: 0, keys: 0, models: 0, settings: 0, audit: 0, aliases: 0},
	filter: '',
	flash: null,
	aliasQuery: null,
};

let flashId = 0;

export function uiReducer(state: UiState, action: UiAction): UiState {
	switch (action.type) {
		case 'focus':
			return {...state, focus: action.pane, view: 'board'};
		case 'cycle': {
			const index = panes.indexOf(state.focus);
			return {...state, focus: panes[(index + action.step + panes.length) % panes.length]!};
		}
		case 'view':
			return {...state, view: action.view, mode: {kind: 'normal'}, aliasQuery: action.aliasQuery ?? null};
		case 'mode':
			return {...state, mode: action.mode};
		case 'move': {
			if (action.count <= 0) return {...state, cursor: {...state.cursor, [action.list]: 0}};
			const next = Math.min(action.count - 1, Math.max(0, state.cursor[action.list] + action.step));
			return {...state, cursor: {...state.cursor, [action.list]: next}};
		}
		case 'select':
			return {...state, cursor: {...state.cursor, [action.list]: Math.max(0, action.index)}};
		case 'filter':
			return {...state, filter: action.filter, cursor: {...state.cursor, providers: 0}};
		case 'flash':
			return {...state, flash: {text: action.text, tone: action.tone, id: ++flashId}};
		case 'clearFlash':
			return state.flash?.id === action.id ? {...state, flash: null} : state;
	}
}

/** The first index of the visible window that keeps `cursor` in view. */
export function windowStart(cursor: number, count: number, height: number): number {
	if (count <= height) return 0;
	const half = Math.floor(height / 2);
	return Math.max(0, Math.min(count - height, cursor - half));
}

import type {Key} from 'ink';

/**
 * Every key binding, in one place. The hint bar, the `?` overlay and the README's key table
 * are generated from this list, so they cannot drift from what the keys do.
 */
export type Scope = 'global' | 'providers' | 'keys' | 'models' | 'smoke' | 'settings' | 'audit' | 'aliases' | 'compare';

export type CommandId =
	| 'help'
	| 'command'
	| 'filter'
	| 'focus1'
	| 'focus2'
	| 'focus3'
	| 'focus4'
	| 'nextPane'
	| 'prevPane'
	| 'down'
	| 'up'
	| 'refresh'
	| 'quit'
	| 'back'
	| 'add'
	| 'edit'
	| 'toggle'
	| 'delete'
	| 'smoke'
	| 'priorityUp'
	| 'priorityDown'
	| 'open'
	| 'verify'
	| 'settings'
	| 'audit'
	| 'aliases'
	| 'rotate'
	| 'compare'
	| 'comparePrompt';

export interface Binding {
	readonly id: CommandId;
	/** As shown to the operator. */
	readonly keys: string;
	readonly description: string;
	readonly scope: Scope;
	/** Changes data: unavailable and refused in read-only mode. */
	readonly mutating?: boolean;
	/** Shown in the bottom hint bar (the overlay shows everything). */
	readonly hint?: boolean;
	readonly match: (input: string, key: Key) => boolean;
}

const char = (c: string) => (input: string, key: Key) => input === c && !key.ctrl && !key.meta;

export const keymap: readonly Binding[] = [
	{id: 'help', keys: '?', description: 'show or hide all keys', scope: 'global', hint: true, match: char('?')},
	{id: 'command', keys: ':', description: 'command line (:provider NAME, :alias NAME, :settings, :audit, :aliases, :q)', scope: 'global', hint: true, match: char(':')},
	{id: 'filter', keys: '/', description: 'filter providers by name or type', scope: 'providers', hint: true, match: char('/')},
	{id: 'focus1', keys: '1', description: 'providers pane', scope: 'global', match: char('1')},
	{id: 'focus2', keys: '2', description: 'keys pane', scope: 'global', match: char('2')},
	{id: 'focus3', keys: '3', description: 'models pane', scope: 'global', match: char('3')},
	{id: 'focus4', keys: '4', description: 'smoke output pane', scope: 'global', match: char('4')},
	{id: 'nextPane', keys: 'Tab', description: 'next pane', scope: 'global', match: (input, key) => key.tab && !key.shift},
	{id: 'prevPane', keys: 'S-Tab', description: 'previous pane', scope: 'global', match: (input, key) => key.tab && key.shift},
	{id: 'down', keys: 'j/↓', description: 'move down', scope: 'global', match: (input, key) => key.downArrow || char('j')(input, key)},
	{id: 'up', keys: 'k/↑', description: 'move up', scope: 'global', match: (input, key) => key.upArrow || char('k')(input, key)},
	{id: 'open', keys: 'Enter', description: 'open: providers → keys, settings → edit, alias → compare', scope: 'global', match: (input, key) => key.return},
	{id: 'back', keys: 'Esc', description: 'cancel the running test or comparison, close a view or dialog', scope: 'global', match: (input, key) => key.escape},
	{id: 'refresh', keys: 'r', description: 'reload from the database', scope: 'global', match: char('r')},
	{id: 'quit', keys: 'q', description: 'quit (also Ctrl+C)', scope: 'global', hint: true, match: (input, key) => char('q')(input, key) || (key.ctrl && input === 'c')},
	{id: 'add', keys: 'a', description: 'add a provider / key / model (the focused pane’s kind)', scope: 'global', mutating: true, hint: true, match: char('a')},
	{id: 'edit', keys: 'e', description: 'edit the selected provider / model / setting', scope: 'global', mutating: true, hint: true, match: char('e')},
	{id: 'toggle', keys: 't', description: 'enable or disable the selected provider / key', scope: 'global', mutating: true, hint: true, match: char('t')},
	{id: 'delete', keys: 'd', description: 'delete the selected provider / key / model (asks first)', scope: 'global', mutating: true, hint: true, match: char('d')},
	{id: 'priorityUp', keys: '+', description: 'raise the selected key’s priority (used first)', scope: 'keys', mutating: true, match: (input) => input === '+' || input === '='},
	{id: 'priorityDown', keys: '-', description: 'lower the selected key’s priority', scope: 'keys', mutating: true, match: char('-')},
	{id: 'smoke', keys: 's', description: 'smoke-test the selected provider with its model and key', scope: 'global', mutating: true, hint: true, match: char('s')},
	{id: 'rotate', keys: 'R', description: 'rotate a key: store the new one, validate it, retire the old (providers / keys pane)', scope: 'global', mutating: true, hint: true, match: char('R')},
	{id: 'compare', keys: 'c', description: 'compare the selected alias: the smoke prompt on every provider serving it, at once', scope: 'aliases', mutating: true, hint: true, match: char('c')},
	{id: 'comparePrompt', keys: 'p', description: 'prompt typed first, then compare the selected alias', scope: 'aliases', mutating: true, hint: true, match: char('p')},
	{id: 'verify', keys: 'v', description: 'verify the audit chain', scope: 'audit', hint: true, match: char('v')},
	{id: 'settings', keys: 'S', description: 'settings view', scope: 'global', match: char('S')},
	{id: 'audit', keys: 'L', description: 'audit log view', scope: 'global', match: char('L')},
	{id: 'aliases', keys: 'A', description: 'aliases view: each alias with the providers and models serving it', scope: 'global', match: char('A')},
];

export function binding(id: CommandId): Binding {
	return keymap.find((b) => b.id === id)!;
}

/** The first binding in `scopes` that the key press matches. */
export function resolve(input: string, key: Key, scopes: readonly Scope[]): Binding | undefined {
	return keymap.find((b) => scopes.includes(b.scope) && b.match(input, key));
}

/** Hints for the bottom bar: the focused view's own keys first, so a narrow bar cuts global ones. */
export function hintsFor(scopes: readonly Scope[], readOnly: boolean): Binding[] {
	const shown = keymap.filter((b) => b.hint && scopes.includes(b.scope) && !(readOnly && b.mutating));
	return [...shown.filter((b) => b.scope !== 'global'), ...shown.filter((b) => b.scope === 'global')];
}

/** The README's key table, generated (see `npm run keys`). */
export function markdownKeyTable(): string {
	const rows = keymap.map((b) => `| \`${b.keys}\` | ${b.description}${b.mutating ? ' (not in read-only mode)' : ''} | ${b.scope} |`);
	return ['| key | what it does | where |', '|---|---|---|', ...rows].join('\n');
}

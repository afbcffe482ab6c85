import type {Key} from 'ink';

/**
 * Every key binding of the dashboard, in one place: the binding that matches a key is the one
 * documented. Panes, views and dialogs resolve keys through `resolve` with their scopes; the
 * bottom hint bar, the `?` overlay and the README's key table are generated from this list.
 */
export type Scope =
	| 'global'
	| 'list'
	| 'providers'
	| 'keys'
	| 'models'
	| 'smoke'
	| 'settings'
	| 'status'
	| 'audit'
	| 'aliases'
	| 'compare'
	| 'detail'
	| 'runs'
	| 'help'
	| 'confirm'
	| 'form'
	| 'text'
	| 'picker'
	| 'wizard'
	| 'command';

export const scopeTitles: Readonly<Record<Scope, string>> = {
	global: 'everywhere',
	list: 'any list',
	providers: 'providers pane',
	keys: 'keys pane',
	models: 'models pane',
	smoke: 'smoke pane',
	settings: 'settings view',
	status: 'status view',
	audit: 'audit view',
	aliases: 'aliases view',
	compare: 'comparison view',
	detail: 'detail views',
	runs: 'run history',
	help: 'this help',
	confirm: 'confirmations',
	form: 'forms',
	text: 'text fields',
	picker: 'pick lists',
	wizard: 'rotation wizard',
	command: 'command line (:)',
};

export type CommandId =
	| 'help'
	| 'command'
	| 'focus1'
	| 'focus2'
	| 'focus3'
	| 'focus4'
	| 'nextPane'
	| 'prevPane'
	| 'refresh'
	| 'quit'
	| 'back'
	| 'settings'
	| 'audit'
	| 'aliases'
	| 'down'
	| 'up'
	| 'pageDown'
	| 'pageUp'
	| 'first'
	| 'last'
	| 'filter'
	| 'open'
	| 'add'
	| 'edit'
	| 'toggle'
	| 'delete'
	| 'smoke'
	| 'probe'
	| 'rotate'
	| 'priorityUp'
	| 'priorityDown'
	| 'history'
	| 'verify'
	| 'jump'
	| 'compare'
	| 'comparePrompt'
	| 'helpClose'
	| 'yes'
	| 'no'
	| 'fieldNext'
	| 'fieldPrev'
	| 'flagToggle'
	| 'save'
	| 'cancel'
	| 'clearField'
	| 'pick'
	| 'pickNumber'
	| 'disableOld'
	| 'deleteOld'
	| 'keepOld'
	| 'complete';

export interface Binding {
	readonly id: CommandId;
	/** As shown to the operator. */
	readonly keys: string;
	readonly description: string;
	readonly scope: Scope;
	/** Changes data: unavailable and refused in read-only mode. */
	readonly mutating?: boolean;
	/** Shown in the bottom hint bar (the `?` overlay shows everything). */
	readonly hint?: boolean;
	/** Short word for the hint bar; the description's first word otherwise. */
	readonly short?: string;
	readonly match: (input: string, key: Key) => boolean;
}

const char = (c: string) => (input: string, key: Key) => input === c && !key.ctrl && !key.meta;
const either = (...chars: string[]) => (input: string, key: Key) => chars.includes(input) && !key.ctrl && !key.meta;
const down = (input: string, key: Key) => key.downArrow || char('j')(input, key);
const up = (input: string, key: Key) => key.upArrow || char('k')(input, key);
const enter = (_input: string, key: Key) => key.return;
const escape = (_input: string, key: Key) => key.escape;
const ctrl = (c: string) => (input: string, key: Key) => key.ctrl && input === c;

export const keymap: readonly Binding[] = [
	// Everywhere (board and views)
	{id: 'help', keys: '?', description: 'show or hide every key', scope: 'global', hint: true, short: 'keys', match: char('?')},
	{id: 'command', keys: ':', description: 'command line: :provider NAME, :alias NAME, :status, :settings, :audit, :aliases, :runs, :q (Tab completes)', scope: 'global', hint: true, short: 'command', match: char(':')},
	{id: 'focus1', keys: '1', description: 'providers pane', scope: 'global', match: char('1')},
	{id: 'focus2', keys: '2', description: 'keys pane (of the selected provider)', scope: 'global', match: char('2')},
	{id: 'focus3', keys: '3', description: 'models pane (of the selected provider)', scope: 'global', match: char('3')},
	{id: 'focus4', keys: '4', description: 'smoke output pane', scope: 'global', match: char('4')},
	{id: 'nextPane', keys: 'Tab', description: 'next pane', scope: 'global', match: (_input, key) => key.tab && !key.shift},
	{id: 'prevPane', keys: 'S-Tab', description: 'previous pane', scope: 'global', match: (_input, key) => key.tab && key.shift},
	{id: 'back', keys: 'Esc', description: 'cancel the running test or comparison, else close the view (back to the board)', scope: 'global', match: escape},
	{id: 'refresh', keys: 'r', description: 'reload from the database', scope: 'global', match: char('r')},
	{id: 'settings', keys: 'S', description: 'settings view (workspace-wide runtime defaults)', scope: 'global', match: char('S')},
	{id: 'audit', keys: 'L', description: 'audit log view', scope: 'global', match: char('L')},
	{id: 'aliases', keys: 'A', description: 'aliases view: each alias with the providers and models serving it', scope: 'global', match: char('A')},
	{id: 'quit', keys: 'q', description: 'quit (Ctrl+C quits from anywhere)', scope: 'global', hint: true, short: 'quit', match: (input, key) => char('q')(input, key) || ctrl('c')(input, key)},
	// Lists
	{id: 'down', keys: 'j/↓', description: 'move down', scope: 'list', match: down},
	{id: 'up', keys: 'k/↑', description: 'move up', scope: 'list', match: up},
	{id: 'pageDown', keys: 'PgDn/J', description: 'page down', scope: 'list', match: (input, key) => key.pageDown || char('J')(input, key)},
	{id: 'pageUp', keys: 'PgUp/K', description: 'page up', scope: 'list', match: (input, key) => key.pageUp || char('K')(input, key)},
	// Providers pane
	{id: 'open', keys: 'Enter/i', description: 'provider details: every field, limits, keys, models, last runs', scope: 'providers', hint: true, short: 'details', match: (input, key) => key.return || char('i')(input, key)},
	{id: 'filter', keys: '/', description: 'filter providers by name or type', scope: 'providers', hint: true, short: 'filter', match: char('/')},
	{id: 'add', keys: 'a', description: 'add a provider', scope: 'providers', mutating: true, hint: true, short: 'add', match: char('a')},
	{id: 'edit', keys: 'e', description: 'edit the selected provider', scope: 'providers', mutating: true, hint: true, short: 'edit', match: char('e')},
	{id: 'toggle', keys: 't', description: 'enable or disable the selected provider', scope: 'providers', mutating: true, hint: true, short: 'on/off', match: char('t')},
	{id: 'delete', keys: 'd', description: 'delete the selected provider with its keys and models (asks first)', scope: 'providers', mutating: true, hint: true, short: 'delete', match: char('d')},
	{id: 'smoke', keys: 's', description: 'probe the selected provider (its default probe kind) with its first model and active key', scope: 'providers', mutating: true, hint: true, short: 'smoke', match: char('s')},
	{id: 'probe', keys: 'P', description: 'choose the probe kind (models, chat, stream), then probe the selected provider', scope: 'providers', mutating: true, short: 'probe…', match: char('P')},
	{id: 'rotate', keys: 'R', description: 'rotate a key (the provider’s first active one): store the new one, validate it, retire the old', scope: 'providers', mutating: true, hint: true, short: 'rotate', match: char('R')},
	{id: 'history', keys: 'h', description: 'run history of the selected provider (smoke tests and probes)', scope: 'providers', short: 'history', match: char('h')},
	// Keys pane
	{id: 'add', keys: 'a', description: 'add a key (typed masked, stored encrypted)', scope: 'keys', mutating: true, hint: true, short: 'add', match: char('a')},
	{id: 'edit', keys: 'e', description: 'edit the selected key’s label and priority (never the key itself)', scope: 'keys', mutating: true, short: 'edit', match: char('e')},
	{id: 'toggle', keys: 't', description: 'enable or disable the selected key', scope: 'keys', mutating: true, hint: true, short: 'on/off', match: char('t')},
	{id: 'delete', keys: 'd', description: 'delete the selected key (asks first)', scope: 'keys', mutating: true, hint: true, short: 'delete', match: char('d')},
	{id: 'priorityUp', keys: '+', description: 'raise the selected key’s priority (0 is used first)', scope: 'keys', mutating: true, short: 'prio+', match: either('+', '=')},
	{id: 'priorityDown', keys: '-', description: 'lower the selected key’s priority', scope: 'keys', mutating: true, short: 'prio-', match: char('-')},
	{id: 'smoke', keys: 's', description: 'smoke-test the provider with the selected key', scope: 'keys', mutating: true, hint: true, short: 'smoke', match: char('s')},
	{id: 'rotate', keys: 'R', description: 'rotate a key (the selected one): store the new one, validate it, retire this one', scope: 'keys', mutating: true, hint: true, short: 'rotate', match: char('R')},
	// Models pane
	{id: 'add', keys: 'a', description: 'attach a model (picked from what the provider serves, or typed)', scope: 'models', mutating: true, hint: true, short: 'attach', match: char('a')},
	{id: 'edit', keys: 'e', description: 'edit the selected model’s id, label or alias', scope: 'models', mutating: true, hint: true, short: 'edit', match: char('e')},
	{id: 'delete', keys: 'd', description: 'detach the selected model (asks first)', scope: 'models', mutating: true, hint: true, short: 'detach', match: char('d')},
	{id: 'smoke', keys: 's', description: 'smoke-test the provider with the selected model', scope: 'models', mutating: true, hint: true, short: 'smoke', match: char('s')},
	// Smoke pane
	{id: 'smoke', keys: 's', description: 'smoke-test the selected provider again', scope: 'smoke', mutating: true, hint: true, short: 'again', match: char('s')},
	// Settings
	{id: 'edit', keys: 'Enter/e', description: 'edit the selected setting', scope: 'settings', mutating: true, hint: true, short: 'edit', match: (input, key) => key.return || char('e')(input, key)},
	// Status
	{id: 'open', keys: 'Enter/i', description: 'the selected provider in full', scope: 'status', hint: true, short: 'open', match: (input, key) => key.return || char('i')(input, key)},
	// Audit
	{id: 'open', keys: 'Enter/i', description: 'the selected audit row in full: details, names, before/after', scope: 'audit', hint: true, short: 'open', match: (input, key) => key.return || char('i')(input, key)},
	{id: 'filter', keys: '/', description: 'filter the audit log by actor, action or target (e.g. bob provider.update groq)', scope: 'audit', hint: true, short: 'filter', match: char('/')},
	{id: 'verify', keys: 'v', description: 'verify the audit chain (keyed hashes, head, anchors)', scope: 'audit', hint: true, short: 'verify', match: char('v')},
	// Aliases
	{id: 'compare', keys: 'c/Enter', description: 'compare the selected alias: the smoke prompt on every provider serving it, at once', scope: 'aliases', mutating: true, hint: true, short: 'compare', match: (input, key) => key.return || char('c')(input, key)},
	{id: 'comparePrompt', keys: 'p', description: 'type a prompt first, then compare the selected alias', scope: 'aliases', mutating: true, hint: true, short: 'prompt', match: char('p')},
	{id: 'history', keys: 'h', description: 'stored comparison runs of the selected alias', scope: 'aliases', hint: true, short: 'history', match: char('h')},
	// Detail views
	{id: 'jump', keys: 'g', description: 'go to what the view is about (an audit row’s target, a run’s provider)', scope: 'detail', hint: true, short: 'go to', match: char('g')},
	{id: 'history', keys: 'h', description: 'run history of this provider', scope: 'detail', hint: true, short: 'history', match: char('h')},
	// Run history
	{id: 'open', keys: 'Enter/i', description: 'the selected run in full (a comparison shows every answer)', scope: 'runs', hint: true, short: 'open', match: (input, key) => key.return || char('i')(input, key)},
	// The help overlay
	{id: 'helpClose', keys: '?/Esc/q', description: 'close this help', scope: 'help', match: (input, key) => key.escape || char('?')(input, key) || char('q')(input, key)},
	// Confirmations
	{id: 'yes', keys: 'y', description: 'yes, do it', scope: 'confirm', match: either('y', 'Y')},
	{id: 'no', keys: 'n/Esc/Enter', description: 'no, change nothing (the default)', scope: 'confirm', match: (input, key) => either('n', 'N')(input, key) || key.escape || key.return},
	// Forms
	{id: 'fieldNext', keys: 'Tab/↓', description: 'next field (on a list field ↓ and ↑ choose: a family fills its base URL)', scope: 'form', match: (_input, key) => (key.tab && !key.shift) || key.downArrow},
	{id: 'fieldPrev', keys: 'S-Tab/↑', description: 'previous field', scope: 'form', match: (_input, key) => (key.tab && key.shift) || key.upArrow},
	{id: 'flagToggle', keys: 'Space', description: 'switch the highlighted capability on or off', scope: 'form', match: (input, key) => input === ' ' && !key.meta},
	{id: 'save', keys: 'Enter', description: 'save (after a conflict: save your values over the other operator’s)', scope: 'form', match: enter},
	{id: 'cancel', keys: 'Esc', description: 'cancel (after a conflict: discard your values)', scope: 'form', match: escape},
	// Text fields (ink-text-input)
	{id: 'clearField', keys: 'Ctrl+U', description: 'clear the field (←/→ move, Backspace deletes; a paste enters as text)', scope: 'text', match: ctrl('u')},
	// Pick lists (ink-select-input)
	{id: 'down', keys: 'j/↓', description: 'next item (stops at the last)', scope: 'picker', match: down},
	{id: 'up', keys: 'k/↑', description: 'previous item (stops at the first)', scope: 'picker', match: up},
	{id: 'pageDown', keys: 'PgDn/J', description: 'a page down', scope: 'picker', match: (input, key) => key.pageDown || char('J')(input, key)},
	{id: 'pageUp', keys: 'PgUp/K', description: 'a page up', scope: 'picker', match: (input, key) => key.pageUp || char('K')(input, key)},
	{id: 'last', keys: 'G/End', description: 'the last item', scope: 'picker', match: (input, key) => key.end || char('G')(input, key)},
	{id: 'first', keys: 'g/Home', description: 'the first item', scope: 'picker', match: (input, key) => key.home || char('g')(input, key)},
	{id: 'filter', keys: '/', description: 'filter the list as you type (Enter keeps it, Esc clears it)', scope: 'picker', match: char('/')},
	{id: 'pickNumber', keys: '1–9', description: 'pick the n-th item shown', scope: 'picker', match: (input, key) => /^[1-9]$/.test(input) && !key.meta && !key.ctrl},
	{id: 'pick', keys: 'Enter', description: 'pick the highlighted item (nothing on an empty list)', scope: 'picker', match: enter},
	{id: 'cancel', keys: 'Esc', description: 'clear the filter, else cancel', scope: 'picker', match: escape},
	// Rotation wizard
	{id: 'disableOld', keys: 'd', description: 'after a passed validation: disable the old key', scope: 'wizard', mutating: true, match: char('d')},
	{id: 'deleteOld', keys: 'x', description: 'after a passed validation: delete the old key (asks y/N)', scope: 'wizard', mutating: true, match: char('x')},
	{id: 'keepOld', keys: 'k', description: 'after a passed validation: keep both keys, the new one first', scope: 'wizard', mutating: true, match: char('k')},
	{id: 'cancel', keys: 'Esc', description: 'cancel at any step: closes the request and says what it left', scope: 'wizard', match: escape},
	// Command line
	{id: 'complete', keys: 'Tab', description: 'complete a command or a provider / alias name', scope: 'command', match: (_input, key) => key.tab && !key.shift},
	{id: 'save', keys: 'Enter', description: 'run the command (filter: keep it)', scope: 'command', match: enter},
	{id: 'cancel', keys: 'Esc', description: 'close the line (filter: clear it)', scope: 'command', match: escape},
];

/** Ink's key flags for Alt+`char` as a terminal sends it (ESC + char). */
function altKey(char: string): Key {
	return {
		upArrow: false,
		downArrow: false,
		leftArrow: false,
		rightArrow: false,
		pageDown: false,
		pageUp: false,
		home: false,
		end: false,
		return: false,
		escape: false,
		ctrl: false,
		shift: char !== char.toLowerCase(),
		tab: false,
		backspace: false,
		delete: false,
		meta: true,
		super: false,
		hyper: false,
		capsLock: false,
		numLock: false,
	};
}

/**
 * Whether any binding, in any scope, takes Alt+`char`. None does today: so Esc typed quickly
 * before a key (one read, ESC + key) always acts as Esc and then that key (input/split-keys.ts).
 */
export function hasAltBinding(char: string): boolean {
	const key = altKey(char);
	return keymap.some((binding) => binding.match(char, key));
}

/** The first binding among `scopes` (in that order of precedence) that the key press matches. */
export function resolve(input: string, key: Key, scopes: readonly Scope[]): Binding | undefined {
	for (const scope of scopes) {
		const found = keymap.find((b) => b.scope === scope && b.match(input, key));
		if (found) return found;
	}
	return undefined;
}

/** Bindings of one scope (the overlay and the bottom line list them). */
export function bindingsOf(scope: Scope): Binding[] {
	return keymap.filter((b) => b.scope === scope);
}

/** What the bottom line shows: the focused pane's or dialog's own keys first, then global ones. */
export function hintsFor(scopes: readonly Scope[], readOnly: boolean): Binding[] {
	const shown = keymap.filter((b) => b.hint && scopes.includes(b.scope) && !(readOnly && b.mutating));
	return [...shown.filter((b) => b.scope !== 'global'), ...shown.filter((b) => b.scope === 'global')];
}

/** One hint: "a add", "Enter/i details". */
export function hintText(b: Binding): string {
	return `${b.keys} ${b.short ?? b.description.split(/[ (,:]/)[0]}`;
}

/** The README's key table, generated (test/readme.test.ts keeps the README in step). */
export function markdownKeyTable(): string {
	const rows = keymap.map((b) => `| \`${b.keys}\` | ${b.description}${b.mutating ? ' (not in read-only mode)' : ''} | ${scopeTitles[b.scope]} |`);
	return ['| key | what it does | where |', '|---|---|---|', ...rows].join('\n');
}

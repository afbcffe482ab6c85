import type {AppAction} from './app-state.js';
import type {DashboardServices} from './services.js';
import type {Ui} from './ui-context.js';

/** The `:` commands: name, the words it takes, what it does (the help line and Tab completion use this). */
export const lineCommands: readonly {readonly name: string; readonly aliases: readonly string[]; readonly takes: 'provider' | 'alias' | null; readonly description: string}[] = [
	{name: 'provider', aliases: ['p'], takes: 'provider', description: 'select a provider on the board (name, prefix or id)'},
	{name: 'alias', aliases: [], takes: 'alias', description: 'the aliases view, on this alias'},
	{name: 'aliases', aliases: [], takes: null, description: 'the aliases view'},
	{name: 'status', aliases: [], takes: null, description: 'provider health at a glance (what eval752 status prints)'},
	{name: 'settings', aliases: [], takes: null, description: 'the settings view'},
	{name: 'audit', aliases: [], takes: null, description: 'the audit log view'},
	{name: 'runs', aliases: [], takes: null, description: 'every stored smoke test, probe and comparison run'},
	{name: 'help', aliases: [], takes: null, description: 'every key'},
	{name: 'q', aliases: ['quit'], takes: null, description: 'quit'},
];

export interface CommandContext {
	readonly services: DashboardServices;
	readonly ui: Ui;
	readonly dispatch: (action: AppAction) => void;
	readonly quit: () => void;
}

function find(verb: string) {
	const lower = verb.toLowerCase();
	return lineCommands.find((c) => c.name === lower || c.aliases.includes(lower));
}

/** Runs one command line; an unknown one is named with what would work. */
export async function runCommand(text: string, {services, ui, dispatch, quit}: CommandContext): Promise<void> {
	const [verb = '', ...words] = text.trim().split(/\s+/);
	const rest = words.join(' ');
	if (verb === '') return;
	const command = find(verb);
	if (!command) return ui.flash(`Unknown command “:${verb}” — try :provider NAME, :alias NAME, :status, :settings, :audit, :q (Tab completes)`, 'error');
	switch (command.name) {
		case 'q':
			return quit();
		case 'provider': {
			const providers = await services.providerNames().catch(() => []);
			const needle = rest.toLowerCase();
			const match = providers.find((p) => p.name.toLowerCase() === needle || p.id === rest) ?? providers.find((p) => needle && p.name.toLowerCase().startsWith(needle));
			if (!match) return ui.flash(`No provider named “${rest}” — :provider NAME selects one (Tab completes)`, 'error');
			dispatch({type: 'filter', filter: ''});
			dispatch({type: 'focus', pane: 'providers'});
			dispatch({type: 'selectProvider', id: match.id});
			return;
		}
		case 'alias':
			return dispatch({type: 'show', view: {kind: 'aliases', query: rest || undefined}});
		case 'aliases':
			return dispatch({type: 'show', view: {kind: 'aliases'}});
		case 'settings':
			return dispatch({type: 'show', view: {kind: 'settings'}});
		case 'audit':
			return dispatch({type: 'show', view: {kind: 'audit'}});
		case 'status':
			return dispatch({type: 'show', view: {kind: 'status'}});
		case 'runs':
			return dispatch({type: 'show', view: {kind: 'runs'}});
		case 'help':
			return dispatch({type: 'mode', mode: {kind: 'help'}});
	}
}

/** Tab on the command line: completes the command, then a provider or alias name. */
export async function completeCommand(services: DashboardServices, text: string): Promise<string | undefined> {
	const match = /^(\S*)(\s+(.*))?$/.exec(text);
	const verb = match?.[1] ?? '';
	if (match?.[2] === undefined) {
		const names = lineCommands.map((c) => c.name).filter((name) => name.startsWith(verb.toLowerCase()));
		if (names.length === 0) return undefined;
		const common = commonPrefix(names);
		return names.length === 1 ? `${common} ` : common;
	}
	const command = find(verb);
	if (!command?.takes) return undefined;
	const partial = (match[3] ?? '').toLowerCase();
	const candidates =
		command.takes === 'provider'
			? (await services.providerNames().catch(() => [])).map((p) => p.name)
			: (await services.aliasOverview().catch(() => [])).map((a) => a.alias);
	const hits = candidates.filter((name) => name.toLowerCase().startsWith(partial));
	if (hits.length === 0) return undefined;
	return `${verb} ${hits.length === 1 ? hits[0] : commonPrefix(hits)}`;
}

function commonPrefix(words: readonly string[]): string {
	let prefix = words[0] ?? '';
	for (const word of words) while (!word.toLowerCase().startsWith(prefix.toLowerCase())) prefix = prefix.slice(0, -1);
	return prefix;
}

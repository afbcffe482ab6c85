import type {ServiceContext} from '../../source/services/context.js';
import {addKey, listKeys, storedSecretLocation} from '../../source/services/keys.js';
import {addModel} from '../../source/services/models.js';
import {createProvider, deleteProvider, listProviders} from '../../source/services/providers.js';
import type {MockProvider} from './mock-provider.js';

/**
 * The shapes of keyboard input that break a dashboard over a slow link: several keys in one read.
 * Each scenario is a list of keys, the data it starts from, and the state it must end in — which
 * is the state the same keys typed slowly produce (the UI tests check both). The same scenarios
 * drive the built binary in tmux (one send-keys string each) and the stress script.
 */
export type KeyStep =
	/** A named key (enter, tab, escape, down…) or one character. */
	| {readonly key: string}
	/** Characters typed (slowly: one by one; in a burst: with everything else). */
	| {readonly text: string}
	/** A paste: bracketed (ESC[200~ … ESC[201~) or the raw characters in one read. */
	| {readonly paste: string; readonly bracketed: boolean}
	/** A person waits for this screen before going on (type-ahead skips the wait). */
	| {readonly waitFor: RegExp};

export interface Seed {
	readonly rows: readonly string[];
}

export interface BurstScenario {
	readonly name: string;
	seed(ctx: ServiceContext, mock: MockProvider): Promise<void>;
	steps(mock: MockProvider): readonly KeyStep[];
	/**
	 * Where the end state shows: on the screen (the cursor's row), or in the database — then
	 * `done` is the screen that says the work has landed (a real terminal run quits after it).
	 */
	readonly reads: {readonly from: 'screen'} | {readonly from: 'database'; readonly done: RegExp};
	/** The end state, read from the database and the last screen; JSON-comparable. */
	outcome(ctx: ServiceContext, screen: string): Promise<unknown>;
	/** What `outcome` must be. */
	expected(mock: MockProvider): unknown;
}

const ROWS = Array.from({length: 9}, (_, i) => `row-${i + 1}`);

async function nineRows(ctx: ServiceContext, mock: MockProvider): Promise<void> {
	for (const name of ROWS) await createProvider(ctx, {name, type: 'openai-compatible', baseUrl: mock.baseUrl});
}

/** The provider the board's cursor is on. */
export function selectedRow(screen: string): string | null {
	return /›(row-\d|burst-\S+|rot-\S+|paste-\S+)/.exec(screen)?.[1] ?? null;
}

export const PASTED_KEY = `sk-paste-${'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(40)}`.slice(0, 2000);

async function pasteTarget(ctx: ServiceContext, mock: MockProvider): Promise<void> {
	await createProvider(ctx, {name: 'paste-target', type: 'openai-compatible', baseUrl: mock.baseUrl});
}

async function pasteOutcome(ctx: ServiceContext): Promise<unknown> {
	const [provider] = await listProviders(ctx);
	const keys = provider ? await listKeys(ctx, provider.id) : [];
	const stored = await storedSecretLocation(ctx, PASTED_KEY);
	return {keys: keys.length, exactSecretStored: stored !== undefined, label: keys[0]?.label ?? null};
}

export const burstScenarios: readonly BurstScenario[] = [
	{
		name: 'jjjj on a 9-row list',
		seed: nineRows,
		reads: {from: 'screen'},
		steps: () => [{key: 'j'}, {key: 'j'}, {key: 'j'}, {key: 'j'}],
		outcome: async (_ctx, screen) => selectedRow(screen),
		expected: () => 'row-5',
	},
	{
		name: 'jjkjk (down and up mixed) on a 9-row list',
		seed: nineRows,
		reads: {from: 'screen'},
		steps: () => [{key: 'j'}, {key: 'j'}, {key: 'k'}, {key: 'j'}, {key: 'k'}],
		outcome: async (_ctx, screen) => selectedRow(screen),
		expected: () => 'row-2',
	},
	{
		name: ':provider NAME⏎',
		seed: nineRows,
		reads: {from: 'screen'},
		steps: () => [{key: ':'}, {text: 'provider row-7'}, {key: 'enter'}],
		outcome: async (_ctx, screen) => selectedRow(screen),
		expected: () => 'row-7',
	},
	{
		name: 'a + a provider name + Tab + base URL + Enter',
		seed: async () => undefined,
		reads: {from: 'database', done: /Provider burst-new created/},
		steps: (mock) => [{key: 'a'}, {text: 'burst-new'}, {key: 'tab'}, {key: 'ctrl-u'}, {text: mock.baseUrl}, {key: 'enter'}],
		outcome: async (ctx) => (await listProviders(ctx)).map((p) => ({name: p.name, type: p.type, baseUrl: p.baseUrl})),
		expected: (mock) => [{name: 'burst-new', type: 'openai', baseUrl: mock.baseUrl}],
	},
	{
		name: 'R + a key + Tab + label + Enter + Enter + d',
		seed: async (ctx, mock) => {
			const provider = await createProvider(ctx, {name: 'rot-burst', type: 'openai', baseUrl: mock.baseUrl});
			await addModel(ctx, provider.id, {modelName: 'mock-small'});
			await addKey(ctx, provider.id, {secret: 'sk-old-burst-0123456789abcdefghij', label: 'old'});
		},
		reads: {from: 'database', done: /Key rotated/},
		steps: () => [{key: 'R'}, {text: 'sk-new-burst-9876543210zyxwvutsrq'}, {key: 'tab'}, {text: 'fresh'}, {key: 'enter'}, {waitFor: /Validate it on:/}, {key: 'enter'}, {waitFor: /d disable/}, {key: 'd'}],
		outcome: async (ctx) => {
			const [provider] = await listProviders(ctx);
			const keys = await listKeys(ctx, provider!.id);
			return keys.map((k) => ({label: k.label, status: k.status, validated: k.lastValidation?.outcome ?? null})).sort((a, b) => a.label.localeCompare(b.label));
		},
		expected: () => [
			{label: 'fresh', status: 'active', validated: 'ok'},
			{label: 'old', status: 'disabled', validated: null},
		],
	},
	{
		name: 'a 2,000-character paste into the key field (not bracketed)',
		seed: pasteTarget,
		reads: {from: 'database', done: /added to paste-target/},
		steps: () => [{key: '2'}, {key: 'a'}, {waitFor: /Add a key to paste-target/}, {paste: PASTED_KEY, bracketed: false}, {key: 'tab'}, {text: 'pasted'}, {key: 'enter'}],
		outcome: pasteOutcome,
		expected: () => ({keys: 1, exactSecretStored: true, label: 'pasted'}),
	},
	{
		name: 'a 2,000-character bracketed paste into the key field',
		seed: pasteTarget,
		reads: {from: 'database', done: /added to paste-target/},
		steps: () => [{key: '2'}, {key: 'a'}, {waitFor: /Add a key to paste-target/}, {paste: `${PASTED_KEY}\r\n`, bracketed: true}, {key: 'tab'}, {text: 'pasted'}, {key: 'enter'}],
		outcome: pasteOutcome,
		expected: () => ({keys: 1, exactSecretStored: true, label: 'pasted'}),
	},
];

/** Removes every provider (and with them keys, models), so the next scenario starts from its own seed. */
export async function clearProviders(ctx: ServiceContext): Promise<void> {
	for (const provider of await listProviders(ctx)) await deleteProvider(ctx, provider.id, {force: true});
}

const named: Record<string, string> = {enter: '\r', tab: '\t', escape: '\u001B', 'ctrl-u': '\u0015', down: '\u001B[B', up: '\u001B[A'};

/** The bytes a terminal would read for the steps (waits dropped: a burst does not wait). */
export function burstBytes(steps: readonly KeyStep[]): string {
	return steps
		.map((step) => {
			if ('key' in step) return named[step.key] ?? step.key;
			if ('text' in step) return step.text;
			if ('paste' in step) return step.bracketed ? `\u001B[200~${step.paste}\u001B[201~` : step.paste;
			return '';
		})
		.join('');
}

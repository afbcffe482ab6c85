import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {scopesFor} from './app-state.js';
import {panes, type View} from './app-state.js';
import {hintsFor, keymap, resolve, type Scope} from './keymap.js';

const noKey: Key = {upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false};

/** What Ink hands a handler for one key as the operator reads it in the table. */
function press(token: string): [string, Key] {
	const named: Record<string, Partial<Key>> = {Enter: {return: true}, Esc: {escape: true}, Tab: {tab: true}, 'S-Tab': {tab: true, shift: true}, '↓': {downArrow: true}, '↑': {upArrow: true}, PgDn: {pageDown: true}, PgUp: {pageUp: true}, Home: {home: true}, End: {end: true}};
	if (named[token]) return ['', {...noKey, ...named[token]}];
	if (token === 'Space') return [' ', noKey];
	if (token === 'Ctrl+U') return ['u', {...noKey, ctrl: true}];
	if (token === '1–9') return ['5', noKey];
	return [token, {...noKey, shift: /^[A-Z]$/.test(token)}];
}

const tokens = (keys: string) => keys.split('/').filter((token) => token !== '');

/** Every set of scopes that is live at once: each view and pane with lists and global keys, and each dialog alone. */
const views: View[] = [{kind: 'settings'}, {kind: 'status'}, {kind: 'audit'}, {kind: 'aliases'}, {kind: 'compare'}, {kind: 'provider', providerId: 'x'}, {kind: 'runs'}];
const combos: Scope[][] = [...panes.map((pane) => scopesFor({kind: 'board'}, pane)), ...views.map((view) => scopesFor(view, 'providers')), ['help'], ['confirm'], ['form'], ['picker'], ['wizard'], ['command'], ['text']];

describe('keymap', () => {
	it('is the single truth: every documented key resolves to the binding that documents it, wherever that binding is live', () => {
		for (const combo of combos) {
			for (const binding of keymap.filter((b) => combo.includes(b.scope))) {
				for (const token of tokens(binding.keys)) {
					const [input, key] = press(token);
					const found = resolve(input, key, combo);
					expect(found?.description, `${token} in ${combo.join(',')}`).toBe(binding.description);
				}
			}
		}
	});

	it('never documents one key twice among the scopes that are live together', () => {
		for (const combo of combos) {
			const seen = keymap.filter((b) => combo.includes(b.scope)).flatMap((b) => tokens(b.keys));
			expect(new Set(seen).size, combo.join(',')).toBe(seen.length);
		}
	});

	it('lists the focused view’s own hints before the global ones, and leaves out mutating keys when read-only', () => {
		const hints = hintsFor(['providers', 'list', 'global'], false);
		expect(hints[0]!.scope).toBe('providers');
		const own = hints.map((b) => b.scope === 'providers');
		expect(own.indexOf(false)).toBe(own.lastIndexOf(true) + 1);
		expect(hintsFor(['providers', 'list', 'global'], true).some((b) => b.mutating)).toBe(false);
	});
});

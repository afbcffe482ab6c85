import {describe, expect, it} from 'vitest';
import {hintsFor, keymap} from './keymap.js';

describe('keymap', () => {
	it('gives every binding a distinct key within each scope it shares with global', () => {
		for (const scope of new Set(keymap.map((b) => b.scope))) {
			const keys = keymap.filter((b) => b.scope === scope || b.scope === 'global').map((b) => b.keys);
			expect(new Set(keys).size, scope).toBe(keys.length);
		}
	});

	it('lists the focused view’s own hints before the global ones, and leaves out mutating keys when read-only', () => {
		const hints = hintsFor(['global', 'providers'], false);
		expect(hints[0]!.scope).toBe('providers');
		expect(hints.slice(1).every((b) => b.scope === 'global')).toBe(true);
		expect(hintsFor(['global', 'providers'], true).some((b) => b.mutating)).toBe(false);
	});
});

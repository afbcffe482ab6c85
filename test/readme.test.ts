import fs from 'node:fs';
import {expect, it} from 'vitest';
import {markdownExitCodeTable} from '../source/services/check-outcome.js';
import {markdownKeyTable} from '../source/ui/keymap.js';

it('the README key table is the one generated from the keymap', () => {
	const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
	expect(readme).toContain(markdownKeyTable());
});

it('the README exit-code table is the one status --help prints from', () => {
	const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
	expect(readme).toContain(markdownExitCodeTable());
});

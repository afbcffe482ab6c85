import {describe, expect, it} from 'vitest';
import {tailLines} from './metrics.js';

/** The definition (and the earlier implementation): wrap every line at `width` characters, keep the last `height` rows. */
function wrapAllThenTail(text: string, width: number, height: number): string[] {
	if (height <= 0 || width <= 0) return [];
	const rows: string[] = [];
	for (const line of text.split('\n')) {
		if (line.length === 0) rows.push('');
		for (let i = 0; i < line.length; i += width) rows.push(line.slice(i, i + width));
	}
	return rows.slice(-height);
}

describe('tailLines', () => {
	it('keeps the last rows of the wrapped text', () => {
		expect(tailLines('one two three\nfour', 5, 3)).toEqual(['wo th', 'ree', 'four']);
		expect(tailLines('a\n\nb\n', 4, 3)).toEqual(['', 'b', '']);
		expect(tailLines('', 4, 2)).toEqual(['']);
		expect(tailLines('\n', 4, 5)).toEqual(['', '']);
		expect(tailLines('abc', 4, 0)).toEqual([]);
		expect(tailLines('abc', 0, 2)).toEqual([]);
	});

	it('agrees with wrapping everything first, for any text, width and height', () => {
		let seed = 7;
		const next = (n: number) => {
			seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
			return seed % n;
		};
		for (let round = 0; round < 2000; round++) {
			const text = Array.from({length: next(40)}, () => 'ab\n  x\n'[next(7)]).join('');
			const width = 1 + next(6);
			const height = next(8);
			expect(tailLines(text, width, height), JSON.stringify({text, width, height})).toEqual(wrapAllThenTail(text, width, height));
		}
	});

	it('gives the last rows of a long stream whose earlier line is a megabyte long', () => {
		const text = `${'x'.repeat(1_000_000)}\nthe end`;
		expect(tailLines(text, 80, 2)).toEqual(['x'.repeat(80), 'the end']);
	});
});

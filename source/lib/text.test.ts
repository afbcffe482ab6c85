import {describe, expect, it} from 'vitest';
import {displayCell, table, width} from './text.js';

const ESC = '\u001b';

describe('table', () => {
	it('makes every cell one inert line before measuring it, so hostile cells cannot break the rows', () => {
		const rows = [
			[`evil${ESC}]0;title\u0007\nFAKE ROW`, 'ok'],
			['\u202egood', `x${ESC}[2J`],
		];
		const text = table(['NAME', 'STATE'], rows);
		expect(text).toBe('NAME           STATE\nevil FAKE ROW  ok\ngood           x\n');
		expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}]/u);
	});
});

describe('displayCell', () => {
	it('sanitises, keeps one line and cuts to the width', () => {
		expect(displayCell(`abc${ESC}[31mdef\nghi`, 6)).toBe('abcde…');
		expect(width(displayCell('世界世界世界', 5))).toBeLessThanOrEqual(5);
		expect(displayCell('plain', 10)).toBe('plain');
	});
});

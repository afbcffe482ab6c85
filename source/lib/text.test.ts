import {describe, expect, it} from 'vitest';
import {displayCell, table, width, wrapText} from './text.js';

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

describe('wrapText', () => {
	const joined = (lines: string[]) => lines.join('');
	it('keeps every character: words wrap, a word longer than the line is cut at the width, never shortened', () => {
		const json = '{"after":{"name":"groq-prod","baseUrl":"https://api.groq.com/openai/v1","model":"gpt-4o-mini","capabilities":["system_prompt","streaming"]}}';
		const lines = wrapText(json, 30, 28);
		expect(joined(lines)).toBe(json);
		expect(width(lines[0]!)).toBeLessThanOrEqual(30);
		for (const line of lines.slice(1)) expect(width(line)).toBeLessThanOrEqual(28);
	});

	it('wraps between words at the widths given, the first line and the lines after', () => {
		const text = 'the quick brown fox jumps over the lazy dog again and again';
		const lines = wrapText(text, 20, 15);
		expect(lines.join(' ')).toBe(text);
		expect(width(lines[0]!)).toBeLessThanOrEqual(20);
		for (const line of lines.slice(1)) expect(width(line)).toBeLessThanOrEqual(15);
	});

	it('counts wide characters as two columns, so a cut never overflows', () => {
		const text = '模型'.repeat(20);
		const lines = wrapText(text, 9);
		expect(joined(lines)).toBe(text);
		for (const line of lines) expect(width(line)).toBeLessThanOrEqual(9);
	});
});

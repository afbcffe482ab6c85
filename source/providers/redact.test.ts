import {describe, expect, it} from 'vitest';
import {createRedactor, redactSecret, REDACTED} from './redact.js';

const secret = 'sk-proj-Q3x9LmN7pR2tV8wY4zA1bC6dE0fG5hJ';

describe('redactSecret', () => {
	it('replaces the whole secret, every time it appears', () => {
		expect(redactSecret(`key ${secret} and again ${secret}.`, secret)).toBe(`key ${REDACTED} and again ${REDACTED}.`);
	});

	it('replaces fragments of 8+ characters: prefix, suffix, middle', () => {
		const head = secret.slice(0, 12);
		const tail = secret.slice(-9);
		const middle = secret.slice(10, 20);
		const text = `Incorrect API key provided: ${head}***********${tail}; also ${middle}`;
		const output = redactSecret(text, secret);
		expect(output).toBe(`Incorrect API key provided: ${REDACTED}***********${REDACTED}; also ${REDACTED}`);
	});

	it('keeps fragments shorter than 8 characters', () => {
		expect(redactSecret(`hint sk-…${secret.slice(-4)}`, secret)).toBe(`hint sk-…${secret.slice(-4)}`);
		expect(redactSecret(secret.slice(0, 7), secret)).toBe(secret.slice(0, 7));
	});

	it('merges overlapping and touching fragments into one', () => {
		// Two pieces that overlap in the text: 0..15 and 10..25 of the secret, glued.
		const glued = secret.slice(0, 15) + secret.slice(15, 30);
		expect(redactSecret(`<${glued}>`, secret)).toBe(`<${REDACTED}>`);
		const overlapping = secret.slice(0, 12) + secret.slice(4, 20);
		expect(redactSecret(`<${overlapping}>`, secret)).toBe(`<${REDACTED}>`);
	});

	it('handles secrets with repeated characters', () => {
		const repetitive = 'aaaaaaaaaabaaaaaaaaaa';
		expect(redactSecret('xxaaaaaaaaxx', repetitive)).toBe(`xx${REDACTED}xx`);
		expect(redactSecret('aaaaaaa', repetitive)).toBe('aaaaaaa');
		expect(redactSecret(`${'a'.repeat(30)}`, repetitive)).toBe(REDACTED);
	});

	it('redacts short secrets only where they appear whole', () => {
		expect(redactSecret('pass=abc12 and abc1', 'abc12')).toBe(`pass=${REDACTED} and abc1`);
	});

	it('leaves text alone without a secret', () => {
		expect(redactSecret('nothing here', null)).toBe('nothing here');
		expect(redactSecret('nothing here', undefined)).toBe('nothing here');
		expect(redactSecret('nothing here', '')).toBe('nothing here');
		expect(redactSecret('', secret)).toBe('');
	});

	it('is linear enough for a 1 MB body and a 200-character secret', () => {
		const long = Array.from({length: 200}, (_, index) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(index * 7) % 36]).join('');
		const filler = 'lorem ipsum dolor sit amet '.repeat(40_000);
		const text = `${filler}${long}${filler}${long.slice(50, 120)}${filler}`;
		const started = performance.now();
		const output = redactSecret(text, long);
		expect(performance.now() - started).toBeLessThan(3000);
		expect(output.split(REDACTED)).toHaveLength(3);
		expect(output).not.toContain(long.slice(60, 68));
	});

	it('a bound redactor gives the same answer chunk after chunk', () => {
		const redact = createRedactor(secret);
		expect(redact(`a ${secret} b`)).toBe(`a ${REDACTED} b`);
		expect(redact('clean')).toBe('clean');
		expect(redact(secret.slice(5, 14))).toBe(REDACTED);
	});
});

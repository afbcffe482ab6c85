import {describe, expect, it} from 'vitest';
import {FULL_MASK, displayHint} from './mask.js';

describe('displayHint', () => {
	const cases: Array<[string, string, string]> = [
		['an OpenAI project key', 'sk-proj-abcdefghijklmnop1234', 'sk-proj-…1234'],
		['a classic OpenAI key', 'sk-Zx8Qv2Lm9Np4Rt7Wy1Bc5Dfa1b2', 'sk-…a1b2'],
		['an Anthropic key', 'sk-ant-api03-Zx8Qv2Lm9Np4Rt7Wy1Bc5Df3Gh6Jk0-9z8y', 'sk-ant-…9z8y'],
		['a Groq key', 'gsk_Zx8Qv2Lm9Np4Rt7Wy1Bc5Df3Gh6Jk0LmNo', 'gsk_…LmNo'],
		['an xAI key', 'xai-Zx8Qv2Lm9Np4Rt7Wy1Bc5Df3Gh6Jk0wxyz', 'xai-…wxyz'],
		['a key with no prefix', 'AIzaSyZx8Qv2Lm9Np4Rt7Wy1Bc5DfWXYZ', '…WXYZ'],
		['a 12-character key with no prefix', 'abcdefgh1234', '…1234'],
		['a mixed-case random start that merely contains "-"', 'Ab3-xYz9qwertyuiopasdf', '…asdf'],
		['a key whose prefix would leave 7 hidden', 'sk-proj-abcdefg1234', '…1234'],
		['a key whose prefix leaves exactly 8 hidden', 'sk-proj-abcdefgh1234', 'sk-proj-…1234'],
		['a separator only after the first 8 characters', 'abcdefghij-klmnopqrstu', '…rstu'],
	];

	for (const [name, secret, hint] of cases) {
		it(`shows ${name} as ${hint}`, () => {
			expect(displayHint(secret)).toBe(hint);
		});
	}

	it('fully masks secrets under 12 characters with a fixed mask that hides the length', () => {
		expect(FULL_MASK).toBe('••••••••');
		expect(displayHint('sk-abcd1234')).toBe('••••••••');
		expect('sk-abcd1234').toHaveLength(11);
		expect(displayHint('x')).toBe('••••••••');
		expect(displayHint('')).toBe('••••••••');
	});

	it('counts characters, not UTF-16 units, and never splits one', () => {
		expect(displayHint('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑')).toBe('••••••••');
		expect(displayHint('abcdefghijk🔑')).toBe('…ijk🔑');
	});

	it('never shows more than the prefix and the last 4 characters of a random key', () => {
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
		for (let length = 12; length <= 64; length++) {
			const secret = Array.from({length}, (_, i) => alphabet[(i * 37 + length) % alphabet.length]).join('');
			const hint = displayHint(secret);
			const [prefix, tail] = hint.split('…');
			expect(tail).toBe(secret.slice(-4));
			expect(secret.startsWith(prefix!)).toBe(true);
			expect(prefix!.length).toBeLessThanOrEqual(8);
			expect(secret.length - prefix!.length - 4).toBeGreaterThanOrEqual(8);
		}
	});
});

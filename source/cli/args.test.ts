import {describe, expect, it} from 'vitest';
import {UsageError} from '../errors.js';
import {parse} from './args.js';

describe('parse', () => {
	it('refuses an extra argument without printing it back (it may be a pasted key)', () => {
		const secret = 'sk-pasted-0123456789abcdefghij';
		let caught: unknown;
		try {
			parse('migrate', [secret], {json: {type: 'boolean'}}, {max: 0});
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(UsageError);
		expect((caught as UsageError).message).toBe('migrate: too many arguments (1 given, at most 0)');
		expect((caught as UsageError).exitCode).toBe(2);
	});

	it('names a missing argument and an unknown option, pointing at --help', () => {
		expect(() => parse('smoke', [], {}, {min: 1, names: 'PROVIDER'})).toThrow('smoke: missing PROVIDER');
		expect(() => parse('smoke', ['--nope'], {}, {})).toThrow(/smoke: Unknown option '--nope'/);
	});
});

import {parseArgs, type ParseArgsConfig} from 'node:util';
import {UsageError} from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util.parseArgs`, strict, with its errors turned into one usage line that names the
 * command and points at its --help.
 */
export function parse<const O extends Options>(command: string, args: readonly string[], options: O, positionals: {min?: number; max?: number; names?: string} = {}) {
	let result;
	try {
		result = parseArgs({args: [...args], options, allowPositionals: true, strict: true});
	} catch (error) {
		const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
		throw new UsageError(`${command}: ${message}`, `eval752 ${command} --help`);
	}
	const count = result.positionals.length;
	if (positionals.min !== undefined && count < positionals.min) {
		throw new UsageError(`${command}: missing ${positionals.names ?? 'argument'}`, `eval752 ${command} --help`);
	}
	if (positionals.max !== undefined && count > positionals.max) {
		// Not echoed: a key pasted into the wrong place must not be printed back.
		throw new UsageError(`${command}: too many arguments (${count} given, at most ${positionals.max})`, `eval752 ${command} --help`);
	}
	return result;
}

/** A flag that must be a positive integer, or empty to clear it. */
export function intFlag(command: string, flag: string, value: string | undefined, {min = 1, max = 1_000_000_000} = {}): number | undefined {
	if (value === undefined) return undefined;
	if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
		throw new UsageError(`${command}: --${flag} must be a whole number from ${min} to ${max}`);
	}
	return Number(value);
}

/** `--expect-version N`, or undefined. */
export function expectVersion(command: string, value: string | undefined): number | undefined {
	return intFlag(command, 'expect-version', value, {min: 1, max: 2_000_000_000});
}

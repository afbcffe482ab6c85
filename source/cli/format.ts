import {terminalJson} from '../lib/sanitize.js';
import type {Output} from './io.js';

export {age, pad, table, truncate, width} from '../lib/text.js';
export {plural} from '../lib/metrics.js';

/** A `--json` document: exact, with every control and invisible character written as a `\uXXXX` escape. */
export function printJson(out: Output, value: unknown): void {
	out.write(terminalJson(value) + '\n');
}

export function columns(out: Output): number {
	return out.isTTY && out.columns ? out.columns : 120;
}

/** One line for an operator: what happened — what to try. */
export function errorLine(error: {message: string; hint?: string | undefined}): string {
	return `${error.message.split('\n')[0]}${error.hint ? ` — ${error.hint}` : ''}`;
}

/** "the 1 row written before keyed hashing is", "the 3 rows … are": the subject of an audit-seal sentence. */
export function unkeyedRows(count: number): string {
	return `the ${count} row${count === 1 ? '' : 's'} written before keyed hashing ${count === 1 ? 'is' : 'are'}`;
}

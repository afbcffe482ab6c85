import type {Output} from './io.js';

export {age, pad, table, truncate, width} from '../lib/text.js';

export function printJson(out: Output, value: unknown): void {
	out.write(JSON.stringify(value, null, 2) + '\n');
}

export function columns(out: Output): number {
	return out.isTTY && out.columns ? out.columns : 120;
}

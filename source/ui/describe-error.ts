import {presentError} from '../services/faults.js';

/**
 * An error as the dashboard says it in one line (flash line, form, rotation wizard): what
 * happened — try: what to do. The words come from presentError, as the CLI's do; the CLI prints
 * them as `eval752: what happened — what to do` on stderr.
 */
export function describeError(error: unknown): string {
	const {message, hint} = presentError(error);
	return `${message}${hint ? ` — try: ${hint}` : ''}`;
}

import {presentError} from '../services/faults.js';

/** An action's failure on the flash line: what happened — try: what to do (the CLI's wording). */
export function describeError(error: unknown): string {
	const {message, hint} = presentError(error);
	return `${message}${hint ? ` — try: ${hint}` : ''}`;
}

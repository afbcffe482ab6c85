import {conflictOf, describeConflict} from '../../services/conflicts.js';
import {describeError} from '../describe-error.js';

/** Another operator's change met by a save: the error (to save over it) and its sentence as of a time. */
export interface FormConflict {
	readonly error: unknown;
	describe(now: Date): string;
}

/** What a save attempt came to: saved (undefined), field errors, or another operator's change. */
export type SubmitOutcome = undefined | {readonly errors: Record<string, string>} | {readonly conflict: FormConflict};

/** Turns a service error into field errors (ValidationError.issues) or one form-level message. */
export function fieldErrors(error: unknown): Record<string, string> {
	const issues = (error as {issues?: Record<string, string>}).issues;
	if (issues && typeof issues === 'object') {
		const out: Record<string, string> = {};
		for (const [path, message] of Object.entries(issues)) out[path.split('.').pop()!] = message;
		return out;
	}
	return {_form: describeError(error)};
}

/**
 * Runs a form's save and says how it went: saved, field errors (what was typed stays), or a
 * conflict with another operator's change — who, when, which fields — which the form then offers
 * to save over (Enter) or drop (Esc).
 */
export async function saveOutcome(run: () => Promise<void>): Promise<SubmitOutcome> {
	try {
		await run();
		return undefined;
	} catch (error) {
		const details = conflictOf(error);
		if (details) return {conflict: {error, describe: (now: Date) => describeConflict(details, now)}};
		return {errors: fieldErrors(error)};
	}
}

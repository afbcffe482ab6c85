import type {SubmitOutcome} from './Form.js';

/** Turns a service error into field errors (ValidationError.issues) or one form-level message. */
export function fieldErrors(error: unknown): Record<string, string> {
	const issues = (error as {issues?: Record<string, string>}).issues;
	if (issues && typeof issues === 'object') {
		const out: Record<string, string> = {};
		for (const [path, message] of Object.entries(issues)) out[path.split('.').pop()!] = message;
		return out;
	}
	const hint = (error as {hint?: string}).hint;
	return {_form: `${error instanceof Error ? error.message : String(error)}${hint ? ` — try: ${hint}` : ''}`};
}

/**
 * Runs a form's save and says how it went: saved, field errors (what was typed stays), or a
 * conflict with another operator's change (the form then offers to save over it).
 */
export async function saveOutcome(run: () => Promise<void>): Promise<SubmitOutcome> {
	try {
		await run();
		return undefined;
	} catch (error) {
		if ((error as {name?: string}).name === 'ConflictError' || error?.constructor?.name === 'RotationConflictError') {
			return {conflict: error instanceof Error ? error.message.replace(/ — reloaded$/, '') : String(error)};
		}
		return {errors: fieldErrors(error)};
	}
}

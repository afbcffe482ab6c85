import {conflictSentence, type ConflictDetails} from './domain/conflict.js';

/**
 * Errors in tiers. A `UserError` is an expected failure an operator can act on: its message
 * says what happened (present tense) and `hint` says what to try. Anything else is a bug.
 * Exit codes: 1 failed, 2 usage or configuration.
 */
export class UserError extends Error {
	readonly exitCode: 1 | 2;
	readonly hint: string | undefined;
	constructor(message: string, options: {hint?: string; exitCode?: 1 | 2; cause?: unknown} = {}) {
		super(message, options.cause === undefined ? undefined : {cause: options.cause});
		this.name = new.target.name;
		this.exitCode = options.exitCode ?? 1;
		this.hint = options.hint;
	}
}

/** Bad command line: usage on stderr, exit 2. */
export class UsageError extends UserError {
	constructor(message: string, hint?: string) {
		super(message, {hint, exitCode: 2});
	}
}

/** Bad environment or configuration value; never carries the value of a secret. */
export class ConfigError extends UserError {
	readonly variable: string;
	constructor(variable: string, message: string, hint?: string) {
		super(message, {hint, exitCode: 2});
		this.variable = variable;
	}
}

export class NotFoundError extends UserError {}

/**
 * Input that fails validation; `issues` map a field to its one-line message. On the command
 * line that is a usage error (exit 2): the value given is what has to change.
 */
export class ValidationError extends UserError {
	readonly issues: Readonly<Record<string, string>>;
	constructor(issues: Record<string, string>) {
		const [field, message] = Object.entries(issues)[0] ?? ['input', 'is invalid'];
		const rest = Object.keys(issues).length - 1;
		super(`${field}: ${message}${rest > 0 ? ` (and ${rest} more)` : ''}`, {exitCode: 2});
		this.issues = issues;
	}
}

/**
 * Optimistic-concurrency loss: the row changed since it was read. Nothing was written. With
 * details (who, when, which fields — from the audit log) the message is the conflict sentence
 * and the hint tells a headless caller how to put its values over theirs (the dashboard renders
 * the details itself and offers save-anyway: services/conflicts.ts).
 */
export class ConflictError extends UserError {
	readonly changedBy: string | null;
	readonly details: ConflictDetails | undefined;
	constructor(what: string | ConflictDetails, changedBy: string | null = null, options: {hint?: string} = {}) {
		if (typeof what === 'string') {
			super(`${what} was changed by ${changedBy ?? 'someone else'} — reloaded`, {
				hint: options.hint ?? 'review the current values and apply your change again',
			});
			this.changedBy = changedBy;
			this.details = undefined;
			return;
		}
		super(conflictSentence(what), {
			hint: options.hint ?? `nothing was saved; review their values, then save yours over theirs (headless: run it again with --expect-version ${what.currentVersion})`,
		});
		this.changedBy = what.actors.at(-1) ?? null;
		this.details = what;
	}
}

export class DatabaseUnavailable extends UserError {}

/** The database's schema is not the one this eval752 works with: migrations pending, changed or unknown. */
export class SchemaNotCurrent extends UserError {}

export function isUserError(error: unknown): error is UserError {
	return error instanceof UserError;
}

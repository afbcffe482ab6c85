import {DecryptFailed} from '../crypto/index.js';
import {databaseFault, type DatabaseFaultKind} from '../db/faults.js';
import {isUserError, UserError} from '../errors.js';
import {sanitizeText} from '../lib/sanitize.js';

/**
 * The one place a failure becomes what an operator reads — used by the command line's
 * `reportError` and by the dashboard's flash line alike, so both say the same thing.
 *
 * Three tiers: a UserError is shown as it is; a fault the operator can act on (a lost
 * connection, a lock or statement timeout, a serialization failure, a secret that does not
 * decrypt, a full disk) becomes a UserError here with a present-tense sentence and a hint;
 * anything else is a bug and says "unexpected".
 */

/** A database fault seen by a write: its transaction was rolled back. */
export class DatabaseFault extends UserError {
	readonly kind: DatabaseFaultKind;
	constructor(kind: DatabaseFaultKind, message: string, hint: string, cause: unknown) {
		super(message, {hint, cause});
		this.kind = kind;
	}
}

function connectionReason(error: unknown): string {
	const code = (error as {code?: string}).code;
	switch (code) {
		case '57P01':
			return 'the server ended the session';
		case '57P02':
		case '57P03':
			return 'the server is restarting';
		case 'ECONNREFUSED':
			return 'connection refused';
		case 'ECONNRESET':
			return 'connection reset';
		case 'ETIMEDOUT':
			return 'connection timed out';
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
		case 'ENETDOWN':
			return 'the network is unreachable';
		case 'CONNECTION_ENDED':
		case 'CONNECTION_DESTROYED':
			return 'eval752 is closing it';
		default:
			return 'the connection closed';
	}
}

/** Where a local file-system error happened, when Node says (never a secret: paths we chose). */
function pathOf(error: unknown): string | undefined {
	const file = (error as {path?: unknown}).path;
	return typeof file === 'string' ? file : undefined;
}

export interface FaultWording {
	/** What happened, present tense. */
	readonly message: string;
	/** What to try. */
	readonly hint: string;
}

/**
 * The sentence and hint for a fault. `rolledBack` says the failing statement ran inside a
 * transaction that the database undid (a mutation): the sentence then says nothing was changed.
 */
export function faultWording(kind: DatabaseFaultKind, error: unknown, options: {rolledBack?: boolean} = {}): FaultWording {
	const nothing = options.rolledBack ? '; nothing was changed' : '';
	switch (kind) {
		case 'connection-lost':
			return {
				message: `The connection to the database is lost (${connectionReason(error)})${nothing}`,
				hint: 'run it again — eval752 reconnects by itself; if it keeps failing, check that the database server is up (eval752 doctor)',
			};
		case 'lock-timeout':
			return {
				message: `Another session holds a lock on the rows this needs, and the wait for it ran out${nothing}`,
				hint: 'try again in a moment; if it persists, look for a stuck session on the server (pg_stat_activity)',
			};
		case 'statement-timeout':
			return {
				message: `A database statement runs past its time limit and is cancelled${nothing}`,
				hint: 'try again; if it keeps happening, the server is overloaded or a table is locked (pg_stat_activity)',
			};
		case 'cancelled':
			return {message: `The database cancelled the statement${nothing}`, hint: 'run it again'};
		case 'idle-timeout':
			return {message: `The database ended a session that waited too long inside a transaction${nothing}`, hint: 'run it again'};
		case 'serialization':
			return {message: `Another session changes the same rows at the same moment (serialization failure)${nothing}`, hint: 'run it again'};
		case 'deadlock':
			return {message: `Another session changes the same rows in the opposite order (deadlock)${nothing}`, hint: 'run it again'};
		case 'disk-full': {
			const code = (error as {code?: string}).code;
			if (code === '53100') {
				return {message: `The database server's disk is full${nothing}`, hint: 'free space on the database server (or ask its administrator), then run it again'};
			}
			const file = pathOf(error);
			return {
				message: `The disk is full${code === 'EDQUOT' ? ' (quota exceeded)' : ''}${file ? `: can't write ${file}` : ''}`,
				hint: 'free some space or choose another directory, then run it again',
			};
		}
		case 'read-only-server':
			return {message: `The database accepts no writes (a read-only server or a standby)${nothing}`, hint: 'point DATABASE_URL at the primary server'};
		case 'too-many-connections':
			return {message: 'The database server refuses new connections (too many clients)', hint: 'close idle sessions or raise max_connections on the server, then try again'};
	}
}

/** The fault as a UserError, or undefined when it is not one we know (a bug). UserErrors pass through. */
export function userErrorFor(error: unknown, options: {rolledBack?: boolean} = {}): UserError | undefined {
	if (isUserError(error)) return error;
	if (error instanceof DecryptFailed) {
		return new UserError(error.message, {
			hint: 'if that key id belongs to an earlier ENCRYPTION_KEY, add that key to ENCRYPTION_KEY_PREVIOUS; otherwise the stored secret is damaged: enter the API key again (eval752 keys rotate PROVIDER). eval752 doctor lists every secret that does not decrypt',
			cause: error,
		});
	}
	const kind = databaseFault(error);
	if (!kind) return undefined;
	const wording = faultWording(kind, error, options);
	return new DatabaseFault(kind, wording.message, wording.hint, error);
}

export interface PresentedError {
	/** One line (the first of the message), sanitised for a terminal. */
	readonly message: string;
	/** What to try, sanitised; shown after "try:" in the dashboard and after " — " on the command line. */
	readonly hint: string | undefined;
	/** A bug: the log file has the stack. */
	readonly unexpected: boolean;
	readonly exitCode: 1 | 2;
}

/**
 * What both front ends show for any error. Messages of bugs are reduced to their first line;
 * nothing from an error reaches the terminal without the sanitiser (stored names, server text).
 */
export function presentError(error: unknown): PresentedError {
	const known = userErrorFor(error);
	if (known) {
		return {
			message: sanitizeText(known.message.split('\n')[0] ?? ''),
			hint: known.hint === undefined ? undefined : sanitizeText(known.hint),
			unexpected: false,
			exitCode: known.exitCode,
		};
	}
	const first = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
	return {
		message: `unexpected error: ${sanitizeText(first)}`,
		hint: 'details are in the log file (eval752 doctor shows where)',
		unexpected: true,
		exitCode: 1,
	};
}

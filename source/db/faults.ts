/**
 * What a database or file-system failure is, from the error object alone. The services turn a
 * kind into an operator's sentence (services/faults.ts); this module only recognises.
 *
 * - connection-lost: the socket is gone (server restart, pg_terminate_backend, network). Whatever
 *   the statement was doing is rolled back by the server unless it was the COMMIT itself.
 * - lock-timeout: lock_timeout ran out while a statement waited for a row or table lock.
 * - statement-timeout: statement_timeout cancelled a statement (57014 says "statement timeout").
 * - cancelled: the statement was cancelled (pg_cancel_backend, or 57014 for another reason).
 * - idle-timeout: idle_in_transaction_session_timeout ended the session.
 * - serialization: a serialization failure or a deadlock; the transaction was rolled back.
 * - disk-full: the server's disk (53100) or ours (ENOSPC, EDQUOT) has no room left.
 * - read-only-server: the server accepts no writes (a standby, or default_transaction_read_only).
 * - too-many-connections: the server refuses new sessions (53300).
 */
export type DatabaseFaultKind =
	| 'connection-lost'
	| 'lock-timeout'
	| 'statement-timeout'
	| 'cancelled'
	| 'idle-timeout'
	| 'serialization'
	| 'deadlock'
	| 'disk-full'
	| 'read-only-server'
	| 'too-many-connections';

function codeOf(error: unknown): string | undefined {
	if (error === null || typeof error !== 'object') return undefined;
	const code = (error as {code?: unknown}).code;
	return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : '';
}

/** postgres.js connection codes and socket errno codes that mean the connection is gone. */
const CONNECTION_CODES = new Set([
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'EPIPE',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENETDOWN',
	// SQLSTATE class 08 (connection exception) and the shutdown codes of class 57.
	'08000',
	'08003',
	'08006',
	'08001',
	'08004',
	'57P01', // admin_shutdown: pg_terminate_backend, or a fast shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now
]);

export function databaseFault(error: unknown): DatabaseFaultKind | undefined {
	const code = codeOf(error);
	if (code === undefined) return undefined;
	if (CONNECTION_CODES.has(code)) return 'connection-lost';
	switch (code) {
		case '55P03':
			return 'lock-timeout';
		case '57014':
			return /statement timeout/i.test(messageOf(error)) ? 'statement-timeout' : /lock timeout/i.test(messageOf(error)) ? 'lock-timeout' : 'cancelled';
		case '25P03':
			return 'idle-timeout';
		case '40001':
			return 'serialization';
		case '40P01':
			return 'deadlock';
		case '53100':
		case 'ENOSPC':
		case 'EDQUOT':
			return 'disk-full';
		case '25006':
			return 'read-only-server';
		case '53300':
			return 'too-many-connections';
		default:
			return undefined;
	}
}

/** The connection is gone: the next query reconnects (postgres.js opens a new one on demand). */
export function isConnectionLost(error: unknown): boolean {
	return databaseFault(error) === 'connection-lost';
}

/**
 * Seconds `sql.end` waits for connections to finish. postgres.js 3.4.9 keeps a connection that
 * died with a statement in flight waiting for an answer that never comes, so after a lost
 * connection `end` would always wait out its whole timeout (5 s between the error line and the
 * prompt). Nothing of ours is in flight when we close, so after a loss a short wait is enough.
 */
export function endTimeout(connectionsLost: number): number {
	return connectionsLost > 0 ? 0.2 : 5;
}

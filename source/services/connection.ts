import {ping} from '../db/repositories/connection.js';
import {isConnectionLost} from '../db/faults.js';
import {UserError} from '../errors.js';
import type {ServiceContext} from './context.js';

/**
 * Resolves when the database answers (the dashboard's reconnect banner polls this). Reached
 * through another eval752's socket (the embedded database it holds), a lost connection means
 * that process has closed: no retry brings it back, so the reason says what to do.
 */
export async function pingDatabase(ctx: ServiceContext): Promise<void> {
	try {
		await ping(ctx.db.sql);
	} catch (error) {
		// ENOENT: the holder removed its socket as it closed.
		if (ctx.db.heldBy !== undefined && (isConnectionLost(error) || (error as {code?: unknown}).code === 'ENOENT')) throw heldByGone(ctx.db.heldBy, error);
		throw error;
	}
}

/**
 * Whether `error` says the process this one reached the embedded database through has gone (its
 * connection lost, or its socket removed): a long-running command then opens the database again
 * — itself, or through the next holder.
 */
export function holderGone(ctx: ServiceContext, error: unknown): boolean {
	if (ctx.db.heldBy === undefined) return false;
	for (let link: unknown = error, depth = 0; link && depth < 8; link = (link as {cause?: unknown}).cause, depth++) {
		if (isConnectionLost(link) || (link as {code?: unknown}).code === 'ENOENT') return true;
	}
	return false;
}

/** The holder of the embedded database this process reached through its socket has closed. */
export function heldByGone(pid: number, cause?: unknown): UserError {
	return new UserError(`The eval752 with pid ${pid}, which shared the embedded database, has closed`, {
		hint: 'start this again: it then opens the database itself',
		cause,
	});
}

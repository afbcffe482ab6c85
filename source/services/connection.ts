import {ping} from '../db/repositories/connection.js';
import type {ServiceContext} from './context.js';

/** Resolves when the database answers (the dashboard's reconnect banner polls this). */
export async function pingDatabase(ctx: ServiceContext): Promise<void> {
	await ping(ctx.db.sql);
}

import {isConnectionLost} from './faults.js';
import type {Sql, Tx} from './types.js';

/**
 * postgres.js 3.4.9 crashes the process when a transaction's connection dies under it
 * (porsager/postgres#1208, measured here with pg_terminate_backend during `rekey`): `sql.begin`
 * rejects as soon as the socket closes, but its own scope keeps going — when the callback then
 * rejects, it sends ROLLBACK on the dead connection, and that write is flushed from a
 * setImmediate against a socket that is already null: an uncatchable
 * `TypeError: Cannot read properties of null (reading 'write')` with a stack, and the ROLLBACK
 * promise never settles.
 *
 * The guard: when a statement inside the transaction fails because the connection is gone, the
 * callback handed to postgres.js never settles (so it never sends that ROLLBACK), and the caller
 * gets the connection error at once. Nothing is lost by not sending it: the server rolls back a
 * transaction whose connection ended, and the dead connection is discarded by the pool (the
 * next query opens a new one). Every other failure takes postgres.js's ordinary path (ROLLBACK
 * on a live connection).
 *
 * `begin` is replaced on the pool object itself so that every transaction — mutations, the
 * backup snapshot, migrations, tests — gets the guard without having to remember it.
 */
export function guardTransactions(sql: Sql): Sql {
	const original = sql.begin.bind(sql) as (options: string, fn: (tx: Tx) => unknown) => Promise<unknown>;
	const guarded = (optionsOrFn: string | ((tx: Tx) => unknown), maybeFn?: (tx: Tx) => unknown): Promise<unknown> => {
		const options = typeof optionsOrFn === 'string' ? optionsOrFn : '';
		const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
		if (!fn) return Promise.reject(new TypeError('begin needs a callback'));
		let lost!: (error: unknown) => void;
		const connectionLost = new Promise<never>((_, reject) => {
			lost = reject;
		});
		// postgres.js rejects `begin` itself when the connection closes; after that, nothing may be sent on it.
		let closed = false;
		const inner = original(options, async (tx) => {
			try {
				const value = fn(tx);
				return await (Array.isArray(value) ? Promise.all(value) : value);
			} catch (error) {
				if (!closed && !isConnectionLost(error)) throw error;
				lost(error);
				// Never settles: see above. The promise and this closure are garbage once the pool drops the connection.
				return new Promise<never>(() => undefined);
			}
		});
		inner.catch(() => {
			closed = true;
		});
		// Whichever comes first: the transaction's own outcome, or the lost connection seen by a statement.
		return Promise.race([inner, connectionLost]);
	};
	(sql as unknown as {begin: typeof guarded}).begin = guarded;
	return sql;
}

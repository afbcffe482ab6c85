import type {Queryable} from '../types.js';

/** The cheapest round trip: proves the connection answers. */
export async function ping(sql: Queryable): Promise<void> {
	await sql`select 1`;
}

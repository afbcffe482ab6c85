import type {Queryable} from '../types.js';

/** The cheapest round trip: proves the connection answers. */
export async function ping(sql: Queryable): Promise<void> {
	await sql`select 1`;
}

/** The server's version string as PostgreSQL reports it (`18.0`, `15.8 (Debian …)`). */
export async function serverVersion(sql: Queryable): Promise<string> {
	const [row] = await sql<{v: string}[]>`select current_setting('server_version') as v`;
	return row!.v;
}

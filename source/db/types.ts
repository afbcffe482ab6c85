import type postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, never>>;
/** A transaction handle: inside `sql.begin`, use only this (PGlite is one shared session). */
export type Tx = postgres.TransactionSql<Record<string, never>>;
/** Either the pool or a transaction: repositories accept both. */
export type Queryable = Sql | Tx;

/** One committed change, for live refresh: table and row id (`*` and `*` after a restore: everything). */
export interface Change {
	readonly table: string;
	readonly id: string;
}

export interface Database {
	readonly sql: Sql;
	readonly kind: 'embedded' | 'server';
	/** For the header and `doctor`: the data directory, or host:port/database (never a password). */
	readonly location: string;
	readonly changes: ChangeFeed;
	/**
	 * Embedded only, set when this process reaches the database through the socket of the process
	 * that holds it (a dashboard or `watch` of the same user): that process's pid.
	 */
	readonly heldBy?: number;
	/** Embedded holder only: serve the other eval752 commands of this user too (dashboard, watch). */
	share?(): Promise<void>;
	/** A pooled connection closed under us (server restart, pg_terminate_backend). */
	onConnectionLost(listener: () => void): () => void;
	close(): Promise<void>;
}

export type ChangeListener = (change: Change) => void;

export interface ChangeFeed {
	/** Called after a commit of this process. */
	publish(change: Change): void;
	/** Changes from this process and, on a shared server, from every other one (LISTEN/NOTIFY). */
	subscribe(listener: ChangeListener): () => void;
}

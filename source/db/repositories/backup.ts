import type {Queryable, Sql, Tx} from '../types.js';

/**
 * The SQL behind `eval752 backup` and `eval752 restore`. Rows travel as PostgreSQL's own JSON
 * (`to_jsonb` out, `jsonb_populate_recordset` in), so every type comes back exactly as it was:
 * timestamps to the microsecond (the audit chain hashes them), bytea as `\x…` hex, text[] as
 * arrays, jsonb untouched — with no per-column code to drift when a migration adds a column.
 */

/** Every table with data, parents before children (restore inserts in this order), with its primary key. */
export const BACKUP_TABLES = [
	{name: 'providers', key: 'id'},
	{name: 'provider_keys', key: 'id'},
	{name: 'models', key: 'id'},
	{name: 'settings', key: 'key'},
	{name: 'smoke_runs', key: 'id'},
	{name: 'comparison_runs', key: 'id'},
	{name: 'comparison_results', key: 'id'},
	{name: 'audit_log', key: 'seq'},
	// After the rows it points at; restore moves the new database's empty head to it.
	{name: 'audit_head', key: 'id'},
	{name: 'encryption_canary', key: 'key_id'},
] as const;

export type BackupTable = (typeof BACKUP_TABLES)[number]['name'];

export const BACKUP_TABLE_NAMES: readonly BackupTable[] = BACKUP_TABLES.map((table) => table.name);

export function isBackupTable(name: string): name is BackupTable {
	return (BACKUP_TABLE_NAMES as readonly string[]).includes(name);
}

/** One row as PostgreSQL renders it with to_jsonb. */
export type JsonRow = Record<string, unknown>;

/**
 * Runs `work` in one read-only repeatable-read transaction: every table is read from the same
 * snapshot, so a backup taken while operators work is still consistent (no key without its
 * provider, no audit row without the change it records).
 */
export async function inSnapshot<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
	return (await sql.begin('isolation level repeatable read read only', work)) as T;
}

/**
 * One page of a table in primary-key order after `after` (keyset paging: constant cost per
 * page however large the table). Returns the rows and the key to continue from.
 */
export async function tablePage(tx: Queryable, table: BackupTable, after: string | undefined, limit: number): Promise<{rows: JsonRow[]; last: string | undefined}> {
	const key = BACKUP_TABLES.find((entry) => entry.name === table)!.key;
	const rows = await tx<{k: string; r: JsonRow}[]>`
		select ${tx(key)}::text as k, to_jsonb(t) as r from ${tx(table)} t
		${after === undefined ? tx`` : tx`where ${tx(key)} > ${after}`}
		order by ${tx(key)}
		limit ${limit}`;
	return {rows: rows.map((row) => row.r), last: rows.at(-1)?.k};
}

/** The migrations applied to this database, by name, with the checksum recorded when each ran. */
export async function appliedMigrations(sql: Queryable): Promise<{name: string; sha256: string}[]> {
	const [exists] = await sql<{ready: boolean}[]>`select to_regclass('schema_migrations') is not null as ready`;
	if (!exists?.ready) return [];
	return sql<{name: string; sha256: string}[]>`select name, sha256 from schema_migrations order by name`;
}

/** Rows per table (0 for a table that does not exist yet: an unmigrated database is empty). */
export async function tableCounts(sql: Queryable): Promise<Record<BackupTable, number>> {
	const counts = {} as Record<BackupTable, number>;
	for (const table of BACKUP_TABLE_NAMES) {
		const [exists] = await sql<{ready: boolean}[]>`select to_regclass(${table}) is not null as ready`;
		if (!exists?.ready) {
			counts[table] = 0;
			continue;
		}
		// Every migrated database has its one head row; only a head past seq 0 is data.
		const [row] =
			table === 'audit_head'
				? await sql<{n: number}[]>`select count(*)::int as n from audit_head where seq > 0`
				: await sql<{n: number}[]>`select count(*)::int as n from ${sql(table)}`;
		counts[table] = row!.n;
	}
	return counts;
}

/**
 * Keeps every other writer out of the tables while a restore fills them (readers still read):
 * an operator adding a provider at that moment waits, then sees the restored data.
 */
export async function lockForRestore(tx: Tx): Promise<void> {
	await tx`lock table ${tx(BACKUP_TABLE_NAMES as BackupTable[])} in exclusive mode`;
}

/**
 * Inserts rows exactly as to_jsonb rendered them (one statement for the whole chunk). The audit
 * head is one row that the migration already created: it is replaced (its trigger lets it move
 * forward only).
 */
export async function insertJsonRows(tx: Tx, table: BackupTable, rows: readonly JsonRow[]): Promise<void> {
	if (rows.length === 0) return;
	if (table === 'audit_head') {
		await tx`
			insert into audit_head
			select * from jsonb_populate_recordset(null::audit_head, ${tx.json(rows as never)})
			on conflict (id) do update
			set seq = excluded.seq, rows = excluded.rows, row_hash = excluded.row_hash, at = excluded.at,
				keyed_from = excluded.keyed_from, key_id = excluded.key_id, mac = excluded.mac`;
		return;
	}
	await tx`
		insert into ${tx(table)}
		select * from jsonb_populate_recordset(null::${tx(table)}, ${tx.json(rows as never)})`;
}

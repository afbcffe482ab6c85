import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {SchemaNotCurrent, UserError} from '../errors.js';
import {log} from '../log.js';
import type {Queryable, Sql, Tx} from './types.js';

export interface MigrationFile {
	readonly name: string;
	readonly sha256: string;
	readonly sql: string;
}

export interface MigrationState {
	readonly applied: readonly {name: string; appliedAt: Date}[];
	readonly pending: readonly string[];
	/** Applied files whose content no longer matches what was applied. */
	readonly changed: readonly string[];
	/** Applied in the database but unknown to this eval752 (a newer version ran here). */
	readonly unknown: readonly string[];
}

/** Any constant works as long as every runner uses the same one. */
const MIGRATION_LOCK = 7_520_001;
const FILE_NAME = /^(\d{5})_[a-z0-9_]+\.sql$/;

/** `sql/` beside `dist/` when bundled, or at the project root when run from source. */
export function defaultSqlDir(): string {
	const here = path.dirname(fileURLToPath(import.meta.url));
	for (const candidate of [path.join(here, '..', 'sql'), path.join(here, '..', '..', 'sql')]) {
		if (fs.existsSync(path.join(candidate, '00001_initial.sql'))) return candidate;
	}
	throw new UserError(`Can't find the migrations directory (sql/) next to ${here}`, {hint: 'reinstall eval752'});
}

export function readMigrations(dir: string = defaultSqlDir()): MigrationFile[] {
	const names = fs
		.readdirSync(dir)
		.filter((name) => name.endsWith('.sql'))
		.sort();
	return names.map((name, index) => {
		const match = FILE_NAME.exec(name);
		if (!match) throw new UserError(`Migration file ${name} is misnamed`, {hint: 'use NNNNN_lowercase_name.sql'});
		if (Number(match[1]) !== index + 1) throw new UserError(`Migration ${name} breaks the sequence (expected ${String(index + 1).padStart(5, '0')}_…)`, {hint: 'number migrations without gaps'});
		const text = fs.readFileSync(path.join(dir, name), 'utf8');
		return {name, sql: text, sha256: createHash('sha256').update(text).digest('hex')};
	});
}

async function ensureTable(tx: Queryable): Promise<void> {
	await tx`
		create table if not exists schema_migrations (
			name text primary key,
			sha256 text not null,
			applied_at timestamptz not null default now()
		)`;
}

async function appliedRows(tx: Queryable): Promise<{name: string; sha256: string; applied_at: Date}[]> {
	const exists = await tx<{exists: boolean}[]>`select to_regclass('schema_migrations') is not null as exists`;
	if (!exists[0]?.exists) return [];
	return tx<{name: string; sha256: string; applied_at: Date}[]>`select name, sha256, applied_at from schema_migrations order by name`;
}

function compare(files: readonly MigrationFile[], rows: readonly {name: string; sha256: string; applied_at: Date}[]): MigrationState {
	const byName = new Map(files.map((file) => [file.name, file]));
	const appliedNames = new Set(rows.map((row) => row.name));
	return {
		applied: rows.map((row) => ({name: row.name, appliedAt: row.applied_at})),
		pending: files.filter((file) => !appliedNames.has(file.name)).map((file) => file.name),
		changed: rows.filter((row) => byName.has(row.name) && byName.get(row.name)!.sha256 !== row.sha256).map((row) => row.name),
		unknown: rows.filter((row) => !byName.has(row.name)).map((row) => row.name),
	};
}

export async function migrationState(sql: Queryable, files: readonly MigrationFile[] = readMigrations()): Promise<MigrationState> {
	return compare(files, await appliedRows(sql));
}

function refuseDrift(state: MigrationState): void {
	if (state.changed.length > 0) {
		throw new SchemaNotCurrent(`Migration ${state.changed[0]} was changed after it was applied (its sha256 differs)`, {
			hint: 'restore the original file and put the change in a new migration',
		});
	}
	if (state.unknown.length > 0) {
		throw new SchemaNotCurrent(`The database has migration ${state.unknown[0]}, which this eval752 does not know`, {
			hint: 'upgrade eval752 to the version that applied it',
		});
	}
}

/**
 * Applies pending migrations, each in its own transaction under a transaction-level advisory
 * lock: a concurrent runner waits, then sees the file applied and skips it. Refuses to run at
 * all when an applied file changed.
 */
export async function migrate(sql: Sql, files: readonly MigrationFile[] = readMigrations()): Promise<{applied: string[]}> {
	const applied: string[] = [];
	for (;;) {
		const next = await sql.begin(async (tx) => {
			await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
			await ensureTable(tx);
			const state = compare(files, await appliedRows(tx));
			refuseDrift(state);
			const name = state.pending[0];
			if (!name) return undefined;
			const file = files.find((candidate) => candidate.name === name)!;
			try {
				await tx.unsafe(file.sql).simple();
			} catch (error) {
				const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
				throw new UserError(`Migration ${file.name} fails: ${message} — nothing of it was applied`, {
					hint: 'fix the file (it is not applied yet) and run eval752 migrate again',
					cause: error,
				});
			}
			await tx`insert into schema_migrations (name, sha256) values (${file.name}, ${file.sha256})`;
			return file.name;
		});
		if (!next) break;
		log.info('migration applied', {name: next});
		applied.push(next);
	}
	return {applied};
}

/**
 * Applies every pending migration inside the caller's transaction, under the same lock as
 * {@link migrate}: the schema and whatever the caller writes next commit together or not at
 * all. `restore` uses it, so a refused restore leaves an empty target without a single table.
 * PostgreSQL runs DDL transactionally; the migrations are written to allow that.
 */
export async function migrateWithin(tx: Tx, files: readonly MigrationFile[] = readMigrations()): Promise<string[]> {
	await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
	await ensureTable(tx);
	const state = compare(files, await appliedRows(tx));
	refuseDrift(state);
	const applied: string[] = [];
	for (const name of state.pending) {
		const file = files.find((candidate) => candidate.name === name)!;
		try {
			await tx.unsafe(file.sql).simple();
		} catch (error) {
			const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
			throw new UserError(`Migration ${file.name} fails: ${message} — nothing of it was applied`, {hint: 'fix the file (it is not applied yet) and run eval752 migrate again', cause: error});
		}
		await tx`insert into schema_migrations (name, sha256) values (${file.name}, ${file.sha256})`;
		applied.push(file.name);
	}
	return applied;
}

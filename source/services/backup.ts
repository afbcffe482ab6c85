import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import * as z from 'zod';
import {CANARY_PLAINTEXT, DecryptFailed, parseEnvelope, type KeyRing} from '../crypto/index.js';
import {
	appliedMigrations,
	BACKUP_TABLE_NAMES,
	inSnapshot,
	insertJsonRows,
	isBackupTable,
	lockForRestore,
	tableCounts,
	tablePage,
	type BackupTable,
	type JsonRow,
} from '../db/repositories/backup.js';
import {listCanaries} from '../db/repositories/canary.js';
import {allSecretRows} from '../db/repositories/key-secrets.js';
import {migrateWithin, migrationState, readMigrations} from '../db/migrate.js';
import type {Tx} from '../db/types.js';
import {UserError} from '../errors.js';
import {log} from '../log.js';
import {version} from '../version.js';
import {verifyAuditChain} from './audit-chain.js';
import {checkBackupRow, rowLabel, RowProblem} from './backup-rows.js';
import {mutate, type ServiceContext} from './context.js';
import {openSecret} from './key-store.js';

/**
 * Logical backup and restore: the way to keep a copy and the way a team moves from the
 * embedded default to a shared PostgreSQL. The file is JSON lines — a header, one line per row,
 * a trailer with row counts (so a truncated file is refused) — holding ciphertext and the audit
 * chain exactly as stored. It never holds a plaintext secret and never the ENCRYPTION_KEY: the
 * backup is useless without the key, and the key alone reveals nothing without the backup.
 */

export const BACKUP_FORMAT = 'eval752-backup';
export const BACKUP_VERSION = 1;
const PAGE_ROWS = 1000;
/** Rows per INSERT on restore: large tables go in chunks, each one statement. */
const INSERT_CHUNK = 500;
const KEY_NOTE = 'ENCRYPTION_KEY is not in this file; restore needs the key with one of keyIds';

const migrationSchema = z.object({name: z.string(), sha256: z.string()});
const headerSchema = z.object({
	format: z.literal(BACKUP_FORMAT),
	version: z.number(),
	createdAt: z.string(),
	eval752: z.string(),
	source: z.enum(['embedded', 'server']),
	migrations: z.array(migrationSchema),
	tables: z.array(z.string()),
	keyIds: z.array(z.string()),
	encryptionKey: z.string(),
});
const rowLineSchema = z.object({table: z.string(), row: z.record(z.string(), z.unknown())});
const trailerSchema = z.object({end: z.literal(true), rows: z.record(z.string(), z.number())});

export type BackupHeader = z.infer<typeof headerSchema>;
export type TableRows = Record<BackupTable, number>;

export interface BackupResult {
	readonly file: string;
	readonly bytes: number;
	readonly rows: TableRows;
	/** Key ids whose keys this backup's secrets are encrypted under (with no secrets: its canaries'). */
	readonly keyIds: readonly string[];
	readonly migrations: readonly string[];
}

export interface BackupOptions {
	/** Replace an existing file (the new one is complete before it takes the old one's place). */
	readonly force?: boolean;
}

function zeroCounts(): TableRows {
	return Object.fromEntries(BACKUP_TABLE_NAMES.map((table) => [table, 0])) as TableRows;
}

function describeCounts(counts: Partial<Record<BackupTable, number>>): string {
	const labels: Record<BackupTable, string> = {
		providers: 'provider',
		provider_keys: 'API key',
		models: 'model',
		settings: 'setting',
		smoke_runs: 'smoke run',
		comparison_runs: 'comparison run',
		comparison_results: 'comparison result',
		audit_log: 'audit row',
		audit_head: 'audit head record',
		encryption_canary: 'encryption canary',
	};
	// The head goes with the audit rows; naming it too would only add noise.
	const parts = BACKUP_TABLE_NAMES.filter((table) => table !== 'audit_head' && (counts[table] ?? 0) > 0).map((table) => `${counts[table]} ${labels[table]}${counts[table] === 1 ? '' : 's'}`);
	return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/**
 * Writes a backup of every table from one consistent snapshot to `file`: first to
 * `<file>.tmp` (mode 0600: it holds ciphertext and the audit trail), flushed to disk, then
 * moved into place, so `file` is either absent or complete.
 */
export async function writeBackup(ctx: ServiceContext, file: string, options: BackupOptions = {}): Promise<BackupResult> {
	const target = path.resolve(file);
	const temporary = `${target}.tmp`;
	if (!options.force && fs.existsSync(target)) {
		throw new UserError(`${target} already exists; the backup was not written`, {hint: 'choose another file name, or add --force to replace it'});
	}
	if (!fs.existsSync(path.dirname(target))) throw new UserError(`The directory ${path.dirname(target)} does not exist`, {hint: 'create it first, or choose another path'});
	if (options.force) fs.rmSync(temporary, {force: true});
	let handle: fs.promises.FileHandle;
	try {
		handle = await fs.promises.open(temporary, 'wx', 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			throw new UserError(`${temporary} exists: another backup is writing it, or one was interrupted`, {hint: 'remove it if no backup is running, or add --force'});
		}
		throw new UserError(`Can't write ${temporary}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {hint: 'check the directory is writable'});
	}

	let bytes = 0;
	const write = async (lines: readonly unknown[]): Promise<void> => {
		if (lines.length === 0) return;
		const text = lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
		bytes += Buffer.byteLength(text);
		await handle.write(text);
	};
	let moved = false;
	try {
		// umask may only take bits away from 0600, but be explicit about what the file is.
		await handle.chmod(0o600);
		const counts = zeroCounts();
		let keyIds: string[] = [];
		const migrations = await inSnapshot(ctx.db.sql, async (tx) => {
			const applied = await appliedMigrations(tx);
			const header: BackupHeader = {
				format: BACKUP_FORMAT,
				version: BACKUP_VERSION,
				createdAt: new Date().toISOString(),
				eval752: version,
				source: ctx.db.kind,
				migrations: applied.map((row) => ({name: row.name, sha256: row.sha256})),
				tables: [...BACKUP_TABLE_NAMES],
				keyIds: [],
				encryptionKey: KEY_NOTE,
			};
			// The key ids are known only after reading, but restore wants them up front: read them first, in the same snapshot.
			keyIds = await usedKeyIds(tx);
			header.keyIds = keyIds;
			await write([header]);
			for (const table of BACKUP_TABLE_NAMES) {
				let after: string | undefined;
				for (;;) {
					const page = await tablePage(tx, table, after, PAGE_ROWS);
					await write(page.rows.map((row) => ({table, row})));
					counts[table] += page.rows.length;
					if (page.last === undefined || page.rows.length < PAGE_ROWS) break;
					after = page.last;
				}
			}
			await write([{end: true, rows: counts}]);
			return header.migrations.map((entry) => entry.name);
		});
		await handle.sync();
		await handle.close();
		placeFile(temporary, target, options.force ?? false);
		moved = true;
		log.info('backup written', {file: target, bytes, rows: BACKUP_TABLE_NAMES.reduce((sum, table) => sum + counts[table], 0)});
		return {file: target, bytes, rows: counts, keyIds, migrations};
	} finally {
		if (!moved) {
			await handle.close().catch(() => undefined);
			fs.rmSync(temporary, {force: true});
		}
	}
}

/**
 * The key ids a restore of this snapshot needs: those its secrets are encrypted under, read
 * from each envelope (the key_id column is only a label of it). Canaries of keys that no
 * secret uses any more are left out — a rekey leaves the old key's canary behind — unless
 * there are no secrets at all: then any key with a canary restores the backup.
 */
async function usedKeyIds(tx: Tx): Promise<string[]> {
	const secretKeys = new Set<string>();
	const canaryKeys = new Set<string>();
	for (const table of ['provider_keys', 'encryption_canary'] as const) {
		const into = table === 'provider_keys' ? secretKeys : canaryKeys;
		let after: string | undefined;
		for (;;) {
			const page = await tablePage(tx, table, after, PAGE_ROWS);
			for (const row of page.rows) {
				let keyId = typeof row['key_id'] === 'string' ? row['key_id'] : undefined;
				try {
					keyId = parseEnvelope(row['ciphertext'] as string, String(row['id'] ?? table)).keyId;
				} catch {
					// A damaged envelope: its column is the best guess, and restore will name the row.
				}
				if (keyId !== undefined) into.add(keyId);
			}
			if (page.last === undefined || page.rows.length < PAGE_ROWS) break;
			after = page.last;
		}
	}
	return [...(secretKeys.size > 0 ? secretKeys : canaryKeys)];
}

/** Moves the finished temporary file into place; without force, never over a file that appeared meanwhile. */
function placeFile(temporary: string, target: string, force: boolean): void {
	if (force) {
		fs.renameSync(temporary, target);
		return;
	}
	try {
		// link() fails if the target exists — atomically, unlike a check followed by rename().
		fs.linkSync(temporary, target);
		fs.unlinkSync(temporary);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EEXIST') throw new UserError(`${target} appeared while the backup was being written; it was left alone`, {hint: 'choose another file name, or add --force'});
		// Filesystems without hard links: the check at the start has to do.
		if (fs.existsSync(target)) throw new UserError(`${target} already exists; the backup was not written`, {hint: 'choose another file name, or add --force'});
		fs.renameSync(temporary, target);
	}
}

type BackupLine = {kind: 'row'; table: BackupTable; row: JsonRow; line: number} | {kind: 'end'; rows: Record<string, number>};

class BadBackup extends UserError {
	constructor(file: string, what: string) {
		super(`${file} is not a usable eval752 backup: ${what}; nothing was restored`, {hint: 'check the file is complete (compare its size with the original), or use another backup'});
	}
}

/** The header (first line) and a reader for the rest of a backup file. Lines are never echoed: they hold ciphertext. */
export async function openBackup(file: string): Promise<{header: BackupHeader; lines: AsyncGenerator<BackupLine>; close(): void}> {
	const target = path.resolve(file);
	let stream: fs.ReadStream;
	try {
		await fs.promises.access(target, fs.constants.R_OK);
		stream = fs.createReadStream(target, {encoding: 'utf8'});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new UserError(code === 'ENOENT' ? `${target} does not exist` : `Can't read ${target}: ${code ?? String(error)}`, {hint: 'check the path of the backup file'});
	}
	const reader = readline.createInterface({input: stream, crlfDelay: Infinity})[Symbol.asyncIterator]();
	let lineNumber = 0;
	const next = async (): Promise<unknown | undefined> => {
		const result = await reader.next();
		if (result.done) return undefined;
		lineNumber++;
		try {
			return JSON.parse(result.value) as unknown;
		} catch {
			throw new BadBackup(target, `line ${lineNumber} is not JSON`);
		}
	};
	const close = (): void => {
		void reader.return?.();
		stream.destroy();
	};
	const first = await next();
	const header = headerSchema.safeParse(first);
	if (!header.success) {
		close();
		const format = (first as {format?: unknown} | undefined)?.format;
		throw new BadBackup(target, format === BACKUP_FORMAT ? 'its header is incomplete' : 'it does not start with an eval752-backup header');
	}
	if (header.data.version !== BACKUP_VERSION) {
		close();
		throw new UserError(`${target} is an eval752 backup of format version ${header.data.version}; this eval752 reads version ${BACKUP_VERSION}`, {hint: 'restore it with the eval752 version that wrote it'});
	}
	async function* lines(): AsyncGenerator<BackupLine> {
		for (;;) {
			const value = await next();
			if (value === undefined) throw new BadBackup(target, 'it ends before its trailer (the file is cut short)');
			const trailer = trailerSchema.safeParse(value);
			if (trailer.success) {
				if ((await next()) !== undefined) throw new BadBackup(target, `line ${lineNumber} follows the trailer`);
				yield {kind: 'end', rows: trailer.data.rows};
				return;
			}
			const row = rowLineSchema.safeParse(value);
			if (!row.success) throw new BadBackup(target, `line ${lineNumber} is neither a row nor the trailer`);
			if (!isBackupTable(row.data.table)) throw new BadBackup(target, `line ${lineNumber} names a table eval752 does not have`);
			yield {kind: 'row', table: row.data.table, row: row.data.row, line: lineNumber};
		}
	}
	return {header: header.data, lines: lines(), close};
}

export interface RestoreResult {
	readonly file: string;
	readonly rows: TableRows;
	readonly keyIds: readonly string[];
	readonly madeAt: string;
	/** Rows in the audit chain after the restore (the backup's plus the backup.restore row). */
	readonly auditRows: number;
	/** Migrations applied to the empty target before loading (in the restore's own transaction). */
	readonly migrated: readonly string[];
}

export interface RestoreOptions {
	readonly onProgress?: (message: string) => void;
}

function sameMigrations(a: readonly {name: string; sha256: string}[], b: readonly {name: string; sha256: string}[]): boolean {
	return a.length === b.length && a.every((entry, i) => entry.name === b[i]!.name && entry.sha256 === b[i]!.sha256);
}

/** A row that fails its rule: the whole backup is refused, naming the line, table, row id and column — never the value. */
class BadRow extends UserError {
	constructor(line: number, table: BackupTable, row: JsonRow, problem: RowProblem) {
		const id = rowLabel(table, row);
		super(`Line ${line} of the backup (${table}${id ? `, ${id}` : ''}) is refused: ${problem.column}: ${problem.message}; nothing was restored`, {
			hint: 'this row is not one eval752 writes — the backup was edited or comes from a damaged database: use another backup, or fix the source and back it up again',
		});
	}
}

/** What the checking pass keeps for the key check: the few rows that carry ciphertext. */
interface KeyMaterial {
	readonly canaries: {keyId: string; ciphertext: string}[];
	readonly secrets: {id: string; keyId: string; ciphertext: string}[];
}

/**
 * Reads a whole backup and proves it can be restored — before anything is created, migrated
 * or written anywhere: the header is one this eval752 reads with the same migrations, every
 * row passes the rules input passes (`checkBackupRow`), each table's rows are together, the
 * trailer's counts match, and — with the key ring given — the canary and every secret decrypt.
 * `restore` calls it first, so a backup refused here leaves the target exactly as it was (a new
 * embedded directory is not even created). Returns the header.
 */
export async function checkBackup(file: string, ring: KeyRing | undefined): Promise<BackupHeader> {
	const target = path.resolve(file);
	const backup = await openBackup(target);
	try {
		const {header} = backup;
		const ours = readMigrations().map((entry) => ({name: entry.name, sha256: entry.sha256}));
		if (!sameMigrations(header.migrations, ours)) {
			const theirs = header.migrations.at(-1)?.name ?? 'none';
			throw new UserError(`This backup was made with a different database schema (last migration ${theirs}; this eval752 has ${ours.at(-1)?.name ?? 'none'}); nothing was restored`, {
				hint: `restore it with the eval752 version that made it (${header.eval752}), then upgrade`,
			});
		}
		if (!ring) {
			throw new UserError(`ENCRYPTION_KEY is not set; restore needs the key this backup was made with (key id ${header.keyIds.join(' or ') || 'any'}); nothing was restored`, {
				hint: 'set ENCRYPTION_KEY to the key used when the backup was made',
			});
		}
		const material: KeyMaterial = {canaries: [], secrets: []};
		await readRows(target, backup.lines, (table, row) => {
			if (table === 'encryption_canary') material.canaries.push({keyId: row['key_id'] as string, ciphertext: row['ciphertext'] as string});
			if (table === 'provider_keys') material.secrets.push({id: row['id'] as string, keyId: row['key_id'] as string, ciphertext: row['ciphertext'] as string});
		});
		verifyKeys(ring, material);
		return header;
	} finally {
		backup.close();
	}
}

/**
 * Loads a backup into an empty database. First the whole file is checked (`checkBackup`:
 * every row by the input rules, the trailer, the key) without touching the database; then, in
 * ONE transaction: the schema is migrated if the target is new, every row goes in (each
 * checked again as it is read: the file could change in between), the canary and every secret
 * must decrypt, the audit chain must verify, and one `backup.restore` audit row is appended.
 * Any refusal rolls the whole transaction back — the migration with it: the target is left
 * exactly as it was, an empty database without a single table if that is what it was.
 */
export async function restoreBackup(ctx: ServiceContext, file: string, options: RestoreOptions = {}): Promise<RestoreResult> {
	const target = path.resolve(file);
	const ring = ctx.keys.status === 'missing' ? undefined : ctx.keys.ring;
	const header = await checkBackup(target, ring);

	const present = await tableCounts(ctx.db.sql);
	if (BACKUP_TABLE_NAMES.some((table) => present[table] > 0)) {
		throw new UserError(`The database at ${ctx.db.location} is not empty (${describeCounts(present)}); restore loads only into an empty database, nothing was restored`, {
			hint: 'point DATABASE_URL (or EVAL752_DATA_DIR) at a new, empty database',
		});
	}
	const state = await migrationState(ctx.db.sql);
	if (state.changed.length > 0 || state.unknown.length > 0) {
		throw new UserError(`The database at ${ctx.db.location} has a different schema (${state.changed[0] ?? state.unknown[0]}); nothing was restored`, {hint: 'restore into a new, empty database'});
	}

	const backup = await openBackup(target);
	try {
		const result = await mutate(ctx, async (tx) => {
			// The target is empty, so migrating it first loses nothing and lets the rows in; inside
			// this transaction, so a refusal below takes the new tables away again.
			const migrated = await migrateWithin(tx);
			await lockForRestore(tx);
			// Someone may have written between the check above and the lock.
			const now = await tableCounts(tx);
			if (BACKUP_TABLE_NAMES.some((table) => now[table] > 0)) {
				throw new UserError(`The database at ${ctx.db.location} stopped being empty (${describeCounts(now)}); nothing was restored`, {hint: 'restore into a new, empty database'});
			}
			const rows = await loadRows(tx, target, backup.lines, options.onProgress);
			verifyKeys(ring!, {canaries: await listCanaries(tx), secrets: await allSecretRows(tx)});
			// Rows and head, signed with the configured keys: a backup with its last audit rows cut out is refused too.
			const chain = await verifyAuditChain(tx, ring!);
			if (!chain.ok) {
				throw new UserError(`The audit chain in this backup breaks at seq ${chain.brokenSeq} (${chain.kind}: ${chain.reason}); nothing was restored`, {
					hint: chain.kind === 'unknown-key' ? 'add the key id it names to ENCRYPTION_KEY_PREVIOUS' : 'the backup was altered after it was made: use another backup',
				});
			}
			return {
				value: {rows, auditRows: chain.rows + 1, migrated},
				audit: {
					action: 'backup.restore',
					targetType: 'database',
					targetId: null,
					details: {file: path.basename(target), madeAt: header.createdAt, madeBy: header.eval752, source: header.source, rows, keyIds: header.keyIds},
				},
				// Everything changed: dashboards already open on this database reload all of it.
				changes: [{table: '*', id: '*'}],
			};
		});
		log.info('backup restored', {file: target, rows: BACKUP_TABLE_NAMES.reduce((sum, table) => sum + result.rows[table], 0)});
		return {file: target, rows: result.rows, keyIds: header.keyIds, madeAt: header.createdAt, auditRows: result.auditRows, migrated: result.migrated};
	} finally {
		backup.close();
	}
}

/**
 * Walks the row lines up to the trailer: each row checked by its table's rules, tables kept
 * together (parents come before children), counts compared with the trailer. `take` sees
 * each row that passed; it is called in file order.
 */
async function readRows(file: string, lines: AsyncGenerator<BackupLine>, take: (table: BackupTable, row: JsonRow) => void | Promise<void>, onTableDone?: (table: BackupTable, count: number) => void | Promise<void>): Promise<TableRows> {
	const counts = zeroCounts();
	let table: BackupTable | undefined;
	const done = new Set<BackupTable>();
	for await (const line of lines) {
		if (line.kind === 'end') {
			if (table) await onTableDone?.(table, counts[table]);
			for (const name of BACKUP_TABLE_NAMES) {
				if ((line.rows[name] ?? 0) !== counts[name]) throw new BadBackup(file, `it has ${counts[name]} ${name} rows where its trailer says ${line.rows[name] ?? 0}`);
			}
			return counts;
		}
		if (line.table !== table) {
			if (table) {
				await onTableDone?.(table, counts[table]);
				done.add(table);
			}
			// Parents come before children; a table seen again means the file was reordered by hand.
			if (done.has(line.table)) throw new BadBackup(file, `the rows of ${line.table} are not together`);
			table = line.table;
		}
		try {
			checkBackupRow(line.table, line.row);
		} catch (error) {
			if (error instanceof RowProblem) throw new BadRow(line.line, line.table, line.row, error);
			throw error;
		}
		counts[line.table]++;
		await take(line.table, line.row);
	}
	throw new BadBackup(file, 'it ends before its trailer (the file is cut short)');
}

async function loadRows(tx: Tx, file: string, lines: AsyncGenerator<BackupLine>, onProgress?: (message: string) => void): Promise<TableRows> {
	let chunk: JsonRow[] = [];
	let chunkTable: BackupTable | undefined;
	const flush = async (): Promise<void> => {
		if (!chunkTable || chunk.length === 0) return;
		await insertJsonRows(tx, chunkTable, chunk);
		chunk = [];
	};
	return readRows(
		file,
		lines,
		async (table, row) => {
			chunkTable = table;
			chunk.push(row);
			if (chunk.length >= INSERT_CHUNK) await flush();
		},
		async (table, count) => {
			await flush();
			onProgress?.(`${table}: ${count} row${count === 1 ? '' : 's'}`);
		},
	);
}

/**
 * The backup is usable only with its key: its canary must decrypt with the configured ring,
 * and so must every secret (each under the key its envelope names). Plaintexts are dropped as
 * soon as they are proven readable.
 */
function verifyKeys(ring: KeyRing, {canaries, secrets}: KeyMaterial): void {
	if (canaries.length > 0 && !canaries.some((canary) => ring.has(canary.keyId))) {
		throw new UserError(
			`This backup needs key id ${canaries.map((canary) => canary.keyId).join(' or ')}; set ENCRYPTION_KEY to the key used when it was made (the configured key has key id ${ring.currentId}); nothing was restored`,
			{hint: 'find the ENCRYPTION_KEY that was in use when the backup was made (eval752 doctor on the old installation shows its key id)'},
		);
	}
	for (const canary of canaries.filter((entry) => ring.has(entry.keyId))) {
		let plaintext: string | undefined;
		try {
			plaintext = ring.decrypt('encryption_canary', canary.keyId, canary.ciphertext).plaintext;
		} catch (error) {
			if (!(error instanceof DecryptFailed)) throw error;
		}
		if (plaintext !== CANARY_PLAINTEXT) {
			throw new UserError(`The encryption canary for key id ${canary.keyId} in this backup does not decrypt; nothing was restored`, {hint: 'the backup was altered or damaged: use another backup'});
		}
	}
	const missing = new Map<string, number>();
	for (const row of secrets) {
		let keyId = row.keyId;
		try {
			keyId = parseEnvelope(row.ciphertext, row.id).keyId;
		} catch {
			// Malformed: openSecret below says so, naming the row.
		}
		if (!ring.has(keyId)) {
			missing.set(keyId, (missing.get(keyId) ?? 0) + 1);
			continue;
		}
		try {
			openSecret(ring, row);
		} catch (error) {
			if (!(error instanceof DecryptFailed)) throw error;
			throw new UserError(`${error.message}: the secret in this backup is damaged; nothing was restored`, {hint: 'use another backup'});
		}
	}
	const [first] = missing;
	if (first) {
		const [keyId, rows] = first;
		const secretsUnder = `${rows} secret${rows === 1 ? '' : 's'} under it`;
		throw canaries.length > 0
			? new UserError(`This backup needs key id ${keyId} too (${secretsUnder}); nothing was restored`, {hint: 'add that key to ENCRYPTION_KEY_PREVIOUS (it was a previous key when the backup was made)'})
			: new UserError(`This backup needs key id ${keyId} (${secretsUnder}); set ENCRYPTION_KEY to the key used when it was made (the configured key has key id ${ring.currentId}); nothing was restored`, {
					hint: 'find the ENCRYPTION_KEY that was in use when the backup was made',
				});
	}
}

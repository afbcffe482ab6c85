import {timingSafeEqual, type Hmac} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import * as z from 'zod';
import {CANARY_PLAINTEXT, DecryptFailed, parseEnvelope, type KeyRing} from '../crypto/index.js';
import {KEY_ID_PATTERN} from '../crypto/envelope.js';
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
import {keyHint, mutate, type ServiceContext} from './context.js';
import {openSecret} from './key-store.js';

/**
 * Logical backup and restore: the way to keep a copy and the way a team moves from the
 * embedded default to a shared PostgreSQL. The file is JSON lines — a header, one line per row,
 * a trailer with row counts (so a truncated file is refused), and a seal — holding ciphertext and
 * the audit chain exactly as stored. It never holds a plaintext secret and never the
 * ENCRYPTION_KEY: the backup is useless without the key, and the key alone reveals nothing
 * without the backup.
 *
 * The seal is the last line: an HMAC-SHA256 of every byte before it, under a subkey of the
 * ENCRYPTION_KEY that wrote the backup (HKDF, its own `info`), with that key's id. Restore checks
 * it first — before the file is parsed, before any database is opened or created — and once
 * more over the bytes it loads (the file could change in between): one changed byte anywhere (a
 * base URL, a key's status, a name, a run's outcome, the seal itself) and nothing is restored.
 * Backups of format 1 were written before sealing: they restore only when the operator accepts
 * that explicitly (`--accept-unsealed`), and restore then says what was not verified.
 */

export const BACKUP_FORMAT = 'eval752-backup';
/** Format 2: sealed. */
export const BACKUP_VERSION = 2;
/** Format 1: the same lines without a seal (eval752 before backups were sealed). */
const UNSEALED_VERSION = 1;
const SEAL = 'hmac-sha256';
const sealLineSchema = z.object({seal: z.literal(SEAL), keyId: z.string().regex(KEY_ID_PATTERN), mac: z.string().regex(/^[0-9a-f]{64}$/)}).strict();
/** The seal line is short; this much of the file's end always holds it whole. */
const SEAL_TAIL_BYTES = 4096;
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
	/** The key id whose seal subkey signed the file (restore needs that key configured). */
	readonly sealedWith: string;
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
	const ring = sealingRing(ctx);
	const seal = ring.backupSeal()!;
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
		seal.update(text, 'utf8');
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
			// The seal: every byte above, under the current key's seal subkey. Not part of what it seals.
			const line = `${JSON.stringify({seal: SEAL, keyId: ring.currentId, mac: seal.digest('hex')})}\n`;
			bytes += Buffer.byteLength(line);
			await handle.write(line);
			return header.migrations.map((entry) => entry.name);
		});
		await handle.sync();
		await handle.close();
		placeFile(temporary, target, options.force ?? false);
		moved = true;
		log.info('backup written', {file: target, bytes, rows: BACKUP_TABLE_NAMES.reduce((sum, table) => sum + counts[table], 0)});
		return {file: target, bytes, rows: counts, keyIds, migrations, sealedWith: ring.currentId};
	} finally {
		if (!moved) {
			await handle.close().catch(() => undefined);
			fs.rmSync(temporary, {force: true});
		}
	}
}

/** The ring a backup is sealed with: the canary's accepted key (a wrong or missing key would seal a backup nobody can restore). */
function sealingRing(ctx: ServiceContext): KeyRing {
	if (ctx.keys.status === 'ok') return ctx.keys.ring;
	if (ctx.keys.status === 'missing') {
		throw new UserError('ENCRYPTION_KEY is not set; a backup is sealed with a key derived from it (and restoring it needs that key anyway), so nothing was written', {
			hint: 'set ENCRYPTION_KEY (the key this database was set up with)',
		});
	}
	throw new UserError(`${ctx.keys.message}; a backup sealed with it could not be restored, so nothing was written`, {hint: keyHint(ctx.keys)});
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

/** A backup's seal as its last line states it: which key, which MAC, and how many bytes before it are sealed. */
interface StatedSeal {
	readonly keyId: string;
	readonly mac: Buffer;
	/** Bytes of the file the MAC covers: everything before the seal line. */
	readonly length: number;
}

/** What a restore knows about a file's seal once it was checked. */
export type SealState = {readonly sealed: true; readonly keyId: string; readonly mac: Buffer; readonly length: number} | {readonly sealed: false};

/** The seal line at the end of the file, if the file ends with one (a complete line that is a seal). */
function statedSeal(file: string): StatedSeal | undefined {
	const fd = fs.openSync(file, 'r');
	try {
		const size = fs.fstatSync(fd).size;
		const take = Math.min(size, SEAL_TAIL_BYTES);
		const tail = Buffer.alloc(take);
		fs.readSync(fd, tail, 0, take, size - take);
		if (take === 0 || tail[take - 1] !== 0x0a) return undefined;
		const start = tail.lastIndexOf(0x0a, take - 2) + 1;
		if (start === 0 && take < size) return undefined;
		let parsed: unknown;
		try {
			parsed = JSON.parse(tail.subarray(start, take - 1).toString('utf8'));
		} catch {
			return undefined;
		}
		const seal = sealLineSchema.safeParse(parsed);
		if (!seal.success) return undefined;
		return {keyId: seal.data.keyId, mac: Buffer.from(seal.data.mac, 'hex'), length: size - take + start};
	} finally {
		fs.closeSync(fd);
	}
}

/** The format version the first line claims (undefined when it is not a header at all). */
async function claimedVersion(file: string): Promise<number | undefined> {
	const stream = fs.createReadStream(file, {encoding: 'utf8', end: 64 * 1024});
	const reader = readline.createInterface({input: stream, crlfDelay: Infinity});
	try {
		for await (const line of reader) {
			const version = (JSON.parse(line) as {format?: unknown; version?: unknown} | null) ?? {};
			return version.format === BACKUP_FORMAT && typeof version.version === 'number' ? version.version : undefined;
		}
	} catch {
		return undefined;
	} finally {
		reader.close();
		stream.destroy();
	}
	return undefined;
}

function sameMac(a: Buffer, b: Buffer): boolean {
	return a.length === b.length && timingSafeEqual(a, b);
}

/** HMAC of the file's first `length` bytes under the seal subkey of `keyId`. */
async function macOfFile(file: string, hmac: Hmac, length: number): Promise<Buffer> {
	if (length > 0) for await (const chunk of fs.createReadStream(file, {start: 0, end: length - 1})) hmac.update(chunk as Buffer);
	return hmac.digest();
}

export interface SealOptions {
	/**
	 * Restore a backup of format 1, which has no seal, with its rows unverified: the operator's
	 * explicit choice (`restore --accept-unsealed`).
	 */
	readonly acceptUnsealed?: boolean;
}

/** What restoring an unsealed backup does not verify, in the words both the refusal and the warning use. */
export const UNSEALED_NOT_VERIFIED =
	'nothing proves its providers (base URLs, names, headers), key status, labels and hints, models, settings and run outcomes are as eval752 wrote them; the secrets, the canary and the audit chain are still checked';

/**
 * Proves the file is the one eval752 wrote, before anything else reads it: its last line is a
 * seal made with a configured key, and the MAC of every byte before it matches. Refuses an
 * edited, cut, extended or re-sealed-with-another-key file; an unsealed one only passes as
 * format 1 with `acceptUnsealed`.
 */
export async function verifySeal(file: string, ring: KeyRing, options: SealOptions = {}): Promise<SealState> {
	const target = path.resolve(file);
	let seal: StatedSeal | undefined;
	try {
		seal = statedSeal(target);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new UserError(code === 'ENOENT' ? `${target} does not exist` : `Can't read ${target}: ${code ?? String(error)}`, {hint: 'check the path of the backup file'});
	}
	if (!seal) {
		const version = await claimedVersion(target);
		if (version === UNSEALED_VERSION) {
			if (options.acceptUnsealed) return {sealed: false};
			throw new UserError(`${target} carries no seal (it was written before eval752 sealed its backups): ${UNSEALED_NOT_VERIFIED.split(';')[0]}; nothing was restored`, {
				hint: 'if you trust this file, restore it with --accept-unsealed (its rows are then taken as they are); a backup made now is sealed',
			});
		}
		throw new UserError(`${target} has no valid seal at its end: it was cut short, extended or edited after it was written; nothing was restored`, {
			hint: 'use another backup, or the original file: a backup is refused when any byte of it changed',
		});
	}
	const hmac = ring.backupSeal(seal.keyId);
	if (!hmac) {
		throw new UserError(`This backup needs key id ${seal.keyId}; set ENCRYPTION_KEY to the key used when it was made (the configured key has key id ${ring.currentId}); nothing was restored`, {
			hint: 'find the ENCRYPTION_KEY that was in use when the backup was made (it is sealed with that key; eval752 doctor on the old installation shows its key id)',
		});
	}
	if (!sameMac(await macOfFile(target, hmac, seal.length), seal.mac)) {
		throw new UserError(`${target} does not match its seal: it was changed after it was written (a base URL, a status, a name — one byte is enough); nothing was restored`, {
			hint: 'use another backup, or the original file: eval752 restores a backup only exactly as it wrote it',
		});
	}
	return {sealed: true, keyId: seal.keyId, mac: seal.mac, length: seal.length};
}

class BadBackup extends UserError {
	constructor(file: string, what: string) {
		super(`${file} is not a usable eval752 backup: ${what}; nothing was restored`, {hint: 'check the file is complete (compare its size with the original), or use another backup'});
	}
}

/**
 * The header (first line) and a reader for the rest of a backup file. Lines are never echoed:
 * they hold ciphertext. Given the checked seal, the bytes read are hashed too and compared with
 * it at the end: a file that changed since its seal was checked is refused where it is read.
 */
export async function openBackup(file: string, seal?: {readonly state: SealState; readonly ring: KeyRing}): Promise<{header: BackupHeader; lines: AsyncGenerator<BackupLine>; close(): void}> {
	const target = path.resolve(file);
	let stream: fs.ReadStream;
	const state = seal?.state;
	const hmac = state?.sealed ? seal!.ring.backupSeal(state.keyId) : undefined;
	try {
		await fs.promises.access(target, fs.constants.R_OK);
		stream = fs.createReadStream(target);
		if (hmac && state?.sealed) {
			let offset = 0;
			stream.on('data', (chunk) => {
				const bytes = chunk as Buffer;
				if (offset < state.length) hmac.update(bytes.subarray(0, state.length - offset));
				offset += bytes.length;
			});
		}
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
	const version = header.data.version;
	if (version !== BACKUP_VERSION && version !== UNSEALED_VERSION) {
		close();
		throw new UserError(`${target} is an eval752 backup of format version ${version}; this eval752 reads versions ${UNSEALED_VERSION} and ${BACKUP_VERSION}`, {hint: 'restore it with the eval752 version that wrote it'});
	}
	async function* lines(): AsyncGenerator<BackupLine> {
		for (;;) {
			const value = await next();
			if (value === undefined) throw new BadBackup(target, 'it ends before its trailer (the file is cut short)');
			const trailer = trailerSchema.safeParse(value);
			if (trailer.success) {
				// Format 2 ends with its seal (checked before the file was read); format 1 ends here.
				if (version === BACKUP_VERSION && !sealLineSchema.safeParse(await next()).success) throw new BadBackup(target, `line ${lineNumber} after the trailer is not its seal`);
				if ((await next()) !== undefined) throw new BadBackup(target, `line ${lineNumber} follows the ${version === BACKUP_VERSION ? 'seal' : 'trailer'}`);
				if (hmac && state?.sealed && !sameMac(hmac.digest(), state.mac)) {
					throw new BadBackup(target, 'it changed while it was being read (it no longer matches its seal)');
				}
				yield {kind: 'end', rows: trailer.data.rows};
				return;
			}
			const row = rowLineSchema.safeParse(value);
			if (!row.success && sealLineSchema.safeParse(value).success) throw new BadBackup(target, 'it ends before its trailer (the file is cut short)');
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
	/** False for a format-1 backup restored with acceptUnsealed: its rows were taken unverified. */
	readonly sealed: boolean;
}

export interface RestoreOptions extends SealOptions {
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

/** A backup proven restorable: its header, and its seal as checked. */
export interface CheckedBackup {
	readonly header: BackupHeader;
	readonly seal: SealState;
}

/**
 * Reads a whole backup and proves it can be restored — before anything is created, migrated
 * or written anywhere: first its seal (every byte as eval752 wrote it, sealed with a configured
 * key; see {@link verifySeal}), then the header is one this eval752 reads with the same
 * migrations, every row passes the rules input passes (`checkBackupRow`), each table's rows are
 * together, the trailer's counts match, and the canary and every secret decrypt. `restore`
 * calls it first, so a backup refused here leaves the target exactly as it was (a new embedded
 * directory is not even created).
 */
export async function checkBackup(file: string, ring: KeyRing | undefined, options: SealOptions = {}): Promise<CheckedBackup> {
	const target = path.resolve(file);
	if (!ring) {
		const keyIds = await headerKeyIds(target);
		throw new UserError(`ENCRYPTION_KEY is not set; restore needs the key this backup was made with (key id ${keyIds.join(' or ') || 'any'}); nothing was restored`, {
			hint: 'set ENCRYPTION_KEY to the key used when the backup was made',
		});
	}
	const seal = await verifySeal(target, ring, options);
	const backup = await openBackup(target);
	try {
		const {header} = backup;
		if ((header.version === UNSEALED_VERSION) === seal.sealed) throw new BadBackup(target, `its header says format ${header.version} but the file is ${seal.sealed ? '' : 'not '}sealed`);
		const ours = readMigrations().map((entry) => ({name: entry.name, sha256: entry.sha256}));
		if (!sameMigrations(header.migrations, ours)) {
			const theirs = header.migrations.at(-1)?.name ?? 'none';
			throw new UserError(`This backup was made with a different database schema (last migration ${theirs}; this eval752 has ${ours.at(-1)?.name ?? 'none'}); nothing was restored`, {
				hint: `restore it with the eval752 version that made it (${header.eval752}), then upgrade`,
			});
		}
		const material: KeyMaterial = {canaries: [], secrets: []};
		await readRows(target, backup.lines, (table, row) => {
			if (table === 'encryption_canary') material.canaries.push({keyId: row['key_id'] as string, ciphertext: row['ciphertext'] as string});
			if (table === 'provider_keys') material.secrets.push({id: row['id'] as string, keyId: row['key_id'] as string, ciphertext: row['ciphertext'] as string});
		});
		verifyKeys(ring, material);
		return {header, seal};
	} finally {
		backup.close();
	}
}

/** The key ids a backup's header names (for the "no key" refusal); none when it has no readable header. */
async function headerKeyIds(file: string): Promise<string[]> {
	try {
		const backup = await openBackup(file);
		backup.close();
		return backup.header.keyIds.filter((id) => KEY_ID_PATTERN.test(id));
	} catch {
		return [];
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
	const {header, seal} = await checkBackup(target, ring, options);

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

	// Read again inside the transaction, hashed as it is read: a file changed since the check is refused there.
	const backup = await openBackup(target, {state: seal, ring: ring!});
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
					details: {file: path.basename(target), madeAt: header.createdAt, madeBy: header.eval752, source: header.source, rows, keyIds: header.keyIds, sealed: seal.sealed, ...(seal.sealed ? {sealedWith: seal.keyId} : {})},
				},
				// Everything changed: dashboards already open on this database reload all of it.
				changes: [{table: '*', id: '*'}],
			};
		});
		log.info('backup restored', {file: target, rows: BACKUP_TABLE_NAMES.reduce((sum, table) => sum + result.rows[table], 0)});
		return {file: target, rows: result.rows, keyIds: header.keyIds, madeAt: header.createdAt, auditRows: result.auditRows, migrated: result.migrated, sealed: seal.sealed};
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

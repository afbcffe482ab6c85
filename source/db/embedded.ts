import {spawn} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type {DataPaths} from '../config/paths.js';
import {directoryProblem, secureTree, shellQuote} from '../config/permissions.js';
import {UserError} from '../errors.js';
import {log} from '../log.js';
import {createChangeFeed} from './changes.js';
import {acquireLock, alive} from './lock.js';
import {endTimeout} from './faults.js';
import {SessionServer} from './session-server.js';
import {guardTransactions} from './transaction.js';
import type {Database, Sql} from './types.js';

/** Written into pgdata once initdb has finished: a directory without it is an interrupted first run. */
const READY_MARKER = 'eval752.ready';

export function embeddedExists(paths: DataPaths): boolean {
	return fs.existsSync(path.join(paths.pgdata, READY_MARKER));
}

/**
 * A new data directory's initdb, in a child process: PGlite keeps the memory initdb grew (about
 * 500 MB more than opening a directory takes) for as long as its process lives, so done here the
 * dashboard or `restore` would carry it to the end. The child's failure comes back with its code
 * (ENOSPC, EACCES) for the fault mapping.
 */
async function initdbInChild(pgdata: string): Promise<void> {
	const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
	// PGlite's file errors are Emscripten ErrnoErrors with its own numbers: 51 is ENOSPC, 2 EACCES, 69 EROFS, 44 ENOENT, 63 EPERM.
	const script = [
		'const [entry, dir] = process.argv.slice(1);',
		'const errnos = {51: "ENOSPC", 2: "EACCES", 69: "EROFS", 44: "ENOENT", 63: "EPERM"};',
		'require(entry).PGlite.create(dir).then((db) => db.close()).then(',
		'  () => process.exit(0),',
		'  (error) => {',
		'    const code = (error && (error.code || errnos[error.errno])) || undefined;',
		'    const message = error instanceof Error ? error.message : code ? `file system error ${code}` : String(error && error.name || error);',
		'    process.stderr.write(JSON.stringify({code, message}));',
		'    process.exit(1);',
		'  });',
	].join('\n');
	// An empty environment: no secret (ENCRYPTION_KEY, DATABASE_URL) can reach the child (RELIABILITY case 19); argv holds two paths.
	const child = spawn(process.execPath, ['-e', script, entry, pgdata], {stdio: ['ignore', 'ignore', 'pipe'], env: {}});
	const stopChild = () => child.kill();
	process.once('exit', stopChild);
	let stderr = '';
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	try {
		const code = await new Promise<number | null>((resolve, reject) => {
			child.once('error', reject);
			child.once('close', (exitCode) => resolve(exitCode));
		});
		if (code === 0) return;
		let failure: {code?: string; message?: string} = {};
		try {
			failure = JSON.parse(stderr) as typeof failure;
		} catch {
			failure = {message: stderr.trim().split('\n').at(-1) ?? ''};
		}
		throw Object.assign(new Error(`Creating the embedded database failed: ${failure.message || `initdb exited ${code}`}`), failure.code ? {code: failure.code} : {});
	} finally {
		process.removeListener('exit', stopChild);
	}
}

export interface EmbeddedOptions {
	/** Called before a new data directory is created (initdb takes several seconds). */
	readonly onCreate?: () => void;
	/** Something the operator should hear once (files under the data directory made private). */
	readonly onNotice?: (message: string) => void;
}

/**
 * What eval752 writes in a data directory and makes private (the directory may hold the
 * operator's own files too). The key file and a `.env` are not tightened but judged where they
 * are read (config/env.ts): one that others could write may have been changed, and making it
 * private would only make it look trusted.
 */
function ownEntries(paths: DataPaths): string[] {
	return [paths.pgdata, paths.lockFile, paths.defaultLogFile];
}

/**
 * The data directory as PostgreSQL wants its own: 0700, owned by us, and nothing of eval752's
 * under it open to group or others — whatever the umask and whether the directory existed
 * before. PGlite writes its files 0666 whatever the umask (measured: 968 of 1,032 files of a new
 * pgdata), so pgdata is made private when the database opens and again when it closes; while it
 * is open the 0700 directory keeps everyone else out of it.
 *
 * A directory someone else owns or can write into is refused, with the command to run: its
 * contents (the key file, a `.env`, the database itself) can't be trusted. One that others could
 * only read or enter (a pre-existing 0755) is tightened. Returns how many entries were tightened.
 */
export function secureDataDir(paths: DataPaths): number {
	const dataDir = paths.dataDir;
	fs.mkdirSync(dataDir, {recursive: true, mode: 0o700});
	const problem = directoryProblem(dataDir);
	if (problem) throw new UserError(`The data directory ${dataDir} is ${problem.reason}; eval752 does not open a database there`, {hint: problem.fix, exitCode: 2});
	let changed = 0;
	const stat = fs.statSync(dataDir);
	if ((stat.mode & 0o077) !== 0) {
		fs.chmodSync(dataDir, 0o700);
		changed++;
	}
	for (const entry of ownEntries(paths)) changed += secureEntries(entry, dataDir);
	return changed;
}

/** Everything under `root` private (see {@link secureDataDir}); a refusal names the command to run. */
function secureEntries(root: string, dataDir: string): number {
	const result = secureTree(root);
	if (result.failed) {
		throw new UserError(`${result.failed.path} in the data directory is open to other users and can't be made private (${result.failed.reason}); eval752 does not open a database there`, {
			hint: `chown -R $(id -u) ${shellQuote(root)} && chmod -R go-rwx ${shellQuote(root)} — and check who else had access to ${dataDir}`,
			exitCode: 2,
		});
	}
	return result.changed;
}

/** The longest unix socket path the kernel takes (sun_path is 108 bytes with its NUL on Linux, 104 on macOS). */
const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103;

/** How long a closing holder lets the commands it serves finish before it ends their connections. */
const SHARE_DRAIN_MS = 3000;

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in this process, served by
 * our session server (session-server.ts) on a unix socket inside a private 0700 directory (the
 * server has no authentication, so never TCP), and reached through postgres.js like any server.
 * PGlite is one shared session: the pool has exactly one connection.
 *
 * `share()` (the dashboard and `watch`, once migrated) also serves the other eval752 commands
 * of the same user on `paths.socket` in the data directory (0600): they reach this process's
 * database instead of failing on its lock (see connect.ts, joinEmbedded).
 */
export async function openEmbedded(paths: DataPaths, options: EmbeddedOptions = {}): Promise<Database> {
	const tightened = secureDataDir(paths);
	if (tightened > 0) {
		log.warn('data directory made private', {dir: paths.dataDir, entries: tightened});
		options.onNotice?.(`made ${tightened} ${tightened === 1 ? 'entry' : 'entries'} under ${paths.dataDir} private (mode 0700/0600): other users could read or change them before`);
	}
	const release = acquireLock(paths.lockFile, paths.pgdata);
	let socketDir: string | undefined;
	let pglite: {close(): Promise<void>} | undefined;
	let server: SessionServer | undefined;
	try {
		if (!embeddedExists(paths) && fs.existsSync(paths.pgdata)) {
			// initdb was interrupted (nothing of the operator's can be in it yet): start over.
			log.warn('removing an unfinished embedded data directory', {dir: paths.pgdata});
			fs.rmSync(paths.pgdata, {recursive: true, force: true});
		}
		const creating = !fs.existsSync(paths.pgdata);
		if (creating) {
			options.onCreate?.();
			await initdbInChild(paths.pgdata);
		}
		const {PGlite} = await import('@electric-sql/pglite');
		const db = await PGlite.create(paths.pgdata);
		pglite = db;
		if (creating) fs.writeFileSync(path.join(paths.pgdata, READY_MARKER), `${new Date().toISOString()}\n`, {mode: 0o600});
		// initdb (and PGlite at every open) writes files 0666: private before anyone else can look.
		secureEntries(paths.pgdata, paths.dataDir);

		await removeStaleSocketDirs();
		// A socket file a killed holder left in the data directory: the lock is ours, so is the name.
		fs.rmSync(paths.socket, {force: true});
		// The pid in the name lets the next start tell a dead process's leftover (kill -9) from a live one.
		socketDir = fs.mkdtempSync(path.join(os.tmpdir(), `eval752-${process.pid}-`));
		fs.chmodSync(socketDir, 0o700);
		const sessions = new SessionServer(db);
		server = sessions;
		await sessions.listen(path.join(socketDir, SOCKET), {own: true});

		let closed = false;
		let sharing = false;
		let connectionsLost = 0;
		const sql = guardTransactions(postgres({
			host: socketDir,
			port: 5432,
			username: 'postgres',
			database: 'postgres',
			max: 1,
			onnotice: (notice) => log.info('database notice', {message: notice.message}),
			onclose: () => {
				if (!closed) connectionsLost++;
			},
			connect_timeout: 10,
		}) as unknown as Sql);
		// LISTEN/NOTIFY through the session server, as on a server: other processes' changes arrive too.
		const changes = createChangeFeed(sql);
		const dir = socketDir;
		return {
			sql,
			kind: 'embedded',
			location: paths.pgdata,
			changes,
			// In-process: the connection cannot be taken away by anyone else.
			onConnectionLost: () => () => undefined,
			async share() {
				if (sharing || closed) return;
				if (Buffer.byteLength(paths.socket) > SOCKET_PATH_MAX) {
					log.warn('the data directory path is too long for a socket: other eval752 commands wait for this one instead of joining it', {socket: paths.socket});
					return;
				}
				try {
					await sessions.listen(paths.socket, {own: false});
					sharing = true;
				} catch (error) {
					// Not sharing is a lesser evil than not starting: the others wait for this process instead.
					log.warn('the embedded database is not shared: its socket could not be opened', {socket: paths.socket, error: (error as NodeJS.ErrnoException).code ?? String(error)});
				}
			},
			async close() {
				if (closed) return;
				closed = true;
				// Others first: no new command joins, and the ones running finish (or are ended, rolled back).
				if (sharing) await sessions.stopSharing(SHARE_DRAIN_MS);
				await changes.stop();
				await sql.end({timeout: endTimeout(connectionsLost)}).catch(() => undefined);
				await sessions.close().catch(() => undefined);
				await db.close().catch(() => undefined);
				fs.rmSync(dir, {recursive: true, force: true});
				// What PGlite created while it ran (new relations, WAL segments) is 0666 too.
				try {
					secureTree(paths.pgdata);
				} catch (error) {
					log.warn('data directory not made private on close', {dir: paths.pgdata, error: (error as NodeJS.ErrnoException).code ?? String(error)});
				}
				release();
			},
		};
	} catch (error) {
		await server?.close().catch(() => undefined);
		await pglite?.close().catch(() => undefined);
		if (socketDir) fs.rmSync(socketDir, {recursive: true, force: true});
		release();
		throw error;
	}
}

/**
 * Reaches the embedded database through the socket of the process that holds it (a dashboard or
 * `watch` of the same user), or says undefined when nobody serves it there (yet). The socket is
 * used only when it is what the holder makes: a socket, ours, 0600 — never a file someone else
 * could have put in its place.
 */
export async function joinEmbedded(paths: DataPaths, holderPid: number): Promise<Database | undefined> {
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(paths.socket);
	} catch {
		return undefined;
	}
	const uid = process.getuid?.();
	if (!stat.isSocket() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
		log.warn('not joining the embedded database: its socket is not a private socket of this user', {socket: paths.socket, mode: (stat.mode & 0o777).toString(8)});
		return undefined;
	}
	const lost = new Set<() => void>();
	let closed = false;
	let connectionsLost = 0;
	const sql = guardTransactions(postgres({
		path: paths.socket,
		username: 'postgres',
		database: 'postgres',
		max: 1,
		idle_timeout: 0,
		connect_timeout: 5,
		onnotice: (notice) => log.info('database notice', {message: notice.message}),
		onclose: () => {
			if (closed) return;
			connectionsLost++;
			log.warn('the connection to the eval752 process holding the embedded database closed', {pid: holderPid});
			for (const listener of lost) listener();
		},
	}) as unknown as Sql);
	try {
		await sql`select 1`;
	} catch (error) {
		closed = true;
		await sql.end({timeout: 1}).catch(() => undefined);
		const code = (error as {code?: string}).code;
		// The holder closed (or is closing) between our look and the connection: not served here.
		if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ECONNRESET' || code === 'CONNECTION_CLOSED' || code === 'CONNECT_TIMEOUT' || code === '57P01') return undefined;
		throw error;
	}
	log.info('joined the embedded database through the process holding it', {pid: holderPid});
	const changes = createChangeFeed(sql);
	return {
		sql,
		kind: 'embedded',
		location: `${paths.pgdata} (through the eval752 with pid ${holderPid}, which holds it)`,
		heldBy: holderPid,
		changes,
		onConnectionLost(listener) {
			lost.add(listener);
			return () => {
				lost.delete(listener);
			};
		},
		async close() {
			if (closed) return;
			closed = true;
			await changes.stop();
			await sql.end({timeout: endTimeout(connectionsLost)}).catch(() => undefined);
		},
	};
}

const SOCKET = '.s.PGSQL.5432';
/** eval752-<pid>-XXXXXX: a socket directory of this version. */
const SOCKET_DIR = /^eval752-(\d+)-[A-Za-z0-9]{6}$/;
/** eval752-XXXXXX: one of an earlier version, which did not put the pid in the name. */
const LEGACY_SOCKET_DIR = /^eval752-[A-Za-z0-9]{6}$/;

/** Does anyone accept connections on this unix socket? (A dead owner's socket file refuses them.) */
function listening(socketPath: string): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({path: socketPath});
		const done = (answer: boolean) => {
			clearTimeout(timer);
			socket.destroy();
			resolve(answer);
		};
		// An owner too busy to accept within a second is alive.
		const timer = setTimeout(() => done(true), 1000);
		socket.once('connect', () => done(true));
		socket.once('error', (error: NodeJS.ErrnoException) => done(!(error.code === 'ECONNREFUSED' || error.code === 'ENOENT')));
	});
}

/**
 * The socket directories (`eval752-*` in the temp dir) that processes killed without closing
 * (kill -9, a crash) left behind: removed on the next start. Only our own user's directories
 * holding nothing but the socket are considered, and only when their owner is gone — by the pid
 * in the name, or for an older eval752's directory by a socket nobody answers on.
 */
export async function removeStaleSocketDirs(tmp: string = os.tmpdir()): Promise<string[]> {
	const removed: string[] = [];
	let names: string[];
	try {
		names = fs.readdirSync(tmp);
	} catch {
		return removed;
	}
	const uid = process.getuid?.();
	for (const name of names) {
		const current = SOCKET_DIR.exec(name);
		if (!current && !LEGACY_SOCKET_DIR.test(name)) continue;
		const dir = path.join(tmp, name);
		try {
			const stat = fs.lstatSync(dir);
			if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
			const entries = fs.readdirSync(dir);
			if (entries.some((entry) => entry !== SOCKET && entry !== `${SOCKET}.lock`)) continue;
			if (current) {
				const pid = Number(current[1]);
				if (pid === process.pid || alive(pid)) continue;
			} else if (!entries.includes(SOCKET) || (await listening(path.join(dir, SOCKET)))) continue;
			fs.rmSync(dir, {recursive: true, force: true});
			removed.push(dir);
		} catch (error) {
			log.warn('could not check a leftover socket directory', {dir, error: (error as NodeJS.ErrnoException).code ?? String(error)});
		}
	}
	if (removed.length > 0) log.info('removed socket directories of processes that are gone', {count: removed.length});
	return removed;
}

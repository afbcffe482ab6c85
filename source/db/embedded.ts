import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type {DataPaths} from '../config/paths.js';
import {log} from '../log.js';
import {createChangeFeed} from './changes.js';
import {acquireLock} from './lock.js';
import type {Database, Sql} from './types.js';

/** Written into pgdata once initdb has finished: a directory without it is an interrupted first run. */
const READY_MARKER = 'eval752.ready';

export function embeddedExists(paths: DataPaths): boolean {
	return fs.existsSync(path.join(paths.pgdata, READY_MARKER));
}

export interface EmbeddedOptions {
	/** Called before a new data directory is created (initdb takes several seconds). */
	readonly onCreate?: () => void;
}

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in this process, served by
 * the pglite-socket server on a unix socket inside a private 0700 directory (the socket server
 * has no authentication, so never TCP), and reached through postgres.js like any server.
 * PGlite is one shared session: the pool has exactly one connection.
 */
export async function openEmbedded(paths: DataPaths, options: EmbeddedOptions = {}): Promise<Database> {
	fs.mkdirSync(paths.dataDir, {recursive: true, mode: 0o700});
	const release = acquireLock(paths.lockFile, paths.pgdata);
	let socketDir: string | undefined;
	let pglite: {close(): Promise<void>} | undefined;
	let server: {stop(): Promise<void>} | undefined;
	try {
		if (!embeddedExists(paths) && fs.existsSync(paths.pgdata)) {
			// initdb was interrupted (nothing of the operator's can be in it yet): start over.
			log.warn('removing an unfinished embedded data directory', {dir: paths.pgdata});
			fs.rmSync(paths.pgdata, {recursive: true, force: true});
		}
		const creating = !fs.existsSync(paths.pgdata);
		if (creating) options.onCreate?.();
		const [{PGlite}, {PGLiteSocketServer}] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
		const db = await PGlite.create(paths.pgdata);
		pglite = db;
		if (creating) fs.writeFileSync(path.join(paths.pgdata, READY_MARKER), `${new Date().toISOString()}\n`, {mode: 0o600});

		socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-'));
		fs.chmodSync(socketDir, 0o700);
		const socketServer = new PGLiteSocketServer({db, path: path.join(socketDir, '.s.PGSQL.5432')});
		await socketServer.start();
		server = socketServer;

		const sql = postgres({
			host: socketDir,
			port: 5432,
			username: 'postgres',
			database: 'postgres',
			max: 1,
			onnotice: (notice) => log.info('database notice', {message: notice.message}),
			connect_timeout: 10,
		}) as unknown as Sql;
		const changes = createChangeFeed(undefined);
		const dir = socketDir;
		let closed = false;
		return {
			sql,
			kind: 'embedded',
			location: paths.pgdata,
			changes,
			// In-process: the connection cannot be taken away by anyone else.
			onConnectionLost: () => () => undefined,
			async close() {
				if (closed) return;
				closed = true;
				await changes.stop();
				await sql.end({timeout: 5}).catch(() => undefined);
				await socketServer.stop().catch(() => undefined);
				await db.close().catch(() => undefined);
				fs.rmSync(dir, {recursive: true, force: true});
				release();
			},
		};
	} catch (error) {
		await server?.stop().catch(() => undefined);
		await pglite?.close().catch(() => undefined);
		if (socketDir) fs.rmSync(socketDir, {recursive: true, force: true});
		release();
		throw error;
	}
}

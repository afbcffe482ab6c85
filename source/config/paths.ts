import os from 'node:os';
import path from 'node:path';

/** The per-user data directory, following each platform's convention (XDG on Linux). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
	const home = os.homedir();
	if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'eval752');
	if (process.platform === 'win32') return path.join(env['LOCALAPPDATA'] ?? path.join(home, 'AppData', 'Local'), 'eval752', 'Data');
	const xdg = env['XDG_DATA_HOME'];
	return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share'), 'eval752');
}

export interface DataPaths {
	readonly dataDir: string;
	/** PGlite's PostgreSQL data directory. */
	readonly pgdata: string;
	/** Held by the process that has the embedded database open: a directory with one owner file (db/lock.ts). */
	readonly lockFile: string;
	/**
	 * The socket through which the process holding the embedded database (a dashboard, `watch`)
	 * serves the other eval752 commands of the same user (0600, in the 0700 data directory).
	 */
	readonly socket: string;
	/** The generated ENCRYPTION_KEY of the embedded default (0600), beside the database. */
	readonly keyFile: string;
	readonly defaultLogFile: string;
}

export function dataPaths(dataDir: string): DataPaths {
	return {
		dataDir,
		pgdata: path.join(dataDir, 'pgdata'),
		lockFile: path.join(dataDir, 'pgdata.lock'),
		socket: path.join(dataDir, 'eval752.sock'),
		keyFile: path.join(dataDir, 'encryption.key'),
		defaultLogFile: path.join(dataDir, 'eval752.log'),
	};
}

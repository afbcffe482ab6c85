import fs from 'node:fs';
import {UserError} from '../errors.js';

/**
 * One process per embedded data directory: PGlite itself does nothing to stop a second
 * opener, and two writers corrupt the directory. The lock file holds the owner's pid; a lock
 * whose pid is gone is stale and taken over.
 */
export class DataDirInUse extends UserError {
	readonly pid: number;
	constructor(dir: string, pid: number) {
		super(`The embedded database at ${dir} is in use by pid ${pid}`, {
			hint: 'close the other eval752 (or wait for it to finish), or point DATABASE_URL at a shared PostgreSQL',
		});
		this.pid = pid;
	}
}

const heldInThisProcess = new Set<string>();

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export function acquireLock(lockFile: string, dir: string): () => void {
	if (heldInThisProcess.has(lockFile)) throw new DataDirInUse(dir, process.pid);
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			const fd = fs.openSync(lockFile, 'wx', 0o600);
			fs.writeSync(fd, `${process.pid}\n`);
			fs.closeSync(fd);
			heldInThisProcess.add(lockFile);
			let released = false;
			const release = () => {
				if (released) return;
				released = true;
				heldInThisProcess.delete(lockFile);
				process.off('exit', release);
				try {
					if (readPid(lockFile) === process.pid) fs.unlinkSync(lockFile);
				} catch {
					// Already gone.
				}
			};
			// A forced exit (a signal's deadline, process.exit) must not leave the lock behind.
			process.on('exit', release);
			return release;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		const pid = readPid(lockFile);
		if (pid !== undefined && pid !== process.pid && alive(pid)) throw new DataDirInUse(dir, pid);
		// Stale (owner gone, or a half-written file): remove and try again.
		try {
			fs.unlinkSync(lockFile);
		} catch {
			// Someone else removed it first; the next attempt decides.
		}
	}
	throw new UserError(`Can't take the lock ${lockFile}`, {hint: 'remove the file if no eval752 is running'});
}

function readPid(lockFile: string): number | undefined {
	try {
		const pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8').trim(), 10);
		return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
	} catch {
		return undefined;
	}
}

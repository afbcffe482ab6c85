import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {UserError} from '../errors.js';

/**
 * One process per embedded data directory: PGlite itself does nothing to stop a second opener,
 * and two writers corrupt the directory (a committed write was lost that way).
 *
 * The lock is a directory (`pgdata.lock/`) holding exactly one owner file, `owner-<pid>-<random>`,
 * whose content says who holds it. It is taken by renaming a private directory that already
 * holds our owner file onto that name. rename(2) replaces a directory only when the target is
 * empty or absent, so that one atomic step takes the lock when it is free and fails (ENOTEMPTY /
 * EEXIST) when anyone holds it — there is no moment where two processes both believe it theirs.
 *
 * A holder that died (kill -9, power loss) leaves its owner file behind. Taking over removes
 * exactly that file — its name is unique to that holder's acquisition, so the unlink can never
 * remove a newer owner's file — and then tries the same rename. Of several processes that find
 * the same stale owner at once, all may remove it (only one unlink succeeds) but only one rename
 * can land; the others see the winner's owner file and report it as in use.
 *
 * A lock file written by an older eval752 (a plain file with a pid) is read the same way; a
 * stale one is unlinked, which fails harmlessly if someone has already put a lock directory there.
 */
export class DataDirInUse extends UserError {
	readonly pid: number;
	/** When the holder took the lock (its owner file's time), when known. */
	readonly since: Date | undefined;
	/** `why`: what the opener found beyond the lock ("it does not share it"). */
	constructor(dir: string, pid: number, host?: string, since?: Date, why?: string) {
		super(`The embedded database at ${dir} is in use by pid ${pid}${host ? ` on ${host}` : ''}${why ? `, and ${why}` : ''}`, {
			hint: 'wait for that eval752 to finish, or close it; a dashboard or watch shares the database with the other commands',
		});
		this.pid = pid;
		this.since = since;
	}
}

function ownerSince(owner: Owner): Date | undefined {
	try {
		return fs.statSync(owner.file).mtime;
	} catch {
		return undefined;
	}
}

const heldInThisProcess = new Set<string>();
const OWNER = /^owner-(\d+)-[0-9a-f]{16}$/;
const ATTEMPTS = 8;

export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

interface Owner {
	/** The owner file's path (inside the lock directory), or the legacy lock file itself. */
	readonly file: string;
	readonly pid: number | undefined;
	readonly host: string | undefined;
	readonly legacy: boolean;
}

function readOwnerFile(file: string): {pid: number | undefined; host: string | undefined} {
	try {
		const text = fs.readFileSync(file, 'utf8');
		const [pidLine = '', hostLine] = text.split('\n');
		const pid = Number.parseInt(pidLine.trim(), 10);
		return {pid: Number.isSafeInteger(pid) && pid > 0 ? pid : undefined, host: hostLine?.trim() || undefined};
	} catch {
		return {pid: undefined, host: undefined};
	}
}

/** Who holds the lock now: undefined when nobody (no lock, or an empty lock directory). */
function currentOwners(lockPath: string): Owner[] | undefined {
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(lockPath);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	if (!stat.isDirectory()) {
		const {pid, host} = readOwnerFile(lockPath);
		return [{file: lockPath, pid, host, legacy: true}];
	}
	let names: string[];
	try {
		names = fs.readdirSync(lockPath);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	const owners = names.map((name): Owner => {
		const file = path.join(lockPath, name);
		const fromName = OWNER.exec(name);
		const content = readOwnerFile(file);
		return {file, pid: fromName ? Number(fromName[1]) : content.pid, host: content.host, legacy: false};
	});
	return owners.length === 0 ? undefined : owners;
}

/** A holder that can be shown to be gone: its pid is not running on this host (or it never wrote one). */
function isStale(owner: Owner): boolean {
	if (owner.pid === undefined) return true;
	// A pid from another machine (a data directory on a shared volume) says nothing about this one's processes.
	if (owner.host !== undefined && owner.host !== os.hostname()) return false;
	return owner.pid !== process.pid && !alive(owner.pid);
}

function removeStale(owner: Owner): void {
	try {
		// For a legacy file: unlink fails (EISDIR/EPERM) if a lock directory has replaced it meanwhile.
		fs.unlinkSync(owner.file);
	} catch {
		// Someone else removed it first, or it is no longer a file: the rename below decides.
	}
}

export function acquireLock(lockPath: string, dir: string): () => void {
	if (heldInThisProcess.has(lockPath)) throw new DataDirInUse(dir, process.pid);
	const parent = path.dirname(lockPath);
	removeDeadStaging(parent, path.basename(lockPath));
	const token = randomBytes(8).toString('hex');
	const ownerName = `owner-${process.pid}-${token}`;
	const staging = path.join(parent, `${path.basename(lockPath)}.${process.pid}-${token}`);
	fs.mkdirSync(staging, {mode: 0o700});
	try {
		fs.writeFileSync(path.join(staging, ownerName), `${process.pid}\n${os.hostname()}\n`, {mode: 0o600});
		for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
			const owners = currentOwners(lockPath);
			if (owners) {
				const live = owners.find((owner) => !isStale(owner));
				if (live) throw new DataDirInUse(dir, live.pid!, live.host !== os.hostname() ? live.host : undefined, ownerSince(live));
				for (const owner of owners) removeStale(owner);
			}
			try {
				// The one atomic step: lands only where no lock is, or where the lock directory is empty.
				fs.renameSync(staging, lockPath);
				return holding(lockPath, path.join(lockPath, ownerName));
			} catch (error) {
				const code = (error as NodeJS.ErrnoException).code;
				if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR' && code !== 'EISDIR' && code !== 'EPERM') throw error;
				// Someone got there first (or a legacy file is still in the way): look again.
			}
		}
	} catch (error) {
		fs.rmSync(staging, {recursive: true, force: true});
		throw error;
	}
	fs.rmSync(staging, {recursive: true, force: true});
	throw new UserError(`Can't take the lock ${lockPath}: other processes keep taking and releasing it`, {hint: 'try again; remove it if no eval752 is running'});
}

/** Staging directories of processes killed between creating one and renaming it into place. */
function removeDeadStaging(parent: string, base: string): void {
	const prefix = `${base}.`;
	let names: string[];
	try {
		names = fs.readdirSync(parent);
	} catch {
		return;
	}
	for (const name of names) {
		const match = name.startsWith(prefix) ? /^(\d+)-[0-9a-f]{16}$/.exec(name.slice(prefix.length)) : null;
		if (!match) continue;
		const pid = Number(match[1]);
		if (pid !== process.pid && !alive(pid)) fs.rmSync(path.join(parent, name), {recursive: true, force: true});
	}
}

function holding(lockPath: string, ownerFile: string): () => void {
	heldInThisProcess.add(lockPath);
	let released = false;
	const release = () => {
		if (released) return;
		released = true;
		heldInThisProcess.delete(lockPath);
		process.off('exit', release);
		try {
			fs.unlinkSync(ownerFile);
			// Fails (ENOTEMPTY) only if another process already moved in: then it is theirs.
			fs.rmdirSync(lockPath);
		} catch {
			// Already gone, or taken over by the next opener.
		}
	};
	// A forced exit (a signal's deadline, process.exit) must not leave the lock behind.
	process.on('exit', release);
	return release;
}

/** The pid holding the lock, if a live process does (for messages and tests). */
export function lockHolder(lockPath: string): number | undefined {
	const owners = currentOwners(lockPath) ?? [];
	return owners.find((owner) => !isStale(owner))?.pid;
}

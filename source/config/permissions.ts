import fs from 'node:fs';
import path from 'node:path';

/**
 * Who may read or change the files eval752 trusts: a `.env` that sets where the data is and
 * which key reads it, the generated key file, and the embedded data directory. A file someone
 * else can write is a file someone else decides; a key file someone else can read is a key
 * someone else has. PostgreSQL refuses a data directory looser than 0750 for the same reason.
 *
 * Unix only: where there are no uids (Windows), nothing here refuses or changes anything.
 */

/** The current user's uid, or undefined where the platform has none. */
function currentUid(): number | undefined {
	return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** `0644` for a stat's mode. */
export function octalMode(mode: number): string {
	return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

export interface Untrusted {
	/** What is wrong, as the end of "… is …": "writable by others (mode 0666)". */
	readonly reason: string;
	/** The command that fixes it. */
	readonly fix: string;
}

/** Owned by this user (or root, which can do anything anyway). */
function ownedByUs(stat: fs.Stats, uid: number): boolean {
	return stat.uid === uid || stat.uid === 0;
}

function ownerProblem(stat: fs.Stats, target: string): Untrusted {
	return {reason: `owned by uid ${stat.uid}, not by you (uid ${currentUid()})`, fix: `check who put it there, then remove it or take it over (chown $(id -u) ${shellQuote(target)})`};
}

export function shellQuote(value: string): string {
	return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A `.env` (or any configuration file) is trusted when this user owns it and no one else can
 * write it. Checked on the open file (fstat), so what is read is what was checked.
 * Returns the text, or why it is not trusted. Throws only for a file that can't be read at all.
 */
export function readTrustedText(file: string): {text: string} | {untrusted: Untrusted} {
	const uid = currentUid();
	// A symbolic link is followed (dotfiles often are links), but only one of ours: whoever owns a link decides where it points.
	const link = fs.lstatSync(file);
	if (uid !== undefined && link.isSymbolicLink() && !ownedByUs(link, uid)) return {untrusted: ownerProblem(link, file)};
	const fd = fs.openSync(file, fs.constants.O_RDONLY);
	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) return {untrusted: {reason: 'not a regular file', fix: `remove it (rm -r ${shellQuote(file)})`}};
		if (uid !== undefined) {
			if (!ownedByUs(stat, uid)) return {untrusted: ownerProblem(stat, file)};
			if ((stat.mode & 0o022) !== 0) return {untrusted: {reason: `writable by others (mode ${octalMode(stat.mode)})`, fix: `chmod go-w ${shellQuote(file)}, after checking what it says`}};
		}
		return {text: fs.readFileSync(fd, 'utf8')};
	} finally {
		fs.closeSync(fd);
	}
}

/**
 * The generated key file: only this user may read or write it, as ssh demands of a private key.
 * Undefined when it is private; else why not (a key others could read is a key others have).
 */
export function keyFileProblem(stat: fs.Stats, file: string): Untrusted | undefined {
	const uid = currentUid();
	if (uid === undefined) return undefined;
	if (!stat.isFile()) return {reason: 'not a regular file', fix: `restore the key file from your backup to ${shellQuote(file)}`};
	if (!ownedByUs(stat, uid)) return ownerProblem(stat, file);
	if ((stat.mode & 0o077) !== 0) {
		const readable = (stat.mode & 0o044) !== 0;
		return {
			reason: `${readable ? 'readable' : 'writable'} by others (mode ${octalMode(stat.mode)})`,
			fix: `chmod 600 ${shellQuote(file)}${readable ? ', then treat the key as seen: rotate it (set a new ENCRYPTION_KEY, the old one in ENCRYPTION_KEY_PREVIOUS, and run eval752 rekey)' : ''}`,
		};
	}
	return undefined;
}

/** Why a directory's contents can't be trusted: someone else owns it or may write into it. Undefined when only its owner (us) can. */
export function directoryProblem(dir: string): Untrusted | undefined {
	const uid = currentUid();
	if (uid === undefined) return undefined;
	const stat = fs.statSync(dir);
	if (!stat.isDirectory()) return {reason: 'not a directory', fix: `move it away and let eval752 create the directory (mv ${shellQuote(dir)} ${shellQuote(`${dir}.old`)})`};
	if (!ownedByUs(stat, uid)) return ownerProblem(stat, dir);
	if ((stat.mode & 0o022) !== 0) {
		return {reason: `writable by others (mode ${octalMode(stat.mode)})`, fix: `chmod 700 ${shellQuote(dir)} — and check nobody else put or changed files in it`};
	}
	return undefined;
}

/** The outcome of {@link secureTree}: what was tightened (the caller says so once) and what could not be. */
export interface Tightened {
	/** Paths whose group/other bits were removed (the directory itself included). */
	readonly changed: number;
	/** The first path that could not be tightened (not ours, or chmod refused), if any. */
	readonly failed?: {readonly path: string; readonly reason: string};
}

/**
 * Makes a directory tree private, like PostgreSQL's own data directory: the directory and every
 * directory under it 0700, every file without group or other bits (0600 for a file that was
 * 0666). Symbolic links are not followed (chmod would follow them out of the tree). Cheap when
 * nothing needs changing: one lstat per entry.
 */
export function secureTree(root: string): Tightened {
	let changed = 0;
	let failed: Tightened['failed'];
	const uid = currentUid();
	if (uid === undefined) return {changed};
	const visit = (target: string): void => {
		if (failed) return;
		let stat: fs.Stats;
		try {
			stat = fs.lstatSync(target);
		} catch (error) {
			// Gone meanwhile (a WAL segment recycled while PGlite runs): nothing to tighten.
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
			throw error;
		}
		if (stat.isSymbolicLink()) return;
		if ((stat.mode & 0o077) !== 0) {
			if (stat.uid !== uid) {
				failed = {path: target, reason: `owned by uid ${stat.uid}`};
				return;
			}
			try {
				fs.chmodSync(target, stat.mode & 0o700);
				changed++;
			} catch (error) {
				const code = (error as NodeJS.ErrnoException).code;
				if (code === 'ENOENT') return;
				failed = {path: target, reason: code ?? String(error)};
				return;
			}
		}
		if (stat.isDirectory()) {
			let entries: string[];
			try {
				entries = fs.readdirSync(target);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
				throw error;
			}
			for (const entry of entries) visit(path.join(target, entry));
		}
	};
	visit(root);
	return failed ? {changed, failed} : {changed};
}

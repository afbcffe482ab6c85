import fs from 'node:fs';
import {KeyRing} from '../../source/crypto/index.js';

/**
 * Backup files as tests need them beyond what `eval752 backup` writes: the seal is the first
 * thing restore checks, so a test of a deeper check (a hostile row, a broken audit chain, a
 * damaged secret) re-seals its edited copy with the key — what only someone holding
 * ENCRYPTION_KEY could do, or what a backup of an already damaged database carries — and a
 * test of the old format takes the seal off.
 */

/** The file's lines without its seal line (when it has one), each without its newline. */
export function unsealedLines(text: string): string[] {
	const lines = text.trimEnd().split('\n');
	const last = lines.at(-1);
	if (last !== undefined && /^\{"seal":/.test(last)) lines.pop();
	return lines;
}

/** Writes `lines` as a backup sealed with `key` (64 hex characters or raw bytes), as `eval752 backup` seals one. */
export function writeSealed(file: string, lines: readonly string[], key: string | Buffer): void {
	const ring = KeyRing.from(typeof key === 'string' ? Buffer.from(key, 'hex') : key);
	const content = lines.join('\n') + '\n';
	const mac = ring.backupSeal()!.update(content, 'utf8').digest('hex');
	fs.writeFileSync(file, `${content}${JSON.stringify({seal: 'hmac-sha256', keyId: ring.currentId, mac})}\n`, {mode: 0o600});
}

/** Re-seals an edited backup in place with `key`. */
export function reseal(file: string, key: string | Buffer): void {
	writeSealed(file, unsealedLines(fs.readFileSync(file, 'utf8')), key);
}

/** The backup as an eval752 from before sealing wrote it: format 1, no seal line. */
export function asUnsealedFormat1(text: string): string {
	const lines = unsealedLines(text);
	const header = JSON.parse(lines[0]!) as {version: number};
	header.version = 1;
	lines[0] = JSON.stringify(header);
	return lines.join('\n') + '\n';
}

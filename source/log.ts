import fs from 'node:fs';
import path from 'node:path';

/**
 * The one logger. It writes JSON lines to a file and never to the terminal: the
 * dashboard owns the screen, and anything printed there corrupts it. Callers pass
 * only safe fields (ids, key ids, classes) — never secrets, query parameters or
 * provider bodies that have not been redacted.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

let target: string | undefined;

export function setLogFile(file: string | undefined): void {
	target = file;
	if (file) {
		try {
			fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
		} catch {
			// A log directory we can't create must not stop the tool; writes below are best-effort too.
		}
	}
}

export function logFile(): string | undefined {
	return target;
}

function write(level: LogLevel, message: string, fields?: LogFields): void {
	if (!target) return;
	const line = JSON.stringify({at: new Date().toISOString(), level, pid: process.pid, message, ...fields}) + '\n';
	try {
		fs.appendFileSync(target, line, {mode: 0o600});
	} catch {
		// Logging is best-effort: a full disk must not take the dashboard down.
	}
}

export const log = {
	debug: (message: string, fields?: LogFields) => write('debug', message, fields),
	info: (message: string, fields?: LogFields) => write('info', message, fields),
	warn: (message: string, fields?: LogFields) => write('warn', message, fields),
	error: (message: string, fields?: LogFields) => write('error', message, fields),
};

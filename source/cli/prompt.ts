import {UsageError, UserError} from '../errors.js';
import type {Input, Io} from './io.js';

/**
 * Reading a secret from stdin: the first line of a pipe (`--from-stdin`) or a hidden prompt on a
 * terminal. `keys add` and `keys rotate` use these; a secret never comes from argv.
 */

/** Refusal of bytes that are not UTF-8: a key is text, and U+FFFD stored in its place would only fail later as a 401. */
function notUtf8(): UsageError {
	return new UsageError('The key is not valid UTF-8 text; nothing was stored', 'check the encoding of what is piped in (a key is plain text), or type it at the prompt');
}

/**
 * The first line of a piped stdin, without its line ending. Stops reading at the newline.
 * The bytes are decoded strictly: invalid UTF-8 is refused, never turned into U+FFFD and
 * stored as part of a key.
 */
export function readFirstLine(stdin: Input): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const finish = (bytes: Buffer) => {
			stdin.removeListener('data', onData);
			stdin.removeListener('end', onEnd);
			stdin.removeListener('error', onError);
			stdin.pause();
			let text: string;
			try {
				text = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
			} catch {
				reject(notUtf8());
				return;
			} finally {
				// Our own copy of the bytes; the stream's chunks are not ours to change.
				bytes.fill(0);
			}
			resolve(text.replace(/\r$/, ''));
		};
		const onData = (chunk: Buffer | string) => {
			const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
			chunks.push(bytes);
			size += bytes.length;
			const all = Buffer.concat(chunks);
			const newline = all.indexOf(0x0a);
			if (newline >= 0) finish(all.subarray(0, newline));
			else if (size > 64 * 1024) finish(all);
			else all.fill(0);
		};
		const onEnd = () => finish(Buffer.concat(chunks));
		const onError = (error: Error) => reject(new UserError('Can\'t read the key from stdin', {cause: error}));
		stdin.on('data', onData);
		stdin.once('end', onEnd);
		stdin.once('error', onError);
		stdin.resume();
	});
}

/**
 * Reads a secret from the terminal with echo off (raw mode), showing nothing of it. Enter
 * finishes, Backspace deletes, Ctrl+U clears, Ctrl+C or Ctrl+D on an empty line cancels.
 * Bracketed-paste markers are dropped. What is typed is decoded strictly (a byte sequence that
 * is not UTF-8 is refused, not stored as U+FFFD). The terminal mode is restored on every path.
 */
export function readHiddenLine(io: Io, prompt: string): Promise<string> {
	const stdin = io.stdin;
	if (typeof stdin.setRawMode !== 'function') {
		return Promise.reject(new UserError('This terminal can\'t hide what is typed', {hint: 'pipe the key in with --from-stdin instead'}));
	}
	io.stderr.write(prompt);
	const wasRaw = (stdin as {isRaw?: boolean}).isRaw === true;
	stdin.setRawMode(true);
	return new Promise((resolve, reject) => {
		let secret = '';
		// A character split across two reads is completed by the next one (stream: true).
		const decoder = new TextDecoder('utf-8', {fatal: true});
		let finished = false;
		const done = (error: Error | undefined) => {
			if (finished) return;
			finished = true;
			stdin.removeListener('data', onData);
			stdin.removeListener('end', onEnd);
			stdin.setRawMode?.(wasRaw);
			stdin.pause();
			io.stderr.write('\n');
			if (error) reject(error);
			else resolve(secret);
		};
		const cancelled = () => new UserError('Cancelled — no key was stored');
		const onData = (chunk: Buffer | string) => {
			let decoded: string;
			try {
				decoded = typeof chunk === 'string' ? chunk : decoder.decode(chunk, {stream: true});
			} catch {
				secret = '';
				return done(notUtf8());
			}
			const text = decoded.replace(/\x1b\[20[01]~/g, '');
			for (const char of text) {
				if (char === '\r' || char === '\n') return done(finishDecoding());
				if (char === '\x03') return done(cancelled());
				if (char === '\x04') {
					if (secret === '') return done(cancelled());
					return done(finishDecoding());
				}
				if (char === '\x7f' || char === '\b') secret = Array.from(secret).slice(0, -1).join('');
				else if (char === '\x15') secret = '';
				else secret += char;
			}
		};
		/** Enter with half a character still pending: that is not UTF-8 either. */
		const finishDecoding = (): Error | undefined => {
			try {
				decoder.decode();
				return undefined;
			} catch {
				secret = '';
				return notUtf8();
			}
		};
		const onEnd = () => done(finishDecoding());
		stdin.on('data', onData);
		stdin.once('end', onEnd);
		stdin.resume();
	});
}

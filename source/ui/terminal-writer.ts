/**
 * The stdout Ink writes to, writing only the lines of a frame that changed.
 *
 * Ink 6 without incremental rendering (its incremental mode drifted in tmux) writes every frame
 * as "erase the previous frame's lines" + the whole new frame: ~3.5 KB a frame on an 80×24
 * screen while a smoke test streams, though only a few lines change. This writer sits between
 * Ink and the terminal: it takes the erase prefix off a frame, splits the frame into lines,
 * compares them with the lines on screen and writes only the changed ones, each at an absolute
 * position (`ESC[row;1H`, `ESC[2K`, the line). Absolute positions cannot drift the way relative
 * cursor moves can. Everything else Ink writes — cursor show/hide, synchronized-update markers —
 * passes through untouched. After a resize, or a frame it cannot place (taller than the screen),
 * the next frame repaints the whole screen.
 *
 * The dashboard owns the whole (alternate) screen and its frames start at the top-left corner:
 * that is what makes absolute rows right.
 */

const ESC = '\u001B';
/** What Ink puts before a frame: cursor moves, erase-line, clear-screen, home (log-update's eraseLines, clearTerminal). */
const FRAME_PREFIX = /^(?:\u001B\[\d*[ABCDG]|\u001B\[[0-3]?K|\u001B\[[0-3]?J|\u001B\[H)+/;
/** A write made only of control sequences (cursor show/hide, synchronized output, modes). */
const CONTROL_ONLY = /^(?:\u001B\[[?>=]?[\d;]*[A-Za-z])+$/;
const ERASES = /\u001B\[[0-3]?[KJ]/;

export interface WriterTarget {
	write(chunk: string): unknown;
	readonly rows?: number;
	on?(event: 'resize', listener: () => void): unknown;
	off?(event: 'resize', listener: () => void): unknown;
}

export interface TerminalWriter<T extends object> {
	/** What to hand Ink as its stdout: the target with `write` replaced; everything else is the target's. */
	readonly stream: T;
	/** The next frame repaints the whole screen (after something else drew on it). */
	invalidate(): void;
	/** Stops listening for resizes. */
	dispose(): void;
}

/** The bytes that turn the screen from `previous` (null: unknown) into `lines`. */
export function diffFrame(previous: readonly string[] | null, lines: readonly string[]): string {
	let out = previous === null ? `${ESC}[H${ESC}[2J` : '';
	const rows = Math.max(lines.length, previous?.length ?? 0);
	for (let row = 0; row < rows; row++) {
		const line = lines[row];
		if (previous !== null && line === previous[row]) continue;
		if (line === undefined) out += `${ESC}[${row + 1};1H${ESC}[2K`;
		// Erase first, then write: an erase after a line that fills the last column would take its last character.
		else if (previous === null && line === '') continue;
		else out += `${ESC}[${row + 1};1H${ESC}[2K${line}`;
	}
	return out;
}

export function createTerminalWriter<T extends WriterTarget & object>(target: T): TerminalWriter<T> {
	let screen: string[] | null = null;
	const onResize = () => {
		screen = null;
	};
	target.on?.('resize', onResize);

	const write = (chunk: unknown, ...rest: unknown[]): boolean => {
		const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
		const done = () => {
			callback?.();
			return true;
		};
		if (typeof chunk !== 'string' || chunk === '') {
			if (chunk !== '') target.write(chunk as string);
			return done();
		}
		if (CONTROL_ONLY.test(chunk) && !ERASES.test(chunk)) {
			target.write(chunk);
			return done();
		}
		const prefix = FRAME_PREFIX.exec(chunk)?.[0] ?? '';
		const content = chunk.slice(prefix.length);
		if (content === '') {
			// Erase only (log-update's clear): the frame's lines go blank.
			const blank = diffFrame(screen ?? [], []);
			screen = screen === null ? null : [];
			if (blank) target.write(blank);
			return done();
		}
		if (/\u001B\[[23]J/.test(prefix)) screen = null;
		const lines = content.split('\n');
		const endsWithNewline = lines.at(-1) === '';
		if (endsWithNewline) lines.pop();
		const rows = target.rows ?? 0;
		if (rows > 0 && lines.length + (endsWithNewline ? 1 : 0) > rows) {
			// Taller than the screen: the terminal scrolls, which rows cannot express. Write it as Ink
			// meant it, and repaint everything next time.
			target.write(chunk);
			screen = null;
			return done();
		}
		const out = diffFrame(screen, lines);
		screen = lines;
		// Leave the cursor where Ink's own write would have: after the frame.
		if (out) target.write(`${out}${ESC}[${lines.length + (endsWithNewline ? 1 : 0)};${endsWithNewline ? 1 : visibleEnd(lines.at(-1) ?? '')}H`);
		return done();
	};

	const stream = new Proxy(target, {
		get(object, property) {
			if (property === 'write') return write;
			// Everything else (columns, rows, isTTY, on/off) is the real stream's, read from it: Ink
			// subscribes to its resize events and the settle counter counts its columns reads.
			const value = Reflect.get(object, property, object) as unknown;
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
		},
	});
	return {
		stream,
		invalidate() {
			screen = null;
		},
		dispose() {
			target.off?.('resize', onResize);
		},
	};
}

/** The column after a line's last character (escape sequences take no room; wide characters are rare at a frame's very end). */
function visibleEnd(line: string): number {
	return [...line.replace(/\u001B\[[\d;?]*[A-Za-z]|\u001B\][^\u0007]*\u0007/g, '')].length + 1;
}

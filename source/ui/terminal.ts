/**
 * The alternate screen and the promise to give the terminal back. Ink 6 has no option for the
 * alternate screen; we enter it before the first render and leave it exactly once on every exit
 * path (writing the leave sequence twice moves the cursor over the shell's last line).
 */
export const ENTER_ALT_SCREEN = '\u001B[?1049h';
export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
export const SHOW_CURSOR = '\u001B[?25h';
export const HIDE_CURSOR = '\u001B[?25l';
export const CLEAR = '\u001B[2J\u001B[H';
/** Bracketed paste: a paste arrives marked, so it enters a field as text and never acts as keys. */
export const PASTE_ON = '\u001B[?2004h';
export const PASTE_OFF = '\u001B[?2004l';

interface TtyOut {
	write(chunk: string): unknown;
}

interface TtyIn {
	readonly isTTY?: boolean;
	setRawMode?(mode: boolean): unknown;
}

export interface TerminalSession {
	/** Leaves the alternate screen, shows the cursor, turns echo back on. Safe to call repeatedly. */
	restore(): void;
}

export function enterFullScreen(stdout: TtyOut, stdin: TtyIn): TerminalSession {
	stdout.write(ENTER_ALT_SCREEN + CLEAR + PASTE_ON);
	let restored = false;
	return {
		restore() {
			if (restored) return;
			restored = true;
			try {
				if (stdin.isTTY) stdin.setRawMode?.(false);
			} catch {
				// The terminal may already be gone (SIGHUP); nothing left to restore.
			}
			try {
				stdout.write(PASTE_OFF + LEAVE_ALT_SCREEN + SHOW_CURSOR);
			} catch {
				// Same: a closed pty.
			}
		},
	};
}

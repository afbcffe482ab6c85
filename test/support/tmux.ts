import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';

/**
 * Drives a program in a real terminal: tmux gives it a pseudo-terminal of a fixed size, takes
 * keystrokes, and reports the screen as a person sees it (capture-pane) — alternate screen,
 * cursor visibility and all.
 */
export interface Terminal {
	readonly name: string;
	screen(): string;
	/** The screen with its escape sequences (colours, bold, inverse) as tmux holds them. */
	styledScreen(): string;
	/** tmux key names (Enter, Tab, Down, Escape, C-c) or literal text with {literal: true}. */
	send(keys: readonly string[], options?: {literal?: boolean}): Promise<void>;
	type(text: string): Promise<void>;
	waitFor(match: string | RegExp, timeoutMs?: number): Promise<string>;
	/** Every screen captured by waitFor/screen so far. */
	readonly seen: string[];
	flag(name: 'alternate_on' | 'cursor_flag' | 'pane_dead'): string;
	kill(): void;
}

const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'});
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function openTerminal(command: string, options: {columns?: number; rows?: number; env?: Record<string, string>} = {}): Terminal {
	const name = `eval752-${randomBytes(4).toString('hex')}`;
	const env = Object.entries(options.env ?? {}).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
	tmux('new-session', '-d', '-s', name, '-x', String(options.columns ?? 80), '-y', String(options.rows ?? 24), ...env, command);
	const seen: string[] = [];
	const terminal: Terminal = {
		name,
		seen,
		screen() {
			const text = tmux('capture-pane', '-p', '-t', name);
			seen.push(text);
			return text;
		},
		styledScreen() {
			return tmux('capture-pane', '-p', '-e', '-t', name);
		},
		async send(keys, {literal = false} = {}) {
			for (const key of keys) {
				tmux('send-keys', '-t', name, ...(literal ? ['-l'] : []), key);
				// A person's pace: each key meets the screen the previous one produced.
				await pause(120);
			}
		},
		async type(text) {
			await terminal.send([text], {literal: true});
		},
		async waitFor(match, timeoutMs = 15_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const screen = terminal.screen();
				if (typeof match === 'string' ? screen.includes(match) : match.test(screen)) return screen;
				if (Date.now() > deadline) throw new Error(`the screen never showed ${String(match)} within ${timeoutMs} ms; it shows:\n${screen}`);
				await pause(50);
			}
		},
		flag(flag) {
			return tmux('display-message', '-p', '-t', name, `#{${flag}}`).trim();
		},
		kill() {
			try {
				tmux('kill-session', '-t', name);
			} catch {
				// Already gone.
			}
		},
	};
	return terminal;
}

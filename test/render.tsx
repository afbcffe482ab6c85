import {render} from 'ink-testing-library';
import type {ServiceContext} from '../source/services/context.js';
import {App} from '../source/ui/App.js';
import {createDashboardServices} from '../source/ui/live-services.js';
import {ServicesContext, type DashboardServices} from '../source/ui/services.js';
import {createTheme} from '../source/ui/theme.js';

/**
 * The one way UI tests drive the dashboard: the real App over real services and a test
 * database, keys in, frames out. Frames are plain text (ANSI styling stripped) at a fixed
 * terminal size (80×24 unless asked), and waiting is done here, never with sleeps in tests.
 */
const keys: Record<string, string> = {
	enter: '\r',
	escape: '\u001B',
	tab: '\t',
	'shift-tab': '\u001B[Z',
	up: '\u001B[A',
	down: '\u001B[B',
	left: '\u001B[D',
	right: '\u001B[C',
	backspace: '\u007F',
	space: ' ',
	'ctrl-c': '\u0003',
};

const ansi = /\u001B\[[0-9;?]*[A-Za-z]|\u001B\][^\u0007]*\u0007/g;

export function plain(frame: string | undefined): string {
	return (frame ?? '').replace(ansi, '');
}

export interface Dashboard {
	readonly services: DashboardServices;
	/** The newest frame, as plain text. */
	frame(): string;
	/** Every frame rendered so far, as plain text. */
	frames(): string[];
	/** Named keys (enter, escape, tab, shift-tab, up, down, left, right, backspace, space, ctrl-c) or literal characters. */
	press(...names: string[]): Promise<void>;
	/** Types text as keystrokes (one write, like a paste). */
	type(text: string): Promise<void>;
	/** Writes every key in the same tick, with no render in between: type-ahead over a slow link. */
	burst(...names: string[]): Promise<void>;
	waitFor(match: string | RegExp | ((frame: string) => boolean), options?: {timeout?: number; message?: string}): Promise<string>;
	resize(columns: number, rows: number): Promise<void>;
	unmount(): void;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Input readiness: after a key, wait until the frame stops changing (a render may schedule
 * another), so the next key meets the handlers of the new state — as it does for a person.
 */
async function settle(count: () => number): Promise<void> {
	let seen = count();
	let quiet = 0;
	for (let i = 0; i < 40 && quiet < 3; i++) {
		await new Promise((resolve) => setTimeout(resolve, 5));
		const now = count();
		quiet = now === seen ? quiet + 1 : 0;
		seen = now;
	}
}

export async function renderDashboard(ctx: ServiceContext, options: {columns?: number; rows?: number; services?: Partial<DashboardServices>} = {}): Promise<Dashboard> {
	const services: DashboardServices = {...createDashboardServices(ctx), ...options.services};
	const instance = render(
		<ServicesContext.Provider value={services}>
			<App theme={createTheme(false)} />
		</ServicesContext.Provider>,
	);
	const stdout = instance.stdout as unknown as NodeJS.EventEmitter & {columns: number; rows: number};
	const setSize = (columns: number, rows: number) => {
		Object.defineProperty(stdout, 'columns', {value: columns, configurable: true});
		Object.defineProperty(stdout, 'rows', {value: rows, configurable: true});
		stdout.emit('resize');
	};
	setSize(options.columns ?? 80, options.rows ?? 24);
	await tick();

	const dashboard: Dashboard = {
		services,
		frame: () => plain(instance.lastFrame()),
		frames: () => instance.frames.map(plain),
		async press(...names) {
			for (const name of names) {
				instance.stdin.write(keys[name] ?? name);
				await settle(() => instance.frames.length);
			}
		},
		async burst(...names) {
			for (const name of names) instance.stdin.write(keys[name] ?? name);
			await settle(() => instance.frames.length);
		},
		async type(text) {
			instance.stdin.write(text);
			await settle(() => instance.frames.length);
		},
		async waitFor(match, {timeout = 8000, message} = {}) {
			const test = typeof match === 'function' ? match : typeof match === 'string' ? (f: string) => f.includes(match) : (f: string) => match.test(f);
			const deadline = Date.now() + timeout;
			for (;;) {
				const frame = dashboard.frame();
				if (test(frame)) return frame;
				if (Date.now() > deadline) throw new Error(`${message ?? `no frame matched ${String(match)}`} within ${timeout} ms; last frame:\n${frame}`);
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
		},
		async resize(columns, rows) {
			setSize(columns, rows);
			await tick();
		},
		unmount: () => {
			instance.unmount();
			instance.cleanup();
		},
	};
	return dashboard;
}

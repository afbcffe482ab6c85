import {EventEmitter} from 'node:events';
import {render} from 'ink';
import type {ServiceContext} from '../source/services/context.js';
import type {ReactNode} from 'react';
import {App} from '../source/ui/App.js';
import {createLiveHub, LiveContext} from '../source/ui/hooks/use-live.js';
import {PacedInputContext} from '../source/ui/input/input-target.js';
import {PacedInput} from '../source/ui/input/paced-input.js';
import {countCommits, settled} from '../source/ui/input/settle.js';
import {createDashboardServices} from '../source/ui/live-services.js';
import {ServicesContext, type DashboardServices} from '../source/ui/services.js';
import {createTheme} from '../source/ui/theme.js';
import {CommandContext, UiContext, type Ui} from '../source/ui/ui-context.js';

/**
 * The one way UI tests drive the dashboard: the real App over real services and a test
 * database, keys in through the same paced input the terminal uses, frames out. Frames are plain
 * text (ANSI styling stripped) at a fixed terminal size (80×24 unless asked); waiting is done
 * here, never with sleeps in tests.
 */
export const keyCodes: Record<string, string> = {
	enter: '\r',
	escape: '\u001B',
	tab: '\t',
	'shift-tab': '\u001B[Z',
	up: '\u001B[A',
	down: '\u001B[B',
	left: '\u001B[D',
	right: '\u001B[C',
	pagedown: '\u001B[6~',
	pageup: '\u001B[5~',
	backspace: '\u007F',
	space: ' ',
	'ctrl-c': '\u0003',
	'ctrl-u': '\u0015',
};

const ansi = /\u001B\[[0-9;?]*[A-Za-z]|\u001B\][^\u0007]*\u0007/g;

export function plain(frame: string | undefined): string {
	return (frame ?? '').replace(ansi, '');
}

/** A terminal's input as Ink reads it: 'readable', then read() until null. */
export class FakeTerminalIn extends EventEmitter {
	readonly isTTY = true;
	readonly #chunks: string[] = [];
	setRawMode(): this {
		return this;
	}
	setEncoding(): this {
		return this;
	}
	ref(): this {
		return this;
	}
	unref(): this {
		return this;
	}
	read(): string | null {
		return this.#chunks.shift() ?? null;
	}
	/** One read's worth of bytes, as a terminal delivers it. */
	write(chunk: string): void {
		this.#chunks.push(chunk);
		this.emit('readable');
	}
}

export class FakeTerminalOut extends EventEmitter {
	readonly isTTY = true;
	columns: number;
	rows: number;
	readonly writes: string[] = [];
	constructor(columns: number, rows: number) {
		super();
		this.columns = columns;
		this.rows = rows;
	}
	write(chunk: string): boolean {
		this.writes.push(chunk);
		return true;
	}
}

export interface Dashboard {
	readonly services: DashboardServices;
	readonly paced: PacedInput;
	/** The newest frame, as plain text. */
	frame(): string;
	/** Every frame rendered so far, as plain text. */
	frames(): string[];
	/** Every byte written to the terminal, raw. */
	raw(): string;
	/** Keys one at a time, each in its own read, waiting for the screen in between (a slow typist). */
	press(...names: string[]): Promise<void>;
	/** Text typed as one read (like a paste without bracketed paste mode). */
	type(text: string): Promise<void>;
	/** Every key in ONE read, as a slow SSH link, tmux send-keys or a fast typist delivers them. */
	burst(...names: string[]): Promise<void>;
	/** The same keys split into several reads at random boundaries, all written before any render. */
	scatter(seed: number, ...names: string[]): Promise<void>;
	/** Writes bytes as one read without waiting (for tests that look at what happens meanwhile). */
	write(bytes: string): void;
	/** Waits until every key written has been delivered and the screen has stopped changing. */
	settle(): Promise<void>;
	waitFor(match: string | RegExp | ((frame: string) => boolean), options?: {timeout?: number; message?: string}): Promise<string>;
	resize(columns: number, rows: number): Promise<void>;
	unmount(): void;
}

export const bytesOf = (...names: string[]) => names.map((name) => keyCodes[name] ?? name).join('');

/** A small deterministic generator for split points (the seed makes a failure reproducible). */
function random(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 0x1_0000_0000;
	};
}

export interface RenderOptions {
	readonly columns?: number;
	readonly rows?: number;
	readonly services?: Partial<DashboardServices>;
	readonly noColor?: boolean;
	readonly notices?: readonly string[];
}

export async function renderDashboard(ctx: ServiceContext, options: RenderOptions = {}): Promise<Dashboard> {
	const services: DashboardServices = {...createDashboardServices(ctx), ...options.services};
	const screen = await mount(<App theme={createTheme(options.noColor ?? false)} services={services} notices={options.notices} />, options);
	return Object.assign(screen, {services});
}

export interface ComponentScreen extends Omit<Dashboard, 'services'> {
	/** What the component put on the flash line, in order ("tone: text"). */
	readonly flashes: string[];
}

/**
 * One pane, dialog or input on its own, without booting the dashboard: the same paced keys and
 * plain frames as `renderDashboard`, with the contexts a pane reads (the actions, live reloads,
 * the key registry, the clock) and, when given, the services. `ui` overrides actions.
 */
export async function renderComponent(
	node: ReactNode,
	options: Omit<RenderOptions, 'services'> & {readonly services?: DashboardServices; readonly ui?: Partial<Ui>} = {},
): Promise<ComponentScreen> {
	const flashes: string[] = [];
	const nothing = () => undefined;
	const ui: Ui = {
		theme: createTheme(options.noColor ?? false),
		readOnly: false,
		flash: (text, tone = 'info') => void flashes.push(`${tone}: ${text}`),
		open: nothing,
		back: nothing,
		focus: nothing,
		openModal: nothing,
		closeModal: nothing,
		confirm: nothing,
		act: (run) => void run().then((text) => flashes.push(`ok: ${text}`), (error: unknown) => flashes.push(`error: ${String(error)}`)),
		editAuditFilter: nothing,
		editFilter: nothing,
		askPrompt: nothing,
		...options.ui,
	};
	const wrapped = (
		<UiContext.Provider value={ui}>
			<LiveContext.Provider value={createLiveHub()}>
				<CommandContext.Provider value={{handlers: new Map()}}>{options.services ? <ServicesContext.Provider value={options.services}>{node}</ServicesContext.Provider> : node}</CommandContext.Provider>
			</LiveContext.Provider>
		</UiContext.Provider>
	);
	return Object.assign(await mount(wrapped, options), {flashes});
}

/** Renders a tree into a fake terminal of a fixed size behind the paced input; frames come out as plain text. */
async function mount(node: ReactNode, options: {readonly columns?: number; readonly rows?: number}): Promise<Omit<Dashboard, 'services'>> {
	const stdin = new FakeTerminalIn();
	const stdout = new FakeTerminalOut(options.columns ?? 80, options.rows ?? 24);
	const commits = countCommits(stdout);
	const paced = new PacedInput(stdin as never, {settled: () => settled(commits), commits});
	paced.start();
	const instance = render(<PacedInputContext.Provider value={paced}>{node}</PacedInputContext.Provider>, {
		stdin: paced as unknown as NodeJS.ReadStream,
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: stdout as unknown as NodeJS.WriteStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	let unmounted = false;

	const settle = async () => {
		let frames = stdout.writes.length;
		let quiet = 0;
		for (let i = 0; i < 400 && quiet < 3; i++) {
			await new Promise((resolve) => setTimeout(resolve, 5));
			const now = stdout.writes.length;
			quiet = now === frames && paced.idle ? quiet + 1 : 0;
			frames = now;
		}
	};
	await settle();

	const dashboard: Omit<Dashboard, 'services'> = {
		paced,
		frame: () => plain(stdout.writes.at(-1)),
		frames: () => stdout.writes.map(plain),
		raw: () => stdout.writes.join(''),
		async press(...names) {
			for (const name of names) {
				stdin.write(bytesOf(name));
				await settle();
			}
		},
		async type(text) {
			stdin.write(text);
			await settle();
		},
		async burst(...names) {
			stdin.write(bytesOf(...names));
			await settle();
		},
		async scatter(seed, ...names) {
			const bytes = bytesOf(...names);
			const next = random(seed);
			let at = 0;
			while (at < bytes.length) {
				const size = 1 + Math.floor(next() * Math.min(6, bytes.length - at));
				stdin.write(bytes.slice(at, at + size));
				at += size;
			}
			await settle();
		},
		write: (bytes) => stdin.write(bytes),
		settle,
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
			stdout.columns = columns;
			stdout.rows = rows;
			stdout.emit('resize');
			await settle();
		},
		unmount: () => {
			if (unmounted) return;
			unmounted = true;
			instance.unmount();
			paced.stop();
		},
	};
	return dashboard;
}

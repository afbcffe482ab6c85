import {EventEmitter} from 'node:events';
import {CTRL_C, ESC, nextEvent, type InputTarget} from './key-routing.js';
import {hasAltBinding} from '../keymap.js';
import {splitKeys, type KeyToken} from './split-keys.js';

/** The part of a terminal's stdin this reads from (process.stdin, or a fake in tests). */
export interface KeySource extends NodeJS.EventEmitter {
	readonly isTTY?: boolean;
	setRawMode?(mode: boolean): unknown;
	setEncoding(encoding: BufferEncoding): unknown;
	read(): string | Buffer | null;
	ref?(): unknown;
	unref?(): unknown;
	pause?(): unknown;
}

export interface PacedInputOptions {
	/** Resolves when React has settled after the key just delivered (see settle.ts). */
	readonly settled: () => Promise<void>;
	/**
	 * Counts commits (see settle.ts). A key that arrives when nothing has rendered since React
	 * last settled goes straight through; after an asynchronous render (a save finished, a list
	 * loaded) it first waits for that render's effects, so it meets the screen that render drew.
	 */
	readonly commits?: () => number;
	/** How long an unfinished escape sequence may wait for the rest of it. */
	readonly sequenceWaitMs?: number;
	/** Largest bracketed paste held while waiting for its end marker. */
	readonly maxPaste?: number;
	/** Whether Alt+`char` is bound somewhere (ESC + char is then Alt+char, else Esc and then char); the keymap decides. */
	readonly altBound?: (char: string) => boolean;
}

/**
 * The stdin handed to Ink: it reads the real terminal and gives Ink one keypress at a time,
 * each only after React has committed and run the effects the previous one caused — so every
 * key meets the screen the previous key opened, however the keys arrived (one read holding a
 * burst, or keys split across reads at any boundary). A key arriving on an empty queue is
 * delivered at once. Ctrl+C jumps the queue. A bracketed paste is one event of text.
 *
 * Ink switches raw mode off when its last input user unmounts and resets its parser (losing a
 * pending Esc); raw mode here is held from `start` to `stop`, whatever Ink asks.
 */
export class PacedInput extends EventEmitter {
	readonly isTTY = true;
	readonly #source: KeySource;
	readonly #options: Required<PacedInputOptions>;
	readonly #queue: KeyToken[] = [];
	#pending = '';
	#pendingTimer: NodeJS.Timeout | undefined;
	/** The chunk Ink's next read() returns. */
	#ready: string | null = null;
	#busy = false;
	/** Commits counted when React last settled. */
	#settledAt = -1;
	/** Work the screen waits for (a save, a reload): keys wait too, so they meet its result. */
	readonly #holds = new Set<{until: number}>();
	#holdTimer: NodeJS.Timeout | undefined;
	#stopped = false;
	#target: InputTarget | undefined;
	/** Keys delivered so far (for tests and the benchmark). */
	delivered = 0;

	constructor(source: KeySource, options: PacedInputOptions) {
		super();
		this.#source = source;
		this.#options = {sequenceWaitMs: 40, maxPaste: 1_000_000, commits: () => this.#settledAt, altBound: hasAltBinding, ...options};
	}

	/** Raw mode on and reading; call once, before anything is drawn. */
	start(): void {
		if (this.#source.isTTY) this.#source.setRawMode?.(true);
		this.#source.setEncoding('utf8');
		this.#source.on('readable', this.#onReadable);
		this.#source.ref?.();
	}

	/** Stops reading; the caller restores the terminal. */
	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#pendingTimer);
		clearTimeout(this.#holdTimer);
		this.#source.off('readable', this.#onReadable);
		this.#queue.length = 0;
		this.#source.unref?.();
	}

	/**
	 * Until `release` is called (or `maxMs` has passed), keys wait: the screen the previous key
	 * asked for is still coming (a form is saving, a list reloading after a change). Ctrl+C, and
	 * an Esc with nothing typed before it, go through at once, so slow work can be left.
	 */
	hold(maxMs = Number.POSITIVE_INFINITY): () => void {
		const entry = {until: Date.now() + maxMs};
		this.#holds.add(entry);
		if (Number.isFinite(maxMs)) {
			clearTimeout(this.#holdTimer);
			this.#holdTimer = setTimeout(() => this.#pump(), maxMs + 1);
		}
		return () => {
			if (this.#holds.delete(entry)) queueMicrotask(() => this.#pump());
		};
	}

	#held(): boolean {
		const now = Date.now();
		for (const entry of this.#holds) if (entry.until > now) return true;
		return false;
	}

	/** The widget that has the keyboard now (a text field or choice list), or undefined. */
	setTarget(target: InputTarget | undefined): void {
		this.#target = target;
	}

	get target(): InputTarget | undefined {
		return this.#target;
	}

	/** Keys waiting to be delivered. */
	get queued(): number {
		return this.#queue.length;
	}

	/** Nothing queued, nothing half-read, nothing being delivered, nothing held for. */
	get idle(): boolean {
		return this.#queue.length === 0 && !this.#busy && this.#pending === '' && !this.#held();
	}

	// The stream surface Ink uses.
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
		const chunk = this.#ready;
		this.#ready = null;
		return chunk;
	}

	override addListener(event: string | symbol, listener: (...args: unknown[]) => void): this {
		super.addListener(event, listener);
		// Ink re-attaches its reader when input users come back: anything waiting goes on.
		if (event === 'readable') queueMicrotask(() => this.#pump());
		return this;
	}
	override on(event: string | symbol, listener: (...args: unknown[]) => void): this {
		return this.addListener(event, listener);
	}

	/** Queues text as if it had been read from the terminal (tests, and the source handler). */
	feed(text: string): void {
		if (this.#stopped) return;
		clearTimeout(this.#pendingTimer);
		const {tokens, rest} = splitKeys(this.#pending + text, this.#options.altBound);
		this.#pending = rest;
		if (rest.length > this.#options.maxPaste) {
			// A paste whose end marker never comes: what arrived so far is text.
			this.#pending = '';
			tokens.push(...splitKeys(`${rest}\u001B[201~`).tokens);
		} else if (rest && !rest.startsWith('\u001B[200~')) {
			this.#pendingTimer = setTimeout(() => this.#flushPending(), this.#options.sequenceWaitMs);
		}
		const interrupt = tokens.findIndex((t) => t.kind === 'key' && t.sequence === CTRL_C);
		if (interrupt >= 0) {
			// Ctrl+C first: nothing queued ahead of it delays quitting.
			this.#queue.unshift(tokens[interrupt]!);
			tokens.splice(interrupt, 1);
		}
		this.#queue.push(...tokens);
		this.#pump();
	}

	readonly #onReadable = () => {
		let chunk: string | Buffer | null;
		while ((chunk = this.#source.read()) !== null) this.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
	};

	#flushPending(): void {
		const rest = this.#pending;
		this.#pending = '';
		if (!rest) return;
		// A lone ESC is the Esc key; half a sequence that never completed is dropped after it.
		this.#queue.push({kind: 'key', sequence: ESC});
		this.#pump();
	}

	/** Takes the next event off the queue, applying what the focused widget needs. */
	#next(): string | undefined {
		return nextEvent(this.#queue, this.#target);
	}

	#pump(): void {
		if (this.#busy || this.#stopped || this.listenerCount('readable') === 0 || this.#queue.length === 0) return;
		const head = this.#queue[0]!;
		const leaves = head.kind === 'key' && (head.sequence === CTRL_C || head.sequence === ESC);
		if (this.#held() && !leaves) return;
		if (this.#options.commits() !== this.#settledAt) {
			// Something rendered since React last settled: let its effects run first.
			this.#settle();
			return;
		}
		const event = this.#next();
		if (event === undefined) return;
		this.delivered++;
		if (event !== '') {
			this.#ready = event;
			this.emit('readable');
			this.#ready = null;
		}
		this.#settle();
	}

	#settle(): void {
		this.#busy = true;
		const done = () => {
			this.#settledAt = this.#options.commits();
			this.#busy = false;
			this.#pump();
		};
		void this.#options.settled().then(done, done);
	}
}

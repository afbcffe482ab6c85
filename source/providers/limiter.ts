/**
 * Client-side rate limits for actions that send many requests (comparisons,
 * batch smoke tests). Providers publish limits per key; eval752 cannot see the
 * provider's counters, so it paces only its own requests — and says exactly that
 * wherever the limits are shown ({@link describeLimits}).
 *
 * Concurrency caps how many holders are in flight at once; rpm and rps become a
 * minimum spacing between starts (the stricter of 60 000/rpm and 1 000/rps ms),
 * which also keeps bursts from tripping the provider's per-second smoothing.
 * Waiters are served first come, first served.
 */

export interface RateLimits {
	readonly rpm?: number | null;
	readonly rps?: number | null;
	readonly concurrency?: number | null;
}

export interface Limiter {
	/**
	 * Waits for a slot; resolves with the function that releases it (calling it
	 * twice is harmless). Aborting the signal while waiting rejects with the
	 * signal's reason and gives up the place in the queue.
	 */
	acquire(signal?: AbortSignal): Promise<() => void>;
	/** `acquire`, run `fn`, release — also when `fn` throws. */
	run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
	/** Holders right now, for progress lines ("2 running, 8 queued"). */
	readonly active: number;
	readonly queued: number;
}

interface Waiter {
	readonly grant: (release: () => void) => void;
	readonly signal: AbortSignal | undefined;
	readonly onAbort: () => void;
}

function positive(value: number | null | undefined): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Minimum milliseconds between two starts; 0 when neither rpm nor rps is set. */
export function startSpacingMs(limits: RateLimits): number {
	const rpm = positive(limits.rpm);
	const rps = positive(limits.rps);
	return Math.max(rpm ? 60_000 / rpm : 0, rps ? 1000 / rps : 0);
}

export function createLimiter(limits: RateLimits): Limiter {
	const concurrency = positive(limits.concurrency);
	const maxActive = concurrency === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(concurrency));
	const spacing = startSpacingMs(limits);
	const queue: Waiter[] = [];
	let active = 0;
	let lastStart = Number.NEGATIVE_INFINITY;
	let timer: ReturnType<typeof setTimeout> | undefined;

	const pump = () => {
		while (queue.length > 0 && active < maxActive) {
			const wait = lastStart + spacing - performance.now();
			if (wait > 0) {
				// Timers may fire a little early against performance.now(); pump re-checks.
				if (timer === undefined) {
					timer = setTimeout(() => {
						timer = undefined;
						pump();
					}, Math.ceil(wait));
				}
				return;
			}
			const waiter = queue.shift()!;
			waiter.signal?.removeEventListener('abort', waiter.onAbort);
			active++;
			lastStart = performance.now();
			let released = false;
			waiter.grant(() => {
				if (released) return;
				released = true;
				active--;
				pump();
			});
		}
	};

	const acquire = (signal?: AbortSignal): Promise<() => void> =>
		new Promise((resolve, reject) => {
			if (signal?.aborted) {
				reject(signal.reason);
				return;
			}
			const waiter: Waiter = {
				grant: resolve,
				signal,
				onAbort: () => {
					const index = queue.indexOf(waiter);
					if (index >= 0) queue.splice(index, 1);
					reject(signal?.reason);
					if (queue.length === 0 && timer !== undefined) {
						clearTimeout(timer);
						timer = undefined;
					}
				},
			};
			signal?.addEventListener('abort', waiter.onAbort, {once: true});
			queue.push(waiter);
			pump();
		});

	return {
		acquire,
		async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
			const release = await acquire(signal);
			try {
				return await fn();
			} finally {
				release();
			}
		},
		get active() {
			return active;
		},
		get queued() {
			return queue.length;
		},
	};
}

/**
 * What the limits mean, in one line for the provider pane and `--json` output:
 * "rpm 60 · concurrency 2 — enforced by eval752 for its own requests".
 */
export function describeLimits(limits: RateLimits): string {
	const parts: string[] = [];
	const rpm = positive(limits.rpm);
	const rps = positive(limits.rps);
	const concurrency = positive(limits.concurrency);
	if (rpm !== undefined) parts.push(`rpm ${rpm}`);
	if (rps !== undefined) parts.push(`rps ${rps}`);
	if (concurrency !== undefined) parts.push(`concurrency ${concurrency}`);
	if (parts.length === 0) return 'no limits set';
	return `${parts.join(' · ')} — enforced by eval752 for its own requests`;
}

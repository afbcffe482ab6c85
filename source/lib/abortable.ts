/** Resolves true after `ms`, or false as soon as the signal aborts (a retry's wait, a schedule's sleep). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve(false);
		const onAbort = () => {
			clearTimeout(timer);
			resolve(false);
		};
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve(true);
		}, Math.max(0, ms));
		signal.addEventListener('abort', onAbort, {once: true});
	});
}

/** Small exponential backoff with jitter, for failures that give no `retry-after`. */
export function backoff(attempt: number): number {
	return Math.min(250 * 2 ** (attempt - 1), 4000) + Math.floor(Math.random() * 100);
}

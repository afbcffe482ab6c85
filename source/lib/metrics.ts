/**
 * How a run's figures read, wherever they are shown (the smoke pane, the rotation wizard, the
 * comparison and run views, `eval752 smoke`, `compare` and `runs`): one module, so the dashboard
 * and the headless commands never disagree. An estimated token count (the provider reported no
 * usage) carries "~", and so does a rate computed from it.
 */
export interface RunMetrics {
	readonly ttftMs: number | null;
	readonly totalMs: number | null;
	readonly outputTokens: number | null;
	readonly tokensPerSecond: number | null;
	readonly outputTokensEstimated?: boolean;
}

export const milliseconds = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `${value} ms`);

/** "1 token", "7 tokens", "~12 tokens" (estimated), "— tokens". */
export function tokens(count: number | null | undefined, estimated = false): string {
	if (count === null || count === undefined) return '— tokens';
	return `${estimated ? '~' : ''}${count} token${count === 1 ? '' : 's'}`;
}

/**
 * What a probe cost in tokens, the same words in both front ends: "0 tokens" for a model-list
 * probe, "19 tokens (12 in, 7 out)" when the provider reported usage, "~7 tokens out" when it
 * did not and the output was counted or estimated (the input is then unknown), "— tokens" when
 * nothing is known.
 */
export interface TokenCount {
	readonly inputTokens?: number | null;
	readonly outputTokens: number | null;
	/** The output count is an estimate (no usage reported). */
	readonly estimated?: boolean;
}

export function tokensText(count: TokenCount): string {
	const output = count.outputTokens;
	if (output === null) return '— tokens';
	if (count.estimated) return `${tokens(output, true)} out`;
	const input = count.inputTokens ?? null;
	if (input === null) return `${tokens(output)} out`;
	if (input === 0 && output === 0) return '0 tokens';
	return `${tokens(input + output)} (${input} in, ${output} out)`;
}

export function rate(tokensPerSecond: number | null | undefined, estimated = false): string {
	return tokensPerSecond === null || tokensPerSecond === undefined ? '— tok/s' : `${estimated ? '~' : ''}${tokensPerSecond.toFixed(1)} tok/s`;
}

/** "ttft 212 ms · total 412 ms · 9 tokens · 45.0 tok/s". */
export function formatMetrics(metrics: RunMetrics): string {
	const estimated = metrics.outputTokensEstimated ?? false;
	return [`ttft ${milliseconds(metrics.ttftMs)}`, `total ${milliseconds(metrics.totalMs)}`, tokens(metrics.outputTokens, estimated), rate(metrics.tokensPerSecond, estimated)].join(' · ');
}

/** "s" for every count but one. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
	return `${count} ${count === 1 ? noun : many}`;
}

/**
 * Wraps text to `width` and returns the last `height` lines (the tail of a stream). It reads the
 * text backwards and stops once it has them: a pane redraws a growing stream ten times a second,
 * and the work must be the lines it shows, not everything streamed so far.
 */
export function tailLines(text: string, width: number, height: number): string[] {
	if (height <= 0 || width <= 0) return [];
	const out: string[] = [];
	let end = text.length;
	for (;;) {
		const start = end === 0 ? 0 : text.lastIndexOf('\n', end - 1) + 1;
		const length = end - start;
		if (length === 0) out.push('');
		// The line's pieces are cut from its start (the last one may be short); take them last first.
		for (let i = Math.ceil(length / width) - 1; i >= 0 && out.length < height; i--) out.push(text.slice(start + i * width, Math.min(end, start + (i + 1) * width)));
		if (out.length >= height || start === 0) break;
		end = start - 1;
	}
	return out.slice(0, height).reverse();
}

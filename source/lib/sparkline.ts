/**
 * A latency/outcome sparkline in plain characters, oldest point first: the height of a block is
 * the latency between the fastest and slowest point shown; a failure is "✕" whatever its latency,
 * a point with nothing to show (a cancelled run, a failure before any answer) "·". Readable
 * without colour (NO_COLOR, a log file), one column per point.
 */

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
export const SPARK_FAILED = '✕';
export const SPARK_EMPTY = '·';

export interface SparkPoint {
	/** Latency (or any measure where higher is worse); null when there is none. */
	readonly value: number | null;
	readonly failed?: boolean;
}

/**
 * One character per point, the newest `width` points at most (the oldest are dropped). Equal
 * values draw the lowest block: a flat line means steady, not slow.
 */
export function sparkline(points: readonly SparkPoint[], width = points.length): string {
	if (width <= 0) return '';
	const shown = points.slice(Math.max(0, points.length - width));
	const values = shown.filter((point) => !point.failed && point.value !== null && Number.isFinite(point.value)).map((point) => point.value!);
	const low = values.length > 0 ? Math.min(...values) : 0;
	const high = values.length > 0 ? Math.max(...values) : 0;
	return shown
		.map((point) => {
			if (point.failed) return SPARK_FAILED;
			if (point.value === null || !Number.isFinite(point.value)) return SPARK_EMPTY;
			if (high === low) return BLOCKS[0];
			const index = Math.round(((point.value - low) / (high - low)) * (BLOCKS.length - 1));
			return BLOCKS[Math.min(BLOCKS.length - 1, Math.max(0, index))];
		})
		.join('');
}

const PARTIAL_BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;

/**
 * A horizontal bar of `value / max` of `width` cells, drawn in eighths of a cell with block
 * characters (no colour needed, reads the same over any SSH client). Empty for no value.
 */
export function latencyBar(value: number | null, max: number, width = 20): string {
	if (value === null || !(max > 0) || value <= 0 || width <= 0) return '';
	const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
	return '█'.repeat(Math.floor(eighths / 8)) + PARTIAL_BLOCKS[eighths % 8];
}

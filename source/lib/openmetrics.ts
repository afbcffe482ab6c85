/**
 * Text exposition for Prometheus (node_exporter's textfile collector) and OpenMetrics: metric
 * families with HELP and TYPE, samples with escaped label values, and the `# EOF` line
 * OpenMetrics requires (a plain comment to the Prometheus text parser).
 */

export interface Sample {
	readonly labels: Readonly<Record<string, string>>;
	readonly value: number;
}

export interface Family {
	readonly name: string;
	readonly help: string;
	readonly type: 'gauge';
	readonly samples: readonly Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A label value as the exposition formats want it: backslash, double quote and line feed
 * escaped; other control characters (which no stored field should hold) dropped.
 */
export function escapeLabelValue(value: string): string {
	return value
		.replace(/\\/g, '\\\\')
		.replace(/"/g, '\\"')
		.replace(/\n/g, '\\n')
		.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '');
}

/** HELP text escaping: backslash and line feed. */
function escapeHelp(text: string): string {
	return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function number(value: number): string {
	if (Number.isNaN(value)) return 'NaN';
	if (value === Infinity) return '+Inf';
	if (value === -Infinity) return '-Inf';
	return String(Math.round(value * 1000) / 1000);
}

export function renderFamilies(families: readonly Family[]): string {
	const lines: string[] = [];
	for (const family of families) {
		if (!NAME.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
		lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
		lines.push(`# TYPE ${family.name} ${family.type}`);
		for (const sample of family.samples) {
			const labels = Object.entries(sample.labels);
			for (const [label] of labels) if (!LABEL.test(label)) throw new Error(`invalid label name ${label}`);
			const text = labels.length === 0 ? '' : `{${labels.map(([label, value]) => `${label}="${escapeLabelValue(value)}"`).join(',')}}`;
			lines.push(`${family.name}${text} ${number(sample.value)}`);
		}
	}
	lines.push('# EOF');
	return lines.join('\n') + '\n';
}

import {describe, expect, it} from 'vitest';
import {sparkline} from './sparkline.js';
import {tokensText} from './metrics.js';
import {escapeLabelValue, renderFamilies} from './openmetrics.js';

describe('sparkline', () => {
	it('scales latency between the fastest and slowest point; ✕ a failure, · nothing to show', () => {
		expect(sparkline([{value: 100}, {value: 800}, {value: 450}, {value: null, failed: true}, {value: null}])).toBe('▁█▅✕·');
		expect(sparkline([{value: 300}, {value: 300}])).toBe('▁▁');
		expect(sparkline([])).toBe('');
	});

	it('keeps the newest points when it must be narrower', () => {
		expect(sparkline([{value: 1}, {value: 2}, {value: 3}, {value: 4}], 2)).toBe('▁█');
		expect(sparkline([{value: 1}], 0)).toBe('');
	});
});

describe('tokensText', () => {
	it('says what a probe spent, and marks estimates', () => {
		expect(tokensText({inputTokens: 0, outputTokens: 0})).toBe('0 tokens');
		expect(tokensText({inputTokens: 12, outputTokens: 7})).toBe('19 tokens (12 in, 7 out)');
		expect(tokensText({inputTokens: 12, outputTokens: 1})).toBe('13 tokens (12 in, 1 out)');
		expect(tokensText({inputTokens: null, outputTokens: 7, estimated: true})).toBe('~7 tokens out');
		expect(tokensText({outputTokens: 1, estimated: true})).toBe('~1 token out');
		expect(tokensText({outputTokens: 1})).toBe('1 token out');
		expect(tokensText({outputTokens: null})).toBe('— tokens');
	});
});

describe('openmetrics', () => {
	it('escapes backslash, double quote and line feed in label values and drops other controls', () => {
		expect(escapeLabelValue('a\\b"c\nd\u0007e')).toBe('a\\\\b\\"c\\nde');
	});

	it('renders families with HELP and TYPE before their samples, and # EOF at the end', () => {
		expect(renderFamilies([{name: 'x_total_seconds', help: 'a\nb', type: 'gauge', samples: [{labels: {p: 'q"'}, value: 1.23456}, {labels: {}, value: Number.NaN}]}])).toBe(
			'# HELP x_total_seconds a\\nb\n# TYPE x_total_seconds gauge\nx_total_seconds{p="q\\""} 1.235\nx_total_seconds NaN\n# EOF\n',
		);
		expect(() => renderFamilies([{name: 'bad-name', help: '', type: 'gauge', samples: []}])).toThrow(/invalid metric name/);
	});
});

import {describe, expect, it} from 'vitest';
import {describeObservedLimits, describeRateHeaders, pickRateHeaders} from './observed-limits.js';

describe('observed limits', () => {
	it('keeps only rate-limit headers, lower-cased, printable and capped', () => {
		const headers = new Headers({
			'X-RateLimit-Remaining-Requests': '58',
			'anthropic-ratelimit-tokens-reset': '2025-06-01T12:00:30Z',
			'Retry-After': '7',
			'set-cookie': 'session=1',
			'x-request-id': 'req_1',
			'x-ratelimit-limit-tokens': 'x'.repeat(300),
		});
		const picked = pickRateHeaders(headers)!;
		expect(Object.keys(picked).sort()).toEqual(['anthropic-ratelimit-tokens-reset', 'retry-after', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-requests']);
		expect(picked['x-ratelimit-limit-tokens']).toHaveLength(100);
		expect(pickRateHeaders({'x-ratelimit-remaining-requests': 'a\u001b[2Jb\u0007c'})).toEqual({'x-ratelimit-remaining-requests': 'a[2Jbc'});
		expect(pickRateHeaders(new Headers({'content-type': 'text/plain'}))).toBeNull();
	});

	it('reads OpenAI-style and Anthropic-style counters as the provider said them', () => {
		expect(
			describeRateHeaders({
				'x-ratelimit-limit-requests': '60',
				'x-ratelimit-remaining-requests': '58',
				'x-ratelimit-reset-requests': '1s',
				'x-ratelimit-remaining-tokens': '149000',
				'anthropic-ratelimit-input-tokens-remaining': '39000',
				'anthropic-ratelimit-input-tokens-limit': '40000',
				'retry-after': '7',
				'x-ratelimit-custom': 'on',
			}),
		).toEqual(['requests 58 of 60 left (resets 1s)', 'tokens 149000 left', 'input tokens 39000 of 40000 left', 'retry after 7s', 'x-ratelimit-custom on']);
	});

	it('says when, and that it is what the provider said', () => {
		const at = new Date('2025-06-01T12:00:00.123Z');
		expect(describeObservedLimits({at, headers: {'x-ratelimit-remaining-requests': '3'}, runId: 'r', probeKind: 'models'}, new Date('2025-06-01T12:05:00Z'))).toBe(
			'provider said 5m ago (2025-06-01 12:00:00Z, models probe): requests 3 left',
		);
		expect(describeObservedLimits(null)).toBe('provider said nothing yet (no probe response carried rate-limit headers)');
	});
});

import {afterEach, describe, expect, it, vi} from 'vitest';
import {startMockProvider, type MockProvider} from '../../test/support/mock-provider.js';
import {createLimiter, describeLimits, startSpacingMs} from './limiter.js';
import {smoke} from './smoke.js';

describe('limiter with fake timers', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('spaces starts by 60 000 / rpm', async () => {
		vi.useFakeTimers();
		const limiter = createLimiter({rpm: 60});
		const granted: number[] = [];
		const origin = performance.now();
		const all = [1, 2, 3].map(() => limiter.acquire().then((release) => {
			granted.push(performance.now() - origin);
			release();
		}));
		await vi.advanceTimersByTimeAsync(0);
		expect(granted).toEqual([0]);
		await vi.advanceTimersByTimeAsync(999);
		expect(granted).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(granted).toHaveLength(2);
		await vi.advanceTimersByTimeAsync(1000);
		await Promise.all(all);
		expect(granted).toEqual([0, 1000, 2000]);
	});

	it('takes the stricter of rpm and rps', () => {
		expect(startSpacingMs({rpm: 60, rps: 2})).toBe(1000);
		expect(startSpacingMs({rpm: 600, rps: 2})).toBe(500);
		expect(startSpacingMs({})).toBe(0);
		expect(startSpacingMs({rpm: 0, rps: null})).toBe(0);
	});

	it('caps holders at the concurrency and serves waiters in order', async () => {
		const limiter = createLimiter({concurrency: 2});
		const order: number[] = [];
		const releases: Array<() => void> = [];
		const all = [0, 1, 2, 3].map((index) =>
			limiter.acquire().then((release) => {
				order.push(index);
				releases.push(release);
			}),
		);
		await Promise.resolve();
		await Promise.resolve();
		expect(order).toEqual([0, 1]);
		expect(limiter.active).toBe(2);
		expect(limiter.queued).toBe(2);
		releases[0]!();
		releases[0]!(); // a second release changes nothing
		await vi.waitFor(() => expect(order).toEqual([0, 1, 2]));
		expect(limiter.active).toBe(2);
		releases[1]!();
		releases[2]!();
		await Promise.all(all);
		expect(order).toEqual([0, 1, 2, 3]);
	});

	it('an abort while waiting rejects and gives up the place in the queue', async () => {
		const limiter = createLimiter({concurrency: 1});
		const release = await limiter.acquire();
		const controller = new AbortController();
		const waiting = limiter.acquire(controller.signal);
		const next = limiter.acquire();
		expect(limiter.queued).toBe(2);
		controller.abort();
		await expect(waiting).rejects.toMatchObject({name: 'AbortError'});
		expect(limiter.queued).toBe(1);
		release();
		const releaseNext = await next;
		releaseNext();
		expect(limiter.active).toBe(0);
		await expect(limiter.acquire(controller.signal)).rejects.toMatchObject({name: 'AbortError'});
	});

	it('run releases when the function throws', async () => {
		const limiter = createLimiter({concurrency: 1});
		await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
		expect(limiter.active).toBe(0);
		expect(await limiter.run(async () => 42)).toBe(42);
	});

	it('describes exactly what it enforces', () => {
		expect(describeLimits({rpm: 60, concurrency: 2})).toBe('rpm 60 · concurrency 2 — enforced by eval752 for its own requests');
		expect(describeLimits({rps: 5})).toBe('rps 5 — enforced by eval752 for its own requests');
		expect(describeLimits({rpm: null, rps: null, concurrency: null})).toBe('no limits set');
		expect(describeLimits({})).toBe('no limits set');
	});
});

describe('limiter against the mock provider', () => {
	let mock: MockProvider | undefined;
	afterEach(async () => {
		await mock?.close();
		mock = undefined;
	});

	function smokeRun(baseUrl: string) {
		return async () => {
			const events = [];
			const req = {
				provider: {id: 'p', name: 'mock', type: 'openai-compatible' as const, baseUrl, extraHeaders: {}, capabilities: []},
				apiKey: 'sk-limiter-test-key-0000',
				model: 'mock-small',
				prompt: 'hi',
				maxOutputTokens: 16,
				temperature: 0,
				timeoutMs: 5000,
				maxRetries: 0,
			};
			for await (const event of smoke(req, new AbortController().signal)) events.push(event);
			return events.at(-1)?.type;
		};
	}

	it('concurrency 2 keeps at most two requests in flight out of ten', async () => {
		mock = await startMockProvider();
		mock.setDefault({kind: 'stream', tokens: ['a', 'b', 'c'], chunkDelayMs: 40});
		const limiter = createLimiter({concurrency: 2});
		const results = await Promise.all(Array.from({length: 10}, () => limiter.run(smokeRun(mock!.baseUrl))));
		expect(results).toEqual(Array(10).fill('finished'));
		expect(mock.chatRequests).toHaveLength(10);
		expect(mock.maxInFlight).toBe(2);
	});

	it('rps 10 spaces the starts by 100 ms', async () => {
		mock = await startMockProvider();
		const limiter = createLimiter({rps: 10});
		const run = smokeRun(mock.baseUrl);
		const granted: number[] = [];
		await Promise.all(
			Array.from({length: 4}, () =>
				limiter.run(() => {
					granted.push(performance.now());
					return run();
				}),
			),
		);
		// Measured when each callback runs, which on a loaded machine can trail its grant by a few
		// ms (the previous one late, this one on time shortens one gap): each gap gets that
		// allowance, and the whole span — three spacings — holds to a timer tick.
		for (let index = 1; index < granted.length; index++) {
			expect(granted[index]! - granted[index - 1]!).toBeGreaterThanOrEqual(90);
		}
		expect(granted[3]! - granted[0]!).toBeGreaterThanOrEqual(297);
		// What the server sees includes connection set-up on the first request only,
		// so the bound is on the whole span rather than on each gap.
		const starts = mock.chatRequests.map((request) => request.startedAt);
		expect(starts).toHaveLength(4);
		expect(starts[3]! - starts[0]!).toBeGreaterThanOrEqual(200);
	});
});

import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {burstScenarios} from '../support/burst-scenarios.js';
import {databaseKind} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {runInTmux} from '../support/tmux-bursts.js';

/**
 * The built binary in a real terminal (tmux, 80×24): each scenario's keys sent as ONE send-keys
 * string (a bracketed paste through a tmux buffer) end in the state the same keys typed slowly
 * produce (test/ui/bursts.test.tsx proves that state for slow typing). `npm run stress:keys`
 * repeats these 50 times.
 */
let mock: MockProvider;

beforeAll(async () => {
	mock = await startMockProvider({models: ['mock-small']});
}, 60_000);
afterAll(async () => {
	await mock.close();
});

const shown = ['jjjj on a 9-row list', ':provider NAME⏎', 'a + a provider name + Tab + base URL + Enter', 'R + a key + Tab + label + Enter + Enter + d', 'a 2,000-character paste into the key field (not bracketed)', 'a 2,000-character bracketed paste into the key field'];

describe(`bursts in a real terminal (${databaseKind})`, () => {
	for (const scenario of burstScenarios.filter((s) => shown.includes(s.name))) {
		it(`case 38: ${scenario.name}, as one send-keys`, async () => {
			const run = await runInTmux(scenario, mock);
			expect(run.outcome, run.screen).toEqual(scenario.expected(mock));
		}, 120_000);
	}
});

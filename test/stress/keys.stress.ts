import {afterAll, beforeAll, expect, it} from 'vitest';
import {burstScenarios} from '../support/burst-scenarios.js';
import {databaseKind} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {runInTmux} from '../support/tmux-bursts.js';

/**
 * Every burst scenario against the built binary in tmux, STRESS_RUNS times each (default 50),
 * each run a fresh database and a fresh dashboard; prints passes and the time from the burst to
 * the expected state (min / median / max). A single miss fails the run.
 */
const runs = Number(process.env['STRESS_RUNS'] ?? 50);
let mock: MockProvider;

beforeAll(async () => {
	mock = await startMockProvider({models: ['mock-small']});
});
afterAll(async () => {
	await mock.close();
});

it(`keyboard bursts in a real terminal, ${runs} runs each (${databaseKind})`, async () => {
	const rows: string[] = [];
	const misses: string[] = [];
	for (const scenario of burstScenarios.filter((s) => !process.env['STRESS_ONLY'] || s.name.includes(process.env['STRESS_ONLY']))) {
		const times: number[] = [];
		let passed = 0;
		for (let run = 1; run <= runs; run++) {
			const result = await runInTmux(scenario, mock);
			if (JSON.stringify(result.outcome) === JSON.stringify(scenario.expected(mock))) passed++;
			else misses.push(`${scenario.name} #${run}: ${JSON.stringify(result.outcome)}\n${result.screen}`);
			times.push(result.ms);
		}
		times.sort((a, b) => a - b);
		rows.push(`${`${passed}/${runs}`.padEnd(7)} ${String(times[0]).padStart(6)} ${String(times[Math.floor(times.length / 2)]).padStart(6)} ${String(times.at(-1)).padStart(6)}  ${scenario.name}`);
		process.stdout.write(`${rows.at(-1)}\n`);
	}
	process.stdout.write(`\nkeyboard bursts (${databaseKind}), ms from the burst to the expected state\npassed    min    med    max  scenario\n${rows.join('\n')}\n`);
	expect(misses).toEqual([]);
});

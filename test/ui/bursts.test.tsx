import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {burstBytes, burstScenarios, clearProviders, type BurstScenario} from '../support/burst-scenarios.js';
import {databaseKind} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {keyCodes, renderDashboard, type Dashboard} from '../render.js';

/**
 * RELIABILITY case 38 and the type-ahead promise: keys that arrive in ONE read (a slow SSH link,
 * tmux send-keys, a fast typist, a paste) act exactly as the same keys typed slowly. Each
 * scenario runs three ways on the same seed — typed slowly (one key per read, each after the
 * screen it meets), as one burst (every key in a single read), and scattered over several reads
 * at random boundaries — and must end in the same state.
 */
let c: TestContext;
let mock: MockProvider;

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: ['mock-small']});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

async function slowly(ui: Dashboard, scenario: BurstScenario): Promise<void> {
	for (const step of scenario.steps(mock)) {
		if ('waitFor' in step) await ui.waitFor(step.waitFor);
		else if ('key' in step) await ui.press(step.key);
		else if ('text' in step) for (const char of step.text) await ui.press(char);
		else await ui.type(step.bracketed ? `\u001B[200~${step.paste}\u001B[201~` : step.paste);
	}
}

async function run(scenario: BurstScenario, how: 'slowly' | 'burst' | 'scattered'): Promise<unknown> {
	await clearProviders(c.ctx);
	await scenario.seed(c.ctx, mock);
	const ui = await renderDashboard(c.ctx);
	try {
		await ui.waitFor(/\[1\] Providers/);
		if (how === 'slowly') await slowly(ui, scenario);
		else if (how === 'burst') ui.write(burstBytes(scenario.steps(mock)));
		else await ui.scatter(0x5eed + scenario.name.length, ...[...burstBytes(scenario.steps(mock))]);
		const expected = scenario.expected(mock);
		let last: unknown;
		await expect
			.poll(
				async () => {
					await ui.settle();
					last = await scenario.outcome(c.ctx, ui.frame());
					return last;
				},
				{timeout: 15_000, interval: 50, message: `${scenario.name}, keys sent ${how}`},
			)
			.toEqual(expected);
		return last;
	} finally {
		ui.unmount();
	}
}

describe(`keys in one read act as typed slowly (case 38, ${databaseKind})`, () => {
	for (const scenario of burstScenarios) {
		it(`case 38: ${scenario.name}`, async () => {
			const slow = await run(scenario, 'slowly');
			expect(await run(scenario, 'burst')).toEqual(slow);
			expect(await run(scenario, 'scattered')).toEqual(slow);
		}, 90_000);
	}

	it('a bracketed paste enters a field as text: no control character, no key acting on the board', async () => {
		await clearProviders(c.ctx);
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor('No providers yet.');
			// On the board a paste is text, not commands: "a" inside it opens no form.
			ui.write('\u001B[200~ad\u001B[201~');
			await ui.settle();
			expect(ui.frame()).not.toContain('New provider');
			await ui.press('a');
			await ui.waitFor('New provider');
			ui.write(`\u001B[200~pa\u0007ste\u001B[31md\r\nname\u001B[201~`);
			await ui.waitFor(/Name\s+pastedname/);
			expect(ui.raw()).not.toContain('\u0007');
			await ui.press('escape');
		} finally {
			ui.unmount();
		}
	});

	it('Ctrl+C jumps the queue: quits at once, whatever was typed ahead of it', async () => {
		await clearProviders(c.ctx);
		const ui = await renderDashboard(c.ctx);
		await ui.waitFor(/\[1\] Providers/);
		const before = ui.frames().length;
		ui.write(`a${'x'.repeat(50)}${keyCodes['ctrl-c']}`);
		await ui.settle();
		// The app exited on Ctrl+C before the form the "a" would open ever drew.
		expect(ui.frames().slice(before).some((frame) => frame.includes('New provider'))).toBe(false);
		ui.unmount();
	});
});

import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKey} from '../../source/services/keys.js';
import {addModel} from '../../source/services/models.js';
import {createProvider} from '../../source/services/providers.js';
import {databaseKind} from '../support/db.js';
import {mockErrors, startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard} from '../render.js';

/**
 * The smoke pane at 80×24 says which key a test used, and when it fails its "try:" hint is on
 * screen in full — not cut off after the message (the flash line already repeats the message).
 */
let c: TestContext;
let mock: MockProvider;
const secret = 'sk-smokepane-0123456789abcdefWXYZ';

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: ['mock-small']});
	const provider = await createProvider(c.ctx, {name: 'panel', type: 'openai', baseUrl: mock.baseUrl});
	await addModel(c.ctx, provider.id, {modelName: 'mock-small'});
	await addKey(c.ctx, provider.id, {secret, label: 'ci'});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

/** The lines of the frame inside the smoke pane, borders off, joined with spaces. */
function smokePane(frame: string): string {
	const lines = frame.split('\n');
	const top = lines.findIndex((line) => line.includes('[4] Smoke output'));
	return lines
		.slice(top, top + 12)
		.map((line) => line.replace(/^[│┃┌┏└┗]/, '').replace(/[│┃┐┓┘┛]$/, '').trim())
		.join(' ');
}

describe(`the smoke pane at 80×24 (${databaseKind})`, () => {
	it('names the key it used, and a failure shows its whole "try:" hint', async () => {
		mock.setDefault({kind: 'stream', text: 'pong'});
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/panel/);
			await ui.press('s');
			const passed = await ui.waitFor(/✓ ok · ttft/);
			expect(passed).toContain(`Smoke output · panel · mock-small · key sk-…${secret.slice(-4)}`);

			mock.setDefault(mockErrors.unauthorized('full'));
			await ui.press('s');
			const failed = await ui.waitFor(/✕ auth/);
			const pane = smokePane(failed).replace(/\s+/g, ' ');
			const hint = 'try: The key is revoked, mistyped or of another organisation or project: issue a new one where it came from and rotate it in (eval752 keys rotate panel --from-stdin)';
			expect(pane).toContain(hint);
			expect(failed).not.toContain(secret);
			for (const line of failed.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		} finally {
			ui.unmount();
		}
	});
});

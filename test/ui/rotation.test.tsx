import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {setKeyStatus} from '../../source/services/keys.js';
import {databaseKind} from '../support/db.js';
import {createGate, startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard, type Dashboard} from '../render.js';
import {auditActions, keysOf, lastSeq, providerWithKey, rejectKey, secretFor} from '../rotate-fixtures.js';

/**
 * The rotation wizard (`R`) through the real dashboard and services over a test database, a mock
 * provider on loopback answering the smoke tests. One database for the file; each test rotates
 * its own provider and counts audit rows from its own starting point.
 */

let c: TestContext;
let mock: MockProvider;

beforeAll(async () => {
	c = await testContext();
	mock = await startMockProvider({models: ['mock-small', 'mock-large']});
});
afterAll(async () => {
	await mock.close();
	await c.t.drop();
});

/** A fresh dashboard with `name` selected on the providers pane and its keys loaded. */
async function openOn(name: string, firstKeyHint: string): Promise<Dashboard> {
	const ui = await renderDashboard(c.ctx);
	await ui.waitFor(/1 of \d+/);
	await ui.press(':');
	await ui.type(`provider ${name}`);
	await ui.press('enter');
	await ui.waitFor(new RegExp(`›${name}`));
	await ui.waitFor(firstKeyHint);
	return ui;
}

/** The frame with wrapped lines joined: runs of whitespace and box sides as one space. */
const flat = (frame: string) => frame.replace(/[│┃\s]+/g, ' ');

/** Neither the whole new key nor any 12-character piece of it appeared in any frame. */
function neverShown(ui: Dashboard, secret: string): void {
	const frames = ui.frames();
	expect(frames.length).toBeGreaterThan(5);
	for (const frame of frames) {
		expect(frame).not.toContain(secret);
		for (let i = 8; i + 12 <= secret.length; i += 6) expect(frame).not.toContain(secret.slice(i, i + 12));
	}
}

describe(`rotation wizard (${databaseKind})`, () => {
	it('rotates in five keystrokes besides the key and label: new key first, old key disabled, one audit row per step', async () => {
		const {providerId, oldKey} = await providerWithKey(c.ctx, mock, 'rot-ok', {models: ['mock-small', 'mock-large']});
		mock.setDefault({kind: 'stream', text: 'pong from the new key'});
		const secret = secretFor('ui-ok');
		const since = await lastSeq(c.ctx);
		const ui = await openOn('rot-ok', oldKey!.displayHint);
		try {
			let keystrokes = 0;
			const press = async (...names: string[]) => {
				keystrokes += names.length;
				await ui.press(...names);
			};
			await press('R');
			await ui.waitFor(`replacing ${oldKey!.displayHint}`);
			await ui.type(secret);
			await press('tab');
			await ui.type('new-2026');
			await press('enter');
			const choose = await ui.waitFor('Validate it on:');
			expect(choose).toContain('All 2 models, one after the other');
			expect(flat(choose)).toMatch(/New key sk-rot-…\w{4} stored and active behind sk-rot-…\w{4}; calls still use the old key/);
			await press('enter');
			const passed = await ui.waitFor('d disable');
			expect(passed).toMatch(/✓ mock-small\s+ok · ttft/);
			expect(passed).toMatch(/✓ mock-large\s+ok · ttft/);
			expect(passed).toContain('validated and active behind the old key');
			await press('d');
			const done = await ui.waitFor('Key rotated');
			expect(flat(done)).toContain(`the old key ${oldKey!.displayHint} is disabled`);
			expect(keystrokes).toBeLessThanOrEqual(6);
			expect(keystrokes).toBe(5);

			const keys = [...(await keysOf(c.ctx, providerId)).values()];
			const fresh = keys.find((key) => key.label === 'new-2026')!;
			expect(keys.find((key) => key.id === oldKey!.id)!.status).toBe('disabled');
			expect(fresh.status).toBe('active');
			expect(fresh.lastValidation?.outcome).toBe('ok');
			const active = keys.filter((key) => key.status === 'active').sort((a, b) => a.priority - b.priority);
			expect(active[0]!.id).toBe(fresh.id);
			expect(await auditActions(c.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'smoke.run', 'key.rotate.disable_old']);
			// The board, reloaded, lists the new key first and the old one off.
			await ui.waitFor((frame) => frame.indexOf(`${fresh.displayHint}  new-2026 on`) >= 0 && frame.indexOf(`${oldKey!.displayHint}  old      off`) > frame.indexOf(fresh.displayHint));
			neverShown(ui, secret);
		} finally {
			ui.unmount();
		}
	});

	it('a new key the provider rejects (401 echoing it): the old key untouched and active, the new one disabled, the class shown', async () => {
		const secret = secretFor('ui-bad');
		const {providerId, oldKey} = await providerWithKey(c.ctx, mock, 'rot-bad');
		mock.setDefault(rejectKey(secret));
		const since = await lastSeq(c.ctx);
		const ui = await openOn('rot-bad', oldKey!.displayHint);
		try {
			await ui.press('R');
			await ui.waitFor('New API key');
			await ui.type(secret);
			await ui.press('enter');
			await ui.waitFor('Validate it on:');
			await ui.press('enter');
			const failed = await ui.waitFor('Enter or Esc closes');
			expect(failed).toMatch(/✕ mock-small\s+auth/);
			expect(failed).toMatch(/✕ auth: /);
			expect(failed).toContain('try:');
			// The state read back: the old key stays active, the new one was left disabled.
			expect(flat(failed)).toMatch(new RegExp(`The new key sk-rot-…\\w{4} is stored but disabled \\(last validation: auth\\); the old key ${oldKey!.displayHint} is still active\\.`));

			const keys = await keysOf(c.ctx, providerId);
			const old = keys.get(oldKey!.id)!;
			expect(old).toMatchObject({status: 'active', version: oldKey!.version, priority: oldKey!.priority});
			const fresh = [...keys.values()].find((key) => key.id !== oldKey!.id)!;
			expect(fresh.status).toBe('disabled');
			expect(fresh.lastValidation).toMatchObject({outcome: 'failed', errorClass: 'auth'});
			expect(await auditActions(c.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'key.rotate.park_new']);

			await ui.press('enter');
			const closed = await ui.waitFor('Rotation failed:');
			expect(closed).toContain('[1] Providers');
			// Closing reads the state back; it writes nothing more.
			expect(await auditActions(c.ctx, since)).toHaveLength(3);
			neverShown(ui, secret);
		} finally {
			ui.unmount();
		}
	});

	it('Esc at the key form stores nothing and says so', async () => {
		const {providerId, oldKey} = await providerWithKey(c.ctx, mock, 'rot-esc-key');
		const secret = secretFor('ui-esc-key');
		const since = await lastSeq(c.ctx);
		const ui = await openOn('rot-esc-key', oldKey!.displayHint);
		try {
			await ui.press('R');
			await ui.waitFor('New API key');
			await ui.type(secret);
			await ui.press('escape');
			await ui.waitFor("Rotation cancelled: Nothing was stored; the provider's keys are unchanged.");
			expect([...(await keysOf(c.ctx, providerId)).values()]).toEqual([expect.objectContaining({id: oldKey!.id, status: 'active', version: oldKey!.version})]);
			expect(await auditActions(c.ctx, since)).toEqual([]);
			neverShown(ui, secret);
		} finally {
			ui.unmount();
		}
	});

	it('Esc at the model choice parks the stored new key and leaves the old one active', async () => {
		const {providerId, oldKey} = await providerWithKey(c.ctx, mock, 'rot-esc-model');
		const secret = secretFor('ui-esc-model');
		const since = await lastSeq(c.ctx);
		const ui = await openOn('rot-esc-model', oldKey!.displayHint);
		try {
			await ui.press('R');
			await ui.waitFor('New API key');
			await ui.type(secret);
			await ui.press('enter');
			await ui.waitFor('Validate it on:');
			await ui.press('escape');
			const flash = await ui.waitFor('Rotation cancelled:');
			expect(flat(flash)).toContain(`Rotation cancelled: The new key ${[...(await keysOf(c.ctx, providerId)).values()].find((key) => key.id !== oldKey!.id)!.displayHint} is stored but disabled; the old key ${oldKey!.displayHint} is still active.`);
			const keys = await keysOf(c.ctx, providerId);
			expect(keys.get(oldKey!.id)).toMatchObject({status: 'active', version: oldKey!.version});
			expect([...keys.values()].filter((key) => key.id !== oldKey!.id)).toEqual([expect.objectContaining({status: 'disabled', lastValidation: null})]);
			expect(await auditActions(c.ctx, since)).toEqual(['key.rotate.add', 'key.rotate.park_new']);
			neverShown(ui, secret);
		} finally {
			ui.unmount();
		}
	});

	it('Esc during validation closes the request, parks the new key and says what it left', async () => {
		// Streaming, so the validation is seen mid-answer.
		const {providerId, oldKey} = await providerWithKey(c.ctx, mock, 'rot-esc-run', {capabilities: ['streaming']});
		const gate = createGate();
		mock.setDefault({kind: 'stream', tokens: ['halfway-marker ', 'never-sent'], holdAfterChunks: 1, release: gate.promise});
		const secret = secretFor('ui-esc-run');
		const since = await lastSeq(c.ctx);
		const before = mock.chatRequests.length;
		const ui = await openOn('rot-esc-run', oldKey!.displayHint);
		try {
			await ui.press('R');
			await ui.waitFor('New API key');
			await ui.type(secret);
			await ui.press('enter');
			await ui.waitFor('Validate it on:');
			await ui.press('enter');
			// The text streams inline before the cancel.
			const streaming = await ui.waitFor('halfway-marker');
			expect(streaming).toMatch(/● mock-small\s+streaming/);
			await ui.press('escape');
			const flash = await ui.waitFor('Rotation cancelled:');
			expect(flat(flash)).toMatch(new RegExp(`The new key sk-rot-…\\w{4} is stored but disabled; the old key ${oldKey!.displayHint} is still active\\.`));
			expect(flash).not.toContain('never-sent');
			const request = mock.chatRequests[before]!;
			expect(request.disconnected).toBe(true);
			const keys = await keysOf(c.ctx, providerId);
			expect(keys.get(oldKey!.id)).toMatchObject({status: 'active', version: oldKey!.version});
			expect([...keys.values()].find((key) => key.id !== oldKey!.id)!.status).toBe('disabled');
			// The cancelled smoke test is stored (its own row); it does not count as a validation.
			expect(await auditActions(c.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'key.rotate.park_new']);
			expect([...keys.values()].find((key) => key.id !== oldKey!.id)!.lastValidation).toBeNull();
			neverShown(ui, secret);
		} finally {
			gate.open();
			ui.unmount();
		}
	});

	it('from the keys pane it replaces the selected key; x deletes it after y', async () => {
		const {providerId, oldKey} = await providerWithKey(c.ctx, mock, 'rot-del');
		const spare = await providerWithKey(c.ctx, mock, 'rot-del-other');
		void spare;
		mock.setDefault({kind: 'stream', text: 'pong'});
		const secret = secretFor('ui-del');
		const since = await lastSeq(c.ctx);
		const ui = await openOn('rot-del', oldKey!.displayHint);
		try {
			await ui.press('2');
			await ui.press('R');
			await ui.waitFor(`replacing ${oldKey!.displayHint}`);
			await ui.type(secret);
			await ui.press('enter');
			await ui.waitFor('Validate it on:');
			await ui.press('down');
			await ui.press('enter');
			await ui.waitFor('x delete it');
			await ui.press('x');
			await ui.waitFor(`Delete the old key ${oldKey!.displayHint}? This cannot be undone. y/N`);
			await ui.press('y');
			const done = await ui.waitFor('Key rotated');
			expect(flat(done)).toContain(`the old key ${oldKey!.displayHint} is deleted`);
			const keys = [...(await keysOf(c.ctx, providerId)).values()];
			expect(keys).toEqual([expect.objectContaining({status: 'active', label: ''})]);
			expect(await auditActions(c.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'key.rotate.delete_old']);
			neverShown(ui, secret);
		} finally {
			ui.unmount();
		}
	});

	it('another operator changing the old key meanwhile: the finish is a conflict, flashed, reloaded, no key lost', async () => {
		const {providerId, oldKey} = await providerWithKey(c.ctx, mock, 'rot-race');
		mock.setDefault({kind: 'stream', text: 'pong'});
		const secret = secretFor('ui-race');
		const ui = await openOn('rot-race', oldKey!.displayHint);
		try {
			await ui.press('R');
			await ui.waitFor('New API key');
			await ui.type(secret);
			await ui.press('enter');
			await ui.waitFor('Validate it on:');
			await ui.press('enter');
			await ui.waitFor('d disable');
			await setKeyStatus(c.as('bob@test'), oldKey!.id, 'disabled', oldKey!.version);
			await ui.press('d');
			const flash = await ui.waitFor(/changed by bob@test — reloaded/);
			expect(flash).toContain('[1] Providers');
			const keys = await keysOf(c.ctx, providerId);
			expect(keys.size).toBe(2);
			expect(keys.get(oldKey!.id)!.status).toBe('disabled');
			// The losing rotation's new key is parked, not left active as an unplanned replacement.
			expect([...keys.values()].find((key) => key.id !== oldKey!.id)!.status).toBe('disabled');
		} finally {
			ui.unmount();
		}
	});

	it('refuses R in read-only mode like every mutating key', async () => {
		const {oldKey} = await providerWithKey(c.ctx, mock, 'rot-ro');
		const since = await lastSeq(c.ctx);
		const ui = await renderDashboard(c.as('reader@test', {readOnly: true}));
		try {
			await ui.waitFor('READ-ONLY');
			await ui.waitFor(/1 of \d+/);
			void oldKey;
			await ui.press('R');
			await ui.waitFor('Read-only: “rotate a key');
			expect(ui.frame()).not.toContain('New API key');
			expect(await auditActions(c.ctx, since)).toEqual([]);
		} finally {
			ui.unmount();
		}
	});
});

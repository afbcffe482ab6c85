import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {ConflictError, UserError} from '../source/errors.js';
import {setLogFile} from '../source/log.js';
import {abandonRotation, finishRotation, startRotation, validateRotation, type Rotation, type RotationProgress, type RotationValidation} from '../source/services/rotate.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {createGate, startMockProvider, type MockProvider} from './support/mock-provider.js';
import {auditActions, everythingStored, keysOf, lastSeq, providerWithKey, rejectKey, secretFor} from './rotate-fixtures.js';

/**
 * Key rotation through the services, as the dashboard wizard drives it: start → validate →
 * finish, or Esc at any step. Each test uses its own provider in one database for the file.
 */

let t: TestContext;
let mock: MockProvider;
let logDir: string;
let logPath: string;
const secretsUsed: string[] = [];

/*
 * A fresh database per test: each rotation starts from a known key set, and the audit log of
 * one test never counts another's rows.
 */
beforeEach(async () => {
	t = await testContext();
});

beforeAll(() => {
	logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-rotate-'));
	logPath = path.join(logDir, 'eval752.log');
	setLogFile(logPath);
});

afterEach(async () => {
	await mock?.close();
	await noSecretStored();
	await t.t.drop();
});

afterAll(() => {
	setLogFile(undefined);
	fs.rmSync(logDir, {recursive: true, force: true});
});

/** The full secrets of this file's rotations appear nowhere but as ciphertext: not in any table, audit row or the log. */
async function noSecretStored(): Promise<void> {
	const stored = await everythingStored(t.ctx);
	const logged = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '';
	for (const secret of secretsUsed) {
		expect(stored).not.toContain(secret);
		expect(logged).not.toContain(secret);
	}
}

/** Runs validation to the end and returns what it yielded and the verdict. */
async function validate(rotation: Rotation, options: {model?: string; allModels?: boolean} = {}, signal = new AbortController().signal, ctx = t.ctx): Promise<{progress: RotationProgress[]; verdict: RotationValidation}> {
	const progress: RotationProgress[] = [];
	const iterator = validateRotation(ctx, rotation, options, signal);
	for (;;) {
		const step = await iterator.next();
		if (step.done) return {progress, verdict: step.value};
		progress.push(step.value);
	}
}

function newSecret(tag: string): string {
	const secret = secretFor(tag);
	secretsUsed.push(secret);
	return secret;
}

describe(`key rotation service (${databaseKind})`, () => {
	it('adds the new key behind the old one, validates it on every model, then makes it first and disables the old key', async () => {
		mock = await startMockProvider();
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-disable', {models: ['mock-small', 'mock-large']});
		const secret = newSecret('disable');
		const since = await lastSeq(t.ctx);

		const rotation = await startRotation(t.ctx, 'rot-disable', {secret, label: 'new'});
		expect(rotation).toMatchObject({providerId, oldKeyId: oldKey!.id, oldKeyVersion: oldKey!.version, models: ['mock-large', 'mock-small']});
		let keys = await keysOf(t.ctx, providerId);
		expect(keys.get(rotation.newKeyId)).toMatchObject({status: 'active', label: 'new'});
		expect(keys.get(rotation.newKeyId)!.priority).toBeGreaterThan(oldKey!.priority);
		expect([...keys.keys()][0]).toBe(oldKey!.id);

		const {progress, verdict} = await validate(rotation, {allModels: true});
		expect(verdict).toMatchObject({ok: true, parked: false, cancelled: false});
		expect(verdict.results.map((result) => [result.model, result.outcome])).toEqual([
			['mock-large', 'ok'],
			['mock-small', 'ok'],
		]);
		expect(new Set(progress.map((step) => step.model))).toEqual(new Set(['mock-large', 'mock-small']));
		expect(mock.chatRequests.map((request) => request.headers['authorization'])).toEqual([`Bearer ${secret}`, `Bearer ${secret}`]);

		const finished = await finishRotation(t.ctx, rotation, 'disable-old');
		expect(finished.state).toBe(`The new key ${rotation.newKey.displayHint} is active and used first; the old key ${oldKey!.displayHint} is disabled.`);
		keys = await keysOf(t.ctx, providerId);
		expect([...keys.keys()][0]).toBe(rotation.newKeyId);
		expect(keys.get(rotation.newKeyId)!.priority).toBeLessThanOrEqual(oldKey!.priority);
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'disabled'});
		expect(await auditActions(t.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'smoke.run', 'key.rotate.disable_old']);
	});

	it('deletes the old key when asked, and the new key is the one calls use', async () => {
		mock = await startMockProvider();
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-delete');
		const since = await lastSeq(t.ctx);
		const rotation = await startRotation(t.ctx, providerId, {secret: newSecret('delete')});
		expect((await validate(rotation)).verdict.ok).toBe(true);
		const finished = await finishRotation(t.ctx, rotation, 'delete-old');
		expect(finished.oldKey).toBeNull();
		const keys = await keysOf(t.ctx, providerId);
		expect([...keys.keys()]).toEqual([rotation.newKeyId]);
		expect(keys.has(oldKey!.id)).toBe(false);
		expect(await auditActions(t.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'key.rotate.delete_old']);
	});

	it('keeps the old key untouched and parks the new one with its error class when the provider refuses it (401 echoing the key)', async () => {
		mock = await startMockProvider();
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-401');
		const secret = newSecret('bad');
		mock.setDefault(rejectKey(secret));
		const since = await lastSeq(t.ctx);

		const rotation = await startRotation(t.ctx, 'rot-401', {secret});
		const {progress, verdict} = await validate(rotation);
		expect(verdict).toMatchObject({ok: false, parked: true, cancelled: false});
		expect(verdict.results[0]).toMatchObject({outcome: 'failed', errorClass: 'auth'});
		expect(verdict.state).toBe(`The new key ${rotation.newKey.displayHint} is stored but disabled (last validation: auth); the old key ${oldKey!.displayHint} is still active.`);

		const keys = await keysOf(t.ctx, providerId);
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'active', version: oldKey!.version, priority: oldKey!.priority});
		expect(keys.get(rotation.newKeyId)).toMatchObject({status: 'disabled', lastValidation: {outcome: 'failed', errorClass: 'auth'}});
		expect(await auditActions(t.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'key.rotate.park_new']);

		// Finishing a rotation that failed is refused and writes nothing.
		const before = await rowCounts(t.ctx);
		await expect(finishRotation(t.ctx, rotation, 'disable-old')).rejects.toThrow(/is disabled; nothing was changed/);
		expect(await rowCounts(t.ctx)).toEqual(before);

		// The mock echoed the whole key: it is redacted in everything the operator sees or we store.
		expect(JSON.stringify({progress, verdict})).not.toContain(secret);
		expect(await everythingStored(t.ctx)).not.toContain(secret);
	});

	it('Esc before the key is stored leaves nothing behind', async () => {
		const before = await rowCounts(t.ctx);
		expect(await abandonRotation(t.ctx, null)).toBe("Nothing was stored; the provider's keys are unchanged.");
		expect(await rowCounts(t.ctx)).toEqual(before);
	});

	it('Esc after the key is stored parks it; the old key is exactly as it was', async () => {
		mock = await startMockProvider();
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-esc-added');
		const since = await lastSeq(t.ctx);
		const rotation = await startRotation(t.ctx, providerId, {secret: newSecret('esc1')});
		const state = await abandonRotation(t.ctx, rotation);
		expect(state).toBe(`The new key ${rotation.newKey.displayHint} is stored but disabled; the old key ${oldKey!.displayHint} is still active.`);
		const keys = await keysOf(t.ctx, providerId);
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'active', version: oldKey!.version});
		expect(keys.get(rotation.newKeyId)).toMatchObject({status: 'disabled'});
		expect(mock.chatRequests).toHaveLength(0);
		// A second Esc changes nothing more.
		expect(await abandonRotation(t.ctx, rotation)).toBe(state);
		expect(await auditActions(t.ctx, since)).toEqual(['key.rotate.add', 'key.rotate.park_new']);
	});

	it('Esc during validation cancels the request, stores the run as cancelled and parks the new key', async () => {
		mock = await startMockProvider();
		// Streaming, so the validation is seen mid-answer.
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-esc-validating', {capabilities: ['streaming']});
		const gate = createGate();
		mock.setDefault({kind: 'stream', tokens: ['po', 'ng'], holdAfterChunks: 1, release: gate.promise});
		const since = await lastSeq(t.ctx);
		const rotation = await startRotation(t.ctx, providerId, {secret: newSecret('esc2')});
		const controller = new AbortController();
		const iterator = validateRotation(t.ctx, rotation, {}, controller.signal);
		let step = await iterator.next();
		while (!step.done && step.value.event.type !== 'delta') step = await iterator.next();
		controller.abort();
		while (!step.done) step = await iterator.next();
		gate.open();
		expect(step.value).toMatchObject({ok: false, cancelled: true, parked: true});
		expect(mock.chatRequests[0]!.disconnected).toBe(true);

		expect(await abandonRotation(t.ctx, rotation)).toBe(`The new key ${rotation.newKey.displayHint} is stored but disabled; the old key ${oldKey!.displayHint} is still active.`);
		const keys = await keysOf(t.ctx, providerId);
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'active', version: oldKey!.version});
		expect(keys.get(rotation.newKeyId)).toMatchObject({status: 'disabled', lastValidation: null});
		expect(await auditActions(t.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'key.rotate.park_new']);
		const [run] = await t.ctx.db.sql<{outcome: string}[]>`select outcome from smoke_runs where key_row_id = ${rotation.newKeyId}`;
		expect(run!.outcome).toBe('cancelled');
	});

	it('Esc after a passed validation parks the new key and leaves the old one in use', async () => {
		mock = await startMockProvider();
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-esc-validated');
		const since = await lastSeq(t.ctx);
		const rotation = await startRotation(t.ctx, providerId, {secret: newSecret('esc3')});
		expect((await validate(rotation)).verdict.ok).toBe(true);
		expect(await abandonRotation(t.ctx, rotation)).toBe(`The new key ${rotation.newKey.displayHint} is stored but disabled; the old key ${oldKey!.displayHint} is still active.`);
		const keys = await keysOf(t.ctx, providerId);
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'active', version: oldKey!.version});
		expect(keys.get(rotation.newKeyId)).toMatchObject({status: 'disabled', lastValidation: {outcome: 'ok'}});
		expect(await auditActions(t.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'key.rotate.park_new']);
	});

	it('Esc after the rotation finished changes nothing and says so', async () => {
		mock = await startMockProvider();
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-esc-finished');
		const rotation = await startRotation(t.ctx, providerId, {secret: newSecret('esc4')});
		await validate(rotation);
		await finishRotation(t.ctx, rotation, 'disable-old');
		const since = await lastSeq(t.ctx);
		expect(await abandonRotation(t.ctx, rotation)).toBe(`The new key ${rotation.newKey.displayHint} is active and used first; the old key ${oldKey!.displayHint} is disabled.`);
		expect(await auditActions(t.ctx, since)).toEqual([]);
	});

	it('two operators rotating the same provider at once: one wins, the other gets a conflict, no key is lost', async () => {
		mock = await startMockProvider();
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'rot-race');
		const alice = t.as('alice@ops');
		const bob = t.as('bob@ops');
		const since = await lastSeq(t.ctx);
		const [ra, rb] = await Promise.all([startRotation(alice, 'rot-race', {secret: newSecret('alice')}), startRotation(bob, 'rot-race', {secret: newSecret('bob')})]);
		expect(ra.oldKeyId).toBe(oldKey!.id);
		expect(rb.oldKeyId).toBe(oldKey!.id);
		const [va, vb] = await Promise.all([validate(ra, {}, undefined, alice), validate(rb, {}, undefined, bob)]);
		expect([va.verdict.ok, vb.verdict.ok]).toEqual([true, true]);

		const settled = await Promise.allSettled([finishRotation(alice, ra, 'disable-old'), finishRotation(bob, rb, 'disable-old')]);
		const won = settled.filter((entry) => entry.status === 'fulfilled');
		const lost = settled.filter((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
		expect(won).toHaveLength(1);
		expect(lost).toHaveLength(1);
		expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
		const winner = settled[0]!.status === 'fulfilled' ? ra : rb;
		const loser = winner === ra ? rb : ra;
		expect((lost[0]!.reason as UserError).message).toMatch(/^The old key .+ was changed by (alice|bob)@ops — reloaded$/);

		const keys = await keysOf(t.ctx, providerId);
		expect(keys.size).toBe(3);
		expect([...keys.keys()][0]).toBe(winner.newKeyId);
		expect(keys.get(winner.newKeyId)).toMatchObject({status: 'active'});
		expect(keys.get(loser.newKeyId)).toMatchObject({status: 'disabled'});
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'disabled'});
		const actions = await auditActions(t.ctx, since);
		expect(actions.filter((action) => action === 'key.rotate.add')).toHaveLength(2);
		expect(actions.filter((action) => action === 'key.rotate.disable_old')).toHaveLength(1);
		expect(actions.filter((action) => action === 'key.rotate.park_new')).toHaveLength(1);
		expect(actions.filter((action) => action === 'smoke.run')).toHaveLength(2);
		expect(actions).toHaveLength(6);
	});

	it('refuses before storing anything: the same secret twice, an empty secret, a provider without models', async () => {
		mock = await startMockProvider();
		const {providerId, oldSecret} = await providerWithKey(t.ctx, mock, 'rot-refuse');
		await providerWithKey(t.ctx, mock, 'rot-no-models', {models: []});
		const before = await rowCounts(t.ctx);
		await expect(startRotation(t.ctx, providerId, {secret: oldSecret!})).rejects.toThrow(/already stored .* on provider rot-refuse; nothing was stored/);
		await expect(startRotation(t.ctx, providerId, {secret: '   '})).rejects.toThrow(/key is empty/);
		await expect(startRotation(t.ctx, 'rot-no-models', {secret: newSecret('nomodels')})).rejects.toThrow(/has no models to validate a new key on; nothing was stored/);
		expect(await rowCounts(t.ctx)).toEqual(before);
	});

	it('writes every new key only as ciphertext: the database, audit details and log never hold it (checked after every test)', async () => {
		mock = await startMockProvider();
		const {providerId} = await providerWithKey(t.ctx, mock, 'rot-leak');
		const secret = newSecret('leak');
		mock.setDefault(rejectKey(secret));
		const rotation = await startRotation(t.ctx, providerId, {secret});
		await validate(rotation);
		const audit = await t.ctx.db.sql<{details: string}[]>`select details::text as details from audit_log where action like 'key.rotate.%'`;
		expect(audit.map((row) => row.details)).toHaveLength(2);
		const [stored] = await t.ctx.db.sql<{ciphertext: string}[]>`select ciphertext from provider_keys where id = ${rotation.newKeyId}`;
		expect(stored!.ciphertext).toMatch(/^v1:/);
		expect(stored!.ciphertext).not.toContain(secret);
	});
});

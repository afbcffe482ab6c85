import fs from 'node:fs';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {KeyRing} from '../source/crypto/index.js';
import {verifyAuditChain} from '../source/services/audit-chain.js';
import {allSecretRows} from '../source/db/repositories/key-secrets.js';
import {mutate, type ServiceContext} from '../source/services/context.js';
import {decryptKeyRow, openSecret} from '../source/services/key-store.js';
import {rekey} from '../source/services/rekey.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {addProvider, commandEnv, newKey, storeKey, tempDir, withKeys} from './secrets-fixtures.js';

/**
 * Master-key rotation as an operator lives it: old key → new key with the old one in
 * ENCRYPTION_KEY_PREVIOUS → rekey (maybe interrupted) → doctor → the old key dropped.
 * Each test gets its own database so one's rotation never leaks into the next.
 */

const tests: TestContext[] = [];
let dir: string;

beforeAll(() => {
	dir = tempDir('rotation');
});

// One PGlite instance is ~270 MB: drop each test's database as soon as the test is done.
afterEach(async () => {
	for (const t of tests.splice(0)) await t.t.drop();
});

afterAll(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

interface Scenario {
	readonly t: TestContext;
	/** The key that wrote the rows. */
	readonly oldKey: Buffer;
	readonly newKey: Buffer;
	readonly secrets: Map<string, string>;
	/** Old key as current: what the database was written with. */
	readonly oldCtx: ServiceContext;
}

/** A database with `count` keys written under an old master key. */
async function scenario(count: number): Promise<Scenario> {
	const oldKey = newKey();
	const t = await testContext({key: oldKey});
	tests.push(t);
	const providerId = await addProvider(t.ctx, 'openai-main');
	const secrets = new Map<string, string>();
	for (let i = 0; i < count; i++) {
		const secret = `sk-rotation-${i}-${newKey().toString('base64url')}`;
		secrets.set(await storeKey(t.ctx, providerId, secret, `key ${i}`), secret);
	}
	return {t, oldKey, newKey: newKey(), secrets, oldCtx: t.ctx};
}

function env(keys: {current?: Buffer; previous?: Buffer[]}): NodeJS.ProcessEnv {
	return commandEnv(dir, keys);
}

async function ciphertexts(ctx: ServiceContext): Promise<Map<string, {ciphertext: string; keyId: string}>> {
	return new Map((await allSecretRows(ctx.db.sql)).map((row) => [row.id, {ciphertext: row.ciphertext, keyId: row.keyId}]));
}

describe(`ENCRYPTION_KEY rotation (${databaseKind})`, () => {
	it('refuses every write under a key that did not write the data, naming both key ids, and writes nothing', async () => {
		const s = await scenario(3);
		const before = await rowCounts(s.oldCtx);
		const wrong = await withKeys(s.oldCtx, s.newKey);
		const oldId = KeyRing.from(s.oldKey).currentId;
		const newId = KeyRing.from(s.newKey).currentId;
		expect(wrong.keys.status).toBe('wrong');

		const cli = await runCli(['rekey'], {database: s.t.ctx.db, env: env({current: s.newKey})});
		expect(cli.code).toBe(1);
		expect(cli.stdout).toBe('');
		expect(cli.stderr).toContain(`ENCRYPTION_KEY (key id ${newId}) did not write this data (key id ${oldId})`);
		expect(cli.stderr.trim().split('\n')).toHaveLength(1);
		// One piece of advice, once (the message states the facts; the hint says what to do).
		expect(cli.stderr.match(/ENCRYPTION_KEY_PREVIOUS/g)).toHaveLength(1);

		const dry = await runCli(['rekey', '--dry-run'], {database: s.t.ctx.db, env: env({current: s.newKey})});
		expect(dry.code).toBe(1);
		expect(dry.stderr).toContain(`key id ${oldId}`);

		await expect(
			mutate(wrong, async (tx) => {
				await tx`insert into settings (key, value) values ('smoke.prompt', ${tx.json('hello')})`;
				return {value: undefined, audit: {action: 'settings.set', targetType: 'setting', targetId: 'smoke.prompt', details: {}}, changes: []};
			}),
		).rejects.toThrow(`ENCRYPTION_KEY (key id ${newId}) did not write this data (key id ${oldId})`);
		await expect(rekey(wrong)).rejects.toThrow(`key id ${oldId}`);
		expect(await rowCounts(s.oldCtx)).toEqual(before);
	});

	it('reads old rows with a previous key and writes new rows under the current key id', async () => {
		const s = await scenario(2);
		const rotated = await withKeys(s.oldCtx, s.newKey, [s.oldKey]);
		expect(rotated.keys.status).toBe('ok');
		const ring = KeyRing.from(s.newKey, [s.oldKey]);
		for (const [id, secret] of s.secrets) expect(await decryptKeyRow(rotated.db.sql, ring, id)).toBe(secret);

		const providerId = await addProvider(rotated, 'anthropic');
		const added = await storeKey(rotated, providerId, 'sk-ant-written-after-rotation-0001');
		const rows = await ciphertexts(rotated);
		expect(rows.get(added)!.keyId).toBe(ring.currentId);
		for (const id of s.secrets.keys()) expect(rows.get(id)!.keyId).toBe(KeyRing.from(s.oldKey).currentId);
		expect(await decryptKeyRow(rotated.db.sql, ring, added)).toBe('sk-ant-written-after-rotation-0001');
		// The new key alone can't open the old rows: the start-up check fails closed until rekey has moved them.
		const newAlone = (await withKeys(s.oldCtx, s.newKey)).keys;
		expect(newAlone.status).toBe('wrong');
		expect(newAlone.status === 'wrong' && newAlone.message).toContain(`2 stored secrets are under key id ${KeyRing.from(s.oldKey).currentId}, which is not configured`);
	});

	it('rekey --dry-run reports rows per key id and changes nothing', async () => {
		const s = await scenario(3);
		const before = await ciphertexts(s.oldCtx);
		const counts = await rowCounts(s.oldCtx);
		const oldId = KeyRing.from(s.oldKey).currentId;
		const result = await runCli(['rekey', '--dry-run'], {database: s.t.ctx.db, env: env({current: s.newKey, previous: [s.oldKey]})});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain(`Would re-encrypt 3 secrets under key id ${KeyRing.from(s.newKey).currentId}`);
		expect(result.stdout).toContain(`key id ${oldId}: 3 secrets`);
		const json = await runCli(['rekey', '--dry-run', '--json'], {database: s.t.ctx.db, env: env({current: s.newKey, previous: [s.oldKey]})});
		expect(JSON.parse(json.stdout)).toMatchObject({dryRun: true, total: 3, toRewrite: [{keyId: oldId, rows: 3}]});
		expect(await ciphertexts(s.oldCtx)).toEqual(before);
		expect(await rowCounts(s.oldCtx)).toEqual(counts);
	});

	it('rekey puts every row under the current key: plaintexts unchanged, ciphertexts and fingerprints new, one audit row per batch', async () => {
		const s = await scenario(5);
		const before = await ciphertexts(s.oldCtx);
		const auditBefore = (await rowCounts(s.oldCtx))['audit_log']!;
		const ring = KeyRing.from(s.newKey, [s.oldKey]);
		const oldId = KeyRing.from(s.oldKey).currentId;

		const result = await runCli(['rekey', '--batch-size', '2'], {database: s.t.ctx.db, env: env({current: s.newKey, previous: [s.oldKey]})});
		expect(result.code).toBe(0);
		expect(result.stderr).toBe('Batch 1: 2 secrets re-encrypted (2 of 5)\nBatch 2: 2 secrets re-encrypted (4 of 5)\nBatch 3: 1 secret re-encrypted (5 of 5)\n');
		expect(result.stdout).toContain(`Re-encrypted 5 secrets under key id ${ring.currentId} in 3 batches.`);
		expect(result.stdout).toContain(`ENCRYPTION_KEY_PREVIOUS entry with key id ${oldId} can be removed`);

		const after = await ciphertexts(s.oldCtx);
		const onlyNew = KeyRing.from(s.newKey);
		for (const [id, secret] of s.secrets) {
			expect(after.get(id)!.keyId).toBe(ring.currentId);
			expect(after.get(id)!.ciphertext).not.toBe(before.get(id)!.ciphertext);
			expect(after.get(id)!.ciphertext.startsWith(`v1:${ring.currentId}:`)).toBe(true);
			// The old key is no longer needed for any row.
			expect(openSecret(onlyNew, {id, ciphertext: after.get(id)!.ciphertext})).toBe(secret);
		}
		const fingerprints = await s.oldCtx.db.sql<{id: string; fingerprint: Buffer}[]>`select id, fingerprint from provider_keys`;
		for (const row of fingerprints) expect(row.fingerprint.equals(onlyNew.fingerprint(s.secrets.get(row.id)!))).toBe(true);

		const logged = await s.oldCtx.db.sql<{action: string; details: {rows: string[]; from: Record<string, number>; to: string}}[]>`
			select action, details from audit_log where seq > ${auditBefore} order by seq`;
		// One row per batch, then the checkpoint that lets the old rows verify once the old key is gone.
		// …and, every secret being under the new key, the old key's canary retired.
		expect(logged.map((row) => row.action)).toEqual(['key.rekey_batch', 'key.rekey_batch', 'key.rekey_batch', 'audit.checkpoint', 'key.canary_retire']);
		expect(logged.at(-1)!.details).toMatchObject({retired: [oldId], current: ring.currentId});
		logged.pop();
		expect(logged.at(-1)!.details).toMatchObject({through: auditBefore + 3, keyIds: [oldId], to: ring.currentId});
		expect(result.stdout).toContain(`Audit log: rows 1–${auditBefore + 3} (key id ${oldId}) checkpointed at seq ${auditBefore + 4} under key id ${ring.currentId}`);
		const audit = logged.slice(0, 3);
		expect(audit.map((row) => row.details.from)).toEqual([{[oldId]: 2}, {[oldId]: 2}, {[oldId]: 1}]);
		expect(audit.every((row) => row.details.to === ring.currentId)).toBe(true);
		expect(audit.flatMap((row) => row.details.rows).sort()).toEqual([...s.secrets.keys()].sort());
		const auditText = JSON.stringify(audit);
		for (const {ciphertext} of [...before.values(), ...after.values()]) expect(auditText).not.toContain(ciphertext.split(':')[2]!.slice(0, 16));
		expect((await verifyAuditChain(s.oldCtx.db.sql, ring)).ok).toBe(true);
		// With only the new key, the rows the old key signed are proven by the checkpoint.
		expect(await verifyAuditChain(s.oldCtx.db.sql, onlyNew)).toMatchObject({
			ok: true,
			segments: [
				{from: 1, to: auditBefore, keyId: oldId, status: 'checkpointed'},
				{from: auditBefore + 1, to: auditBefore + 5, keyId: ring.currentId, status: 'verified'},
			],
			checkpoints: [{seq: auditBefore + 4, through: auditBefore + 3, keyId: ring.currentId}],
		});

		// Nothing left: a second run changes nothing and audits nothing.
		const again = await runCli(['rekey'], {database: s.t.ctx.db, env: env({current: s.newKey})});
		expect(again.code).toBe(0);
		expect(again.stdout).toContain('Nothing to re-encrypt');
		expect((await rowCounts(s.oldCtx))['audit_log']).toBe(auditBefore + 5);
	});

	it('rekey killed after its first batch leaves each row under exactly one configured key, and a re-run completes', async () => {
		const s = await scenario(5);
		const rotated = await withKeys(s.oldCtx, s.newKey, [s.oldKey]);
		const oldOnly = KeyRing.from(s.oldKey);
		const newOnly = KeyRing.from(s.newKey);
		await expect(
			rekey(rotated, {
				batchSize: 2,
				afterBatch: () => {
					throw new Error('killed after the first batch');
				},
			}),
		).rejects.toThrow('killed after the first batch');

		const rows = await allSecretRows(rotated.db.sql);
		expect(rows.filter((row) => row.keyId === newOnly.currentId)).toHaveLength(2);
		expect(rows.filter((row) => row.keyId === oldOnly.currentId)).toHaveLength(3);
		for (const row of rows) {
			const readers = [oldOnly, newOnly].filter((ring) => {
				try {
					return openSecret(ring, row) === s.secrets.get(row.id);
				} catch {
					return false;
				}
			});
			expect(readers).toHaveLength(1);
		}
		const audit = await rotated.db.sql<{n: number}[]>`select count(*)::int as n from audit_log where action = 'key.rekey_batch'`;
		expect(audit[0]!.n).toBe(1);

		const rerun = await rekey(rotated, {batchSize: 2});
		expect(rerun).toMatchObject({rewritten: 3, batches: 2, remaining: 0, unusedPreviousKeyIds: [oldOnly.currentId]});
		for (const row of await allSecretRows(rotated.db.sql)) {
			expect(row.keyId).toBe(newOnly.currentId);
			expect(openSecret(newOnly, row)).toBe(s.secrets.get(row.id));
		}
		expect((await verifyAuditChain(rotated.db.sql, KeyRing.from(s.newKey, [s.oldKey]))).ok).toBe(true);
	});

	it('an AbortSignal stops rekey between batches; what committed stays committed', async () => {
		const s = await scenario(4);
		const rotated = await withKeys(s.oldCtx, s.newKey, [s.oldKey]);
		const controller = new AbortController();
		const result = await rekey(rotated, {batchSize: 1, afterBatch: () => controller.abort(), signal: controller.signal});
		expect(result).toMatchObject({rewritten: 1, batches: 1, remaining: 3, unusedPreviousKeyIds: []});
	});

	it('dropping a previous key while rows still need it: doctor counts them and exits 1; rekey refuses', async () => {
		const s = await scenario(5);
		const rotated = await withKeys(s.oldCtx, s.newKey, [s.oldKey]);
		await expect(rekey(rotated, {batchSize: 2, afterBatch: () => Promise.reject(new Error('killed'))})).rejects.toThrow('killed');
		const oldId = KeyRing.from(s.oldKey).currentId;
		const newId = KeyRing.from(s.newKey).currentId;

		const doctor = await runCli(['doctor'], {database: s.t.ctx.db, env: env({current: s.newKey})});
		expect(doctor.code).toBe(1);
		expect(doctor.stdout).toContain(`FAIL  key id ${oldId}: 3 secrets under a key that is not configured`);
		expect(doctor.stdout).toContain(`ok    key id ${newId}: 2 secrets`);
		expect(doctor.stdout.match(/needs a new key/g)).toHaveLength(3);
		expect(doctor.stdout).toContain('Not healthy.');

		const counts = await rowCounts(s.oldCtx);
		const refused = await runCli(['rekey'], {database: s.t.ctx.db, env: env({current: s.newKey})});
		expect(refused.code).toBe(1);
		// The start-up check already fails closed (deliverable of key custody: the configured keys must open every stored secret).
		expect(refused.stderr).toContain(`3 stored secrets are under key id ${oldId}, which is not configured: a master-key rotation is unfinished`);
		expect(doctor.stdout).toContain(`FAIL  encryption key: 3 stored secrets are under key id ${oldId}, which is not configured`);
		expect(await rowCounts(s.oldCtx)).toEqual(counts);

		// Putting the old key back makes it healthy again once rekey has finished.
		const finish = await runCli(['rekey'], {database: s.t.ctx.db, env: env({current: s.newKey, previous: [s.oldKey]})});
		expect(finish.code).toBe(0);
		const healthy = await runCli(['doctor'], {database: s.t.ctx.db, env: env({current: s.newKey})});
		expect(healthy.stdout).toContain('Healthy.');
		expect(healthy.code).toBe(0);
	});

	it('rekey refuses without ENCRYPTION_KEY and in a read-only session', async () => {
		const s = await scenario(1);
		await expect(rekey({...s.oldCtx, keys: {status: 'missing', message: 'ENCRYPTION_KEY is not set'}})).rejects.toThrow('ENCRYPTION_KEY is not set');
		const rotated = await withKeys(s.oldCtx, s.newKey, [s.oldKey]);
		await expect(rekey({...rotated, readOnly: true})).rejects.toThrow(/read-only/);
		const usage = await runCli(['rekey', '--batch-size', '0'], {database: s.t.ctx.db, env: env({current: s.newKey, previous: [s.oldKey]})});
		expect(usage.code).toBe(2);
		expect(usage.stderr).toContain('--batch-size must be a whole number from 1');
	});
});

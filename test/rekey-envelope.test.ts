import fs from 'node:fs';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {KeyRing} from '../source/crypto/index.js';
import {allSecretRows} from '../source/db/repositories/key-secrets.js';
import {runDoctor} from '../source/services/doctor.js';
import {decryptKeyRow} from '../source/services/key-store.js';
import {planRekey, rekey} from '../source/services/rekey.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {addProvider, commandEnv, newKey, storeKey, tempDir, withKeys} from './secrets-fixtures.js';

/**
 * Which key a secret is under is what its envelope says (`v1:<key id>:…`), never the `key_id`
 * column beside it. A column relabelled behind eval752's back used to make rekey skip the row,
 * doctor call the state healthy, and the row unreadable once the old key was dropped
 * (RELIABILITY cases 11, 13).
 */

const tests: TestContext[] = [];
let dir: string;

beforeAll(() => {
	dir = tempDir('envelope');
});

afterEach(async () => {
	for (const t of tests.splice(0)) await t.t.drop();
});

afterAll(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

describe(`rekey and doctor go by the envelope (${databaseKind})`, () => {
	it('a row whose key_id column was relabelled to the new key is named by doctor, rewritten by rekey (column fixed), and still readable once the old key is dropped', async () => {
		const oldKey = newKey();
		const nextKey = newKey();
		const oldId = KeyRing.from(oldKey).currentId;
		const nextId = KeyRing.from(nextKey).currentId;
		const t = await testContext({key: oldKey});
		tests.push(t);
		const providerId = await addProvider(t.ctx, 'relabelled');
		const secrets = new Map<string, string>();
		for (let i = 0; i < 3; i++) {
			const secret = `sk-envelope-${i}-${newKey().toString('base64url')}`;
			secrets.set(await storeKey(t.ctx, providerId, secret, `key ${i}`), secret);
		}
		const [relabelled] = [...secrets.keys()];
		// Behind our back: the column now claims the new key; the envelope still names the old one.
		await t.ctx.db.sql`update provider_keys set key_id = ${nextId} where id = ${relabelled!}`;
		const rotating = await withKeys(t.ctx, nextKey, [oldKey]);

		const before = await runDoctor(rotating);
		expect(before.encryption.rowsByKeyId).toEqual([{keyId: oldId, rows: 3, configured: true}]);
		expect(before.encryption.keyIdMismatches).toEqual([{id: relabelled, column: nextId, envelope: oldId}]);
		expect(before.checks).toContainEqual(expect.objectContaining({name: `key ${relabelled}`, ok: false, detail: `its key_id column says ${nextId} but the secret is encrypted under key id ${oldId}`}));
		expect(before.healthy).toBe(false);

		const plan = await planRekey(rotating);
		expect(plan).toMatchObject({currentKeyId: nextId, total: 3, toRewrite: [{keyId: oldId, rows: 3}], keyIdMismatches: [{id: relabelled, column: nextId, envelope: oldId}]});
		const env = commandEnv(dir, {current: nextKey, previous: [oldKey]});
		const dry = await runCli(['rekey', '--dry-run'], {database: t.t.db, env});
		expect(dry.stdout).toContain(`Would re-encrypt 3 secrets under key id ${nextId} (dry run: nothing changed):\n  key id ${oldId}: 3 secrets\n`);
		expect(dry.stdout).toContain(`1 secret carries a key_id column that disagrees with its envelope (the envelope decides; rekey fixes the column):\n  key ${relabelled}: column ${nextId}, envelope ${oldId}\n`);

		const run = await runCli(['rekey'], {database: t.t.db, env});
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toContain(`Re-encrypted 3 secrets under key id ${nextId} in 1 batch.\n`);
		expect(run.stdout).toContain('Fixed the key_id column of 1 secret whose column disagreed with the key id in the envelope.\n');
		for (const row of await allSecretRows(t.ctx.db.sql)) {
			expect(row.envelopeKeyId).toBe(nextId);
			expect(row.keyId).toBe(nextId);
		}
		const [batch] = await t.ctx.db.sql<{details: Record<string, unknown>}[]>`select details from audit_log where action = 'key.rekey_batch'`;
		expect(batch!.details).toMatchObject({from: {[oldId]: 3}, to: nextId, keyIdColumnFixed: [relabelled]});

		// The old key can go: every secret still decrypts with the new key alone.
		const onlyNew = await withKeys(t.ctx, nextKey);
		for (const [id, secret] of secrets) expect(await decryptKeyRow(t.ctx.db.sql, KeyRing.from(nextKey), id)).toBe(secret);
		const after = await runDoctor(onlyNew);
		expect(after.healthy).toBe(true);
		expect(after.encryption.keyIdMismatches).toEqual([]);
		expect(after.encryption.rowsByKeyId).toEqual([{keyId: nextId, rows: 3, configured: true}]);
	});

	it('a row already under the current key but labelled otherwise is only relabelled by rekey; one with a damaged envelope is refused up front', async () => {
		const key = newKey();
		const id = KeyRing.from(key).currentId;
		const t = await testContext({key});
		tests.push(t);
		const providerId = await addProvider(t.ctx, 'mislabelled');
		const rowId = await storeKey(t.ctx, providerId, `sk-label-${newKey().toString('base64url')}`);
		await t.ctx.db.sql`update provider_keys set key_id = 'deadbeefdeadbeef' where id = ${rowId}`;
		const doctor = await runDoctor(t.ctx);
		expect(doctor.healthy).toBe(false);
		expect(doctor.encryption.rowsByKeyId).toEqual([{keyId: id, rows: 1, configured: true}]);
		expect(doctor.encryption.keyIdMismatches).toEqual([{id: rowId, column: 'deadbeefdeadbeef', envelope: id}]);
		const result = await rekey(t.ctx);
		expect(result).toMatchObject({rewritten: 1, keyIdColumnsFixed: 1, remaining: 0});
		expect((await runDoctor(t.ctx)).healthy).toBe(true);

		const damaged = await storeKey(t.ctx, providerId, `sk-damaged-${newKey().toString('base64url')}`);
		await t.ctx.db.sql`update provider_keys set ciphertext = 'v1:not-a-key-id:AAAA' where id = ${damaged}`;
		const refused = await runCli(['rekey'], {database: t.t.db, env: commandEnv(dir, {current: key})});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toBe('eval752: 1 stored secret is not in the envelope format (damaged); nothing was re-encrypted — eval752 doctor names them: re-enter those API keys (eval752 keys rotate PROVIDER), then run eval752 rekey again\n');
		const report = await runDoctor(t.ctx);
		expect(report.encryption.undecryptable).toEqual([{id: damaged, keyId: '?'}]);
	});
});

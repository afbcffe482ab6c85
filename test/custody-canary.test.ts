import {randomBytes} from 'node:crypto';
import {afterEach, describe, expect, it} from 'vitest';
import {CANARY_PLAINTEXT, KeyRing} from '../source/crypto/index.js';
import {checkKey} from '../source/services/canary.js';
import type {KeyState} from '../source/services/context.js';
import {addKey} from '../source/services/keys.js';
import {createProvider} from '../source/services/providers.js';
import {rekey} from '../source/services/rekey.js';
import {setSetting} from '../source/services/settings.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {withKeys} from './secrets-fixtures.js';

/**
 * The start-up check binds the configured key to the live data (issue of key custody,
 * deliverable 8): a retired key, or any key on a database that never stored a secret but was
 * changed, no longer reads as "key ok". The canary alone proved too little: rekey left the old
 * key's canary behind, and a database without secrets had no canary at all.
 */

const contexts: TestContext[] = [];
afterEach(async () => {
	for (const c of contexts.splice(0)) await c.t.drop();
});

async function fresh(): Promise<TestContext> {
	const c = await testContext();
	contexts.push(c);
	return c;
}

function messageOf(state: KeyState): string {
	return state.status === 'ok' ? 'ok' : state.message;
}

describe(`the start-up check binds ENCRYPTION_KEY to the live keys (${databaseKind})`, () => {
	it('after rekey A→B, A alone fails the check (its canary is gone), a write under A is refused, and rekey audited the retirement', async () => {
		const c = await fresh();
		const a = Buffer.from(c.keyHex, 'hex');
		const b = randomBytes(32);
		const idA = c.ring.currentId;
		const idB = KeyRing.from(b).currentId;
		const provider = await createProvider(c.ctx, {name: 'p', type: 'groq'});
		await addKey(c.ctx, provider.id, {secret: `gsk_${randomBytes(16).toString('hex')}`});
		const rotated = await withKeys(c.ctx, b, [a]);
		const result = await rekey(rotated);
		expect(result.retiredCanaries).toEqual([idA]);
		expect((await c.ctx.db.sql`select key_id from encryption_canary`).map((row) => row['key_id'])).toEqual([idB]);
		const [retire] = await c.ctx.db.sql`select details from audit_log where action = 'key.canary_retire'`;
		expect(retire!['details']).toEqual({retired: [idA], current: idB});

		const onlyA = await withKeys(c.ctx, a);
		expect(onlyA.keys.status).toBe('wrong');
		expect(messageOf(onlyA.keys)).toBe(`ENCRYPTION_KEY (key id ${idA}) did not write this data (key id ${idB})`);
		const before = await rowCounts(c.ctx);
		const write = await runCli(['settings', 'set', 'timeout_ms', '12000'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(write.code).toBe(1);
		expect(write.stderr).toContain(`did not write this data (key id ${idB})`);
		expect(await rowCounts(c.ctx)).toEqual(before);
		const doctor = await runCli(['doctor'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(doctor.code).toBe(1);
		expect(doctor.stdout).toContain(`FAIL  encryption key: ENCRYPTION_KEY (key id ${idA}) did not write this data`);
		expect((await withKeys(c.ctx, b)).keys.status).toBe('ok');
	});

	it('A retired but with its old canary still there (a rekey of an older eval752) is refused as retired', async () => {
		const c = await fresh();
		const a = Buffer.from(c.keyHex, 'hex');
		const b = randomBytes(32);
		const provider = await createProvider(c.ctx, {name: 'p', type: 'groq'});
		await addKey(c.ctx, provider.id, {secret: `gsk_${randomBytes(16).toString('hex')}`});
		await rekey(await withKeys(c.ctx, b, [a]));
		await c.ctx.db.sql`insert into encryption_canary (key_id, ciphertext) values (${c.ring.currentId}, ${c.ring.encrypt('encryption_canary', c.ring.currentId, CANARY_PLAINTEXT)})`;
		const retired = (await withKeys(c.ctx, a)).keys;
		expect(messageOf(retired)).toBe(`ENCRYPTION_KEY (key id ${c.ring.currentId}) is retired: the data is now under key id ${KeyRing.from(b).currentId} (eval752 rekey moved it there)`);
		// The advice once, as the hint: never a second time inside the message.
		expect(retired.status === 'wrong' && retired.hint).toBe(`set ENCRYPTION_KEY to the key with id ${KeyRing.from(b).currentId}`);
	});

	it('a database that never stored a secret but was changed is bound by its audit head: another key fails; an untouched one accepts any key', async () => {
		const untouched = await fresh();
		expect((await withKeys(untouched.ctx, randomBytes(32))).keys.status).toBe('ok');

		const c = await fresh();
		await setSetting(c.ctx, 'timeout_ms', 15000);
		expect((await c.ctx.db.sql`select count(*)::int as n from encryption_canary`)[0]!['n']).toBe(0);
		const other = randomBytes(32);
		const state = (await withKeys(c.ctx, other)).keys;
		expect(state.status).toBe('wrong');
		expect(messageOf(state)).toBe(`ENCRYPTION_KEY (key id ${KeyRing.from(other).currentId}) did not write this data (key id ${c.ring.currentId})`);
		expect((await checkKey(c.ctx.db.sql, c.ring)).status).toBe('ok');
	});

	it('a head whose MAC no longer matches fails the check; a previous key still configured mid-rotation passes', async () => {
		const c = await fresh();
		await setSetting(c.ctx, 'timeout_ms', 15000);
		const next = randomBytes(32);
		expect((await withKeys(c.ctx, next, [Buffer.from(c.keyHex, 'hex')])).keys.status).toBe('ok');
		await c.ctx.db.sql`update audit_head set rows = rows + 1`;
		const altered = await checkKey(c.ctx.db.sql, c.ring);
		expect(messageOf(altered)).toBe(`The audit head record does not match its MAC under key id ${c.ring.currentId}: it was altered, or this is not the key that signed it`);
		expect(altered.status === 'wrong' && altered.hint).toBe('run eval752 audit verify');
	});
});

import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {countAudit, tailAudit, verifyAudit} from '../source/services/audit.js';
import {addKey, deleteKey, listKeys, setKeyPriority, setKeyStatus} from '../source/services/keys.js';
import {addModel, deleteModel, listModels, updateModel} from '../source/services/models.js';
import {createProvider, deleteProvider, listProviders, setProviderEnabled, updateProvider} from '../source/services/providers.js';
import {setSetting} from '../source/services/settings.js';
import {UserError} from '../source/errors.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';

let c: TestContext;

beforeAll(async () => {
	c = await testContext();
});

afterAll(async () => {
	await c.t.drop();
});

/** mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const SEED = 752;

describe(`audit log (${databaseKind})`, () => {
	it(`after 100 random operations (seed ${SEED}) the chain verifies and holds one row per successful mutation`, async () => {
		const next = random(SEED);
		const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
		const names = ['alpha', 'beta', 'Gamma', 'delta', 'ALPHA'];
		// A small pool of secrets makes duplicates (refusals) part of the run.
		const secrets = Array.from({length: 12}, (_, i) => `sk-random-${SEED}-${i}-abcdefghijklmnop`);
		const actors = ['alice@ops', 'bob@ops', 'carol@ops'];
		const startAudit = await countAudit(c.ctx);

		const operations: Record<string, () => Promise<unknown>> = {
			'provider.create': () => createProvider(c.as(pick(actors)), {name: pick(names), type: pick(['openai', 'groq', 'mistral'])}),
			'provider.update': async () => {
				const provider = pick(await listProviders(c.ctx));
				// Sometimes a stale version: a conflict, which must write nothing.
				const version = next() < 0.25 ? provider.version - 1 : provider.version;
				return updateProvider(c.as(pick(actors)), provider.id, Math.max(1, version), {rateLimits: {rpm: 1 + Math.floor(next() * 100)}});
			},
			'provider.toggle': async () => {
				const provider = pick(await listProviders(c.ctx));
				return setProviderEnabled(c.ctx, provider.id, next() < 0.5);
			},
			'provider.delete': async () => {
				const provider = pick(await listProviders(c.ctx));
				return deleteProvider(c.ctx, provider.id, {force: next() < 0.3});
			},
			'key.add': async () => addKey(c.ctx, pick(await listProviders(c.ctx)).id, {secret: pick(secrets), label: pick(['', 'ci', 'prod'])}),
			'key.status': async () => {
				const keys = await listKeys(c.ctx, pick(await listProviders(c.ctx)).id);
				return setKeyStatus(c.ctx, pick(keys).id, pick(['active', 'disabled'] as const));
			},
			'key.priority': async () => {
				const keys = await listKeys(c.ctx, pick(await listProviders(c.ctx)).id);
				return setKeyPriority(c.ctx, pick(keys).id, next() < 0.1 ? 5000 : Math.floor(next() * 10));
			},
			'key.delete': async () => {
				const keys = await listKeys(c.ctx, pick(await listProviders(c.ctx)).id);
				return deleteKey(c.ctx, pick(keys).id, {force: next() < 0.3});
			},
			'model.add': async () => addModel(c.ctx, pick(await listProviders(c.ctx)).id, {modelName: pick(['m-small', 'm-large', 'm large', 'm-huge']), alias: pick([null, 'fast', 'Smart', 'bad alias'])}),
			'model.update': async () => {
				const model = pick(await listModels(c.ctx));
				return updateModel(c.ctx, model.id, model.version, {displayLabel: pick(['Small', 'Large', '', 'x'.repeat(80)])});
			},
			'model.delete': async () => deleteModel(c.ctx, pick(await listModels(c.ctx)).id),
			'setting.set': async () => setSetting(c.ctx, pick(['timeout_ms', 'temperature', 'max_retries', 'nonsense']), pick(['5000', '0.5', '3', '-1', 'abc'])),
		};

		let succeeded = 0;
		let refused = 0;
		for (let i = 0; i < 100; i++) {
			const name = pick(Object.keys(operations));
			const before = await countAudit(c.ctx);
			try {
				await operations[name]!();
				succeeded++;
				expect(await countAudit(c.ctx), `operation ${i} (${name}) wrote one audit row`).toBe(before + 1);
			} catch (error) {
				// Picking from an empty list throws a TypeError before any write: that counts as refused too.
				if (!(error instanceof UserError) && !(error instanceof TypeError)) throw error;
				refused++;
				expect(await countAudit(c.ctx), `refused operation ${i} (${name}) wrote no audit row`).toBe(before);
			}
		}
		expect(succeeded).toBeGreaterThan(30);
		expect(refused).toBeGreaterThan(5);
		expect(await countAudit(c.ctx)).toBe(startAudit + succeeded);
		expect(await verifyAudit(c.ctx)).toMatchObject({ok: true, rows: startAudit + succeeded, macs: 'checked', brokenSeq: null, head: {seq: startAudit + succeeded, status: 'ok'}});
		const seqs = (await tailAudit(c.ctx, 10_000)).map((row) => row.seq);
		expect(seqs).toEqual(Array.from({length: seqs.length}, (_, i) => i + 1));
	});

	it('refuses UPDATE, DELETE and TRUNCATE on the audit log', async () => {
		const before = await rowCounts(c.ctx);
		await expect(c.ctx.db.sql`update audit_log set actor = 'mallory' where seq = 1`).rejects.toThrow(/append-only/);
		await expect(c.ctx.db.sql`delete from audit_log where seq = 1`).rejects.toThrow(/append-only/);
		await expect(c.ctx.db.sql`truncate audit_log`).rejects.toThrow(/append-only/);
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('names the altered row when one is edited behind the triggers\' back, in the service and the CLI', async () => {
		const rows = await countAudit(c.ctx);
		expect(rows).toBeGreaterThan(10);
		const target = Math.ceil(rows / 2);
		await c.ctx.db.sql.begin(async (tx) => {
			await tx`alter table audit_log disable trigger user`;
			await tx`update audit_log set details = jsonb_set(details, '{tampered}', 'true'::jsonb) where seq = ${target}`;
			await tx`alter table audit_log enable trigger user`;
		});
		expect(await verifyAudit(c.ctx)).toMatchObject({ok: false, rows: target, brokenSeq: target, kind: 'edited', reason: `row ${target} does not match its MAC: it was altered after it was written`});
		const env = {ENCRYPTION_KEY: c.keyHex};
		const text = await runCli(['audit', 'verify'], {database: c.t.db, env});
		expect(text.code).toBe(1);
		expect(text.stdout.split('\n')[0]).toBe(`Audit chain broken at seq ${target} (edited): row ${target} does not match its MAC: it was altered after it was written`);
		const json = await runCli(['audit', 'verify', '--json'], {database: c.t.db, env});
		expect(json.code).toBe(1);
		expect(JSON.parse(json.stdout)).toMatchObject({ok: false, brokenSeq: target});
	});
});

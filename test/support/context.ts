import {randomBytes} from 'node:crypto';
import {KeyRing} from '../../source/crypto/index.js';
import {expect} from 'vitest';
import {ValidationError} from '../../source/errors.js';
import {checkKey} from '../../source/services/canary.js';
import type {ServiceContext} from '../../source/services/context.js';
import {freshDatabase, type TestDatabase} from './db.js';

export interface TestContext {
	readonly t: TestDatabase;
	readonly ctx: ServiceContext;
	readonly ring: KeyRing;
	/** The raw ENCRYPTION_KEY as hex (for commands run with an environment). */
	readonly keyHex: string;
	/** The same database seen by another operator (another actor), for conflict tests. */
	as(actor: string, options?: {readOnly?: boolean}): ServiceContext;
}

/** A migrated fresh database, a random key ring accepted by the canary, and a service context. */
export async function testContext(options: {actor?: string; key?: Buffer; previous?: Buffer[]} = {}): Promise<TestContext> {
	const t = await freshDatabase();
	const key = options.key ?? randomBytes(32);
	const ring = KeyRing.from(key, options.previous ?? []);
	const keys = await checkKey(t.db.sql, ring);
	const ctx: ServiceContext = {db: t.db, actor: options.actor ?? 'tester@test', keys, readOnly: false};
	return {
		t,
		ctx,
		ring,
		keyHex: key.toString('hex'),
		as: (actor, extra = {}) => ({...ctx, actor, readOnly: extra.readOnly ?? false}),
	};
}

/** Row counts of every table, to prove a refused operation wrote nothing. */
export async function rowCounts(ctx: ServiceContext): Promise<Record<string, number>> {
	const tables = ['providers', 'provider_keys', 'models', 'settings', 'smoke_runs', 'comparison_runs', 'comparison_results', 'audit_log', 'encryption_canary'] as const;
	const counts: Record<string, number> = {};
	for (const table of tables) {
		const [row] = await ctx.db.sql<{n: number}[]>`select count(*)::int as n from ${ctx.db.sql(table)}`;
		counts[table] = row!.n;
	}
	return counts;
}

/** The operation is refused with a message for `field`, and writes nothing at all. */
export async function expectRefused(ctx: ServiceContext, work: () => Promise<unknown>, field: string, message: RegExp): Promise<void> {
	const before = await rowCounts(ctx);
	const error = await work().then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error, `expected ${field} to be refused`).toBeInstanceOf(ValidationError);
	expect((error as ValidationError).issues[field]).toMatch(message);
	expect(await rowCounts(ctx)).toEqual(before);
}

import postgres from 'postgres';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openServer} from '../../source/db/connect.js';
import type {Database} from '../../source/db/types.js';
import {createProvider} from '../../source/services/providers.js';
import {databaseKind, testServerUrl} from '../support/db.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard} from '../render.js';

/**
 * What only a shared server has: other operators on other connections, and connections that
 * can be taken away. Each dashboard here has its own pool (and its own LISTEN connection).
 */
describe.runIf(databaseKind === 'server')('dashboards on a shared PostgreSQL', () => {
	let c: TestContext;
	const opened: Database[] = [];
	const connect = async () => {
		const db = await openServer(c.t.url!);
		opened.push(db);
		return {...c.ctx, db};
	};

	beforeAll(async () => {
		c = await testContext();
		await createProvider(c.ctx, {name: 'shared-one', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1'});
	});
	afterAll(async () => {
		for (const db of opened) await db.close();
		await c.t.drop();
	});

	it('shows another operator’s change (made on another connection) within 2 s', async () => {
		const alice = await renderDashboard(await connect());
		const bob = await renderDashboard({...(await connect()), actor: 'bob@ops'});
		try {
			await alice.waitFor(/shared-one/);
			await bob.waitFor(/shared-one/);
			// A third connection, as a headless command on another machine would be.
			const carol = {...(await connect()), actor: 'carol@ops'};
			const started = Date.now();
			await createProvider(carol, {name: 'from-carol', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1'});
			await alice.waitFor(/from-carol/, {timeout: 2000});
			await bob.waitFor(/from-carol/, {timeout: 2000});
			expect(Date.now() - started).toBeLessThan(2000);
		} finally {
			alice.unmount();
			bob.unmount();
		}
	});

	it('shows "database unreachable — retrying" when its connection is terminated, then recovers by itself', async () => {
		const ui = await renderDashboard(await connect());
		const admin = postgres(testServerUrl!, {max: 1, onnotice: () => undefined});
		try {
			await ui.waitFor(/shared-one/);
			const dbName = new URL(c.t.url!).pathname.slice(1);
			const killed = await admin`
				select pg_terminate_backend(pid) as ok from pg_stat_activity
				where datname = ${dbName} and application_name = 'eval752' and pid <> pg_backend_pid()`;
			expect(killed.length).toBeGreaterThan(0);
			await ui.waitFor('database unreachable — retrying', {timeout: 5000});
			await ui.waitFor('Database reachable again — reloaded', {timeout: 10_000});
			const recovered = await ui.waitFor((frame) => !frame.includes('database unreachable') && /shared-one/.test(frame));
			expect(recovered).toContain('[1] Providers');
			// The board keeps working on the new connection: a change still shows up.
			await createProvider(c.ctx, {name: 'after-recovery', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1'});
			await ui.waitFor(/after-recovery/, {timeout: 5000});
		} finally {
			ui.unmount();
			await admin.end({timeout: 5});
		}
	});

	it('a save whose connection is terminated: one clear line in the form, nothing half-applied, Enter again saves', async () => {
		const ctx = await connect();
		const ui = await renderDashboard(ctx);
		const admin = postgres(testServerUrl!, {max: 1, onnotice: () => undefined});
		try {
			await ui.waitFor(/shared-one/);
			await ui.press(':');
			await ui.type('provider shared-one');
			await ui.press('enter');
			await ui.waitFor(/›shared-one/);
			await ui.press('e');
			await ui.waitFor('Edit provider shared-one');
			await ui.press('tab', 'tab', 'tab', 'tab', 'tab');
			await ui.waitFor(/› Requests\/min/);
			await ui.type('77');
			const before = await ctx.db.sql`select version, rate_limits from providers where name = 'shared-one'`;
			const dbName = new URL(c.t.url!).pathname.slice(1);
			// Every connection of this dashboard, as a server restart or a failover would do it.
			await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${dbName} and application_name = 'eval752' and pid <> pg_backend_pid()`;
			await ui.press('enter');
			const failed = await ui.waitFor(/✕ .*(connection|database)/i);
			expect(failed).not.toMatch(/at .*\(.*\.ts:\d+|TypeError|unexpected error/);
			const during = await c.ctx.db.sql`select version, rate_limits from providers where name = 'shared-one'`;
			expect(during).toEqual(before);
			// The form kept what was typed; Enter again goes through on a new connection.
			await ui.press('enter');
			await ui.waitFor('Provider shared-one saved');
			const [after] = await c.ctx.db.sql<{rpm: number}[]>`select (rate_limits->>'rpm')::int as rpm from providers where name = 'shared-one'`;
			expect(after!.rpm).toBe(77);
		} finally {
			ui.unmount();
			await admin.end({timeout: 5});
		}
	});
});

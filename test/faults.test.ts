import postgres from 'postgres';
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest';
import {openServer} from '../source/db/connect.js';
import {verifyAuditChain} from '../source/services/audit-chain.js';
import type {Database} from '../source/db/types.js';
import {UserError} from '../source/errors.js';
import type {ServiceContext} from '../source/services/context.js';
import {DatabaseFault, presentError} from '../source/services/faults.js';
import {createProvider, getProvider, listProviders, updateProvider} from '../source/services/providers.js';
import {setSetting} from '../source/services/settings.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {interruptAuditAppend} from './support/interrupt.js';
import {armCut, disarmAll, startProxy} from './support/wire-faults.js';

// Every embedded connection goes through a tap that can cut it at an exact protocol step.
vi.mock('../source/db/session-server.js', async (original) => (await import('./support/wire-faults.js')).tappedSessionServerModule(await original()));

/**
 * Database faults as the services meet them (RELIABILITY cases 29, 30, 33): a connection
 * killed inside a transaction, a connection lost around COMMIT, a read cut off, lock and
 * statement timeouts, serialization failures. Each ends in one operator's sentence, a rollback,
 * and a state read back from the database — never a half-applied write or a write applied twice.
 *
 * On a real server the faults are real (pg_terminate_backend, lock_timeout, statement_timeout)
 * or injected by a TCP proxy that cuts the connection at an exact protocol step. On the
 * embedded database the same cut happens on the socket server's side of the connection; PGlite
 * has no lock waits (one session) and ignores statement_timeout, so those two errors are raised
 * there by a trigger with the SQLSTATE and text a real timeout has.
 */

let c: TestContext;
let counter = 0;

beforeAll(async () => {
	c = await testContext();
});

afterEach(() => {
	disarmAll();
});

afterAll(async () => {
	await c.t.drop();
});

function name(prefix: string): string {
	return `${prefix}-${++counter}`;
}

/** The database behind a tap: on a server a second pool through a TCP proxy; embedded, its own (tapped) connection. */
async function tapped(): Promise<{ctx: ServiceContext; close(): Promise<void>}> {
	if (!c.t.url) return {ctx: c.as('tapped@test'), close: async () => undefined};
	const target = new URL(c.t.url);
	const proxy = await startProxy({host: target.hostname, port: Number(target.port || 5432)});
	const through = new URL(c.t.url);
	through.hostname = '127.0.0.1';
	through.port = String(proxy.port);
	const db: Database = await openServer(through.toString());
	return {
		ctx: {...c.ctx, db, actor: 'tapped@test'},
		async close() {
			await db.close();
			await proxy.close();
		},
	};
}

async function caught(work: () => Promise<unknown>): Promise<unknown> {
	return work().then(
		(value) => ({resolved: value}),
		(error: unknown) => error,
	);
}

async function auditActions(targetId: string): Promise<string[]> {
	const rows = await c.ctx.db.sql<{action: string}[]>`select action from audit_log where target_id = ${targetId} order by seq`;
	return rows.map((row) => row.action);
}

describe(`lost connections (${databaseKind})`, () => {
	it('case 29: a connection killed inside a transaction leaves nothing half-applied, says so in one sentence, and the next action reconnects', async () => {
		const provider = await createProvider(c.ctx, {name: name('killed'), type: 'openai', rateLimits: {rpm: 5}});
		const before = await rowCounts(c.ctx);
		const interruption = await interruptAuditAppend(c.t);
		let error: unknown;
		try {
			error = await caught(() => updateProvider(c.ctx, provider.id, 1, {rateLimits: {rpm: 50}, baseUrl: 'https://gateway.example/v1'}));
			await interruption.done;
		} finally {
			await interruption.release();
		}
		expect(error).toBeInstanceOf(DatabaseFault);
		expect((error as DatabaseFault).kind).toBe('connection-lost');
		expect((error as Error).message).toMatch(/^The connection to the database is lost \(.+\); nothing was changed$/);
		expect(presentError(error)).toMatchObject({unexpected: false, hint: expect.stringMatching(/^run it again/)});
		// Nothing of the edit, no audit row: the server (or the embedded socket server) rolled it back.
		expect(await getProvider(c.ctx, provider.id)).toMatchObject({version: 1, rateLimits: {rpm: 5}, baseUrl: provider.baseUrl});
		expect(await rowCounts(c.ctx)).toEqual(before);
		// The next action opens a new connection by itself.
		const again = await updateProvider(c.ctx, provider.id, 1, {rateLimits: {rpm: 50}});
		expect(again).toMatchObject({version: 2, rateLimits: {rpm: 50}});
		expect(await auditActions(provider.id)).toEqual(['provider.create', 'provider.update']);
		expect((await verifyAuditChain(c.ctx.db.sql, c.ring)).ok).toBe(true);
	});

	it('case 29: a read cut off by a lost connection runs once more on a new connection; a second loss is one clear error', async () => {
		const provider = await createProvider(c.ctx, {name: name('read'), type: 'openai'});
		const through = await tapped();
		try {
			const cut = armCut({kind: 'client-runs', sql: /from providers p/});
			const listed = await listProviders(through.ctx);
			await cut;
			expect(listed.map((entry) => entry.name)).toContain(provider.name);

			const first = armCut({kind: 'client-runs', sql: /from providers p/});
			const second = armCut({kind: 'client-runs', sql: /from providers p/});
			const error = await caught(() => listProviders(through.ctx));
			await Promise.all([first, second]);
			expect(error).toBeInstanceOf(DatabaseFault);
			expect((error as Error).message).toMatch(/^The connection to the database is lost \(.+\)$/);
			// And then it works again.
			expect((await listProviders(through.ctx)).map((entry) => entry.name)).toContain(provider.name);
		} finally {
			await through.close();
		}
	});

	it.runIf(databaseKind === 'server')('case 29: a read whose session is ended by pg_terminate_backend while it waits is run again and answers', async () => {
		const provider = await createProvider(c.ctx, {name: name('terminated-read'), type: 'openai'});
		const admin = postgres(c.t.url!, {max: 2, onnotice: () => undefined});
		const holder = await admin.reserve();
		try {
			await holder`begin`;
			// Readers wait behind an exclusive table lock: the read is in flight when its session ends.
			await holder`lock table providers in access exclusive mode`;
			const reading = listProviders(c.ctx);
			let terminated = 0;
			while (terminated === 0) {
				const rows = await admin<{pid: number}[]>`
					select pid from pg_locks where relation = 'providers'::regclass and not granted
						and database = (select oid from pg_database where datname = current_database())`;
				for (const row of rows) {
					await admin`select pg_terminate_backend(${row.pid})`;
					terminated++;
				}
			}
			await holder`commit`;
			expect((await reading).map((entry) => entry.name)).toContain(provider.name);
		} finally {
			holder.release();
			await admin.end({timeout: 5});
		}
	});
});

describe(`case 30: a connection lost during COMMIT (${databaseKind})`, () => {
	it('case 30: lost before the database committed — the state is read back, the operator hears nothing was changed, a re-run applies it once', async () => {
		const provider = await createProvider(c.ctx, {name: name('commit-lost'), type: 'openai', rateLimits: {rpm: 5}});
		const through = await tapped();
		try {
			const cut = armCut({kind: 'client-runs', sql: /^commit$/i});
			const error = await caught(() => updateProvider(through.ctx, provider.id, 1, {rateLimits: {rpm: 60}}));
			await cut;
			expect(error).toBeInstanceOf(DatabaseFault);
			expect((error as Error).message).toMatch(/; nothing was changed$/);
			expect(await getProvider(c.ctx, provider.id)).toMatchObject({version: 1, rateLimits: {rpm: 5}});
			expect(await auditActions(provider.id)).toEqual(['provider.create']);

			const applied = await updateProvider(through.ctx, provider.id, 1, {rateLimits: {rpm: 60}});
			expect(applied).toMatchObject({version: 2, rateLimits: {rpm: 60}});
			expect(await auditActions(provider.id)).toEqual(['provider.create', 'provider.update']);
		} finally {
			await through.close();
		}
	});

	it('case 30: lost after the database committed — the state is read back and the change reported as done, never applied twice', async () => {
		const provider = await createProvider(c.ctx, {name: name('answer-lost'), type: 'openai', rateLimits: {rpm: 5}});
		const through = await tapped();
		try {
			const cut = armCut({kind: 'server-completes', tag: /^COMMIT/});
			const updated = await updateProvider(through.ctx, provider.id, 1, {rateLimits: {rpm: 60}, capabilities: ['tools']});
			await cut;
			expect(updated).toMatchObject({version: 2, rateLimits: {rpm: 60}, capabilities: ['tools']});
			expect(await getProvider(c.ctx, provider.id)).toMatchObject({version: 2, rateLimits: {rpm: 60}, capabilities: ['tools']});
			// Exactly one update: nothing was retried.
			expect(await auditActions(provider.id)).toEqual(['provider.create', 'provider.update']);
			expect((await verifyAuditChain(c.ctx.db.sql, c.ring)).ok).toBe(true);
		} finally {
			await through.close();
		}
	});

	it('case 30: when even the read-back fails, the operator hears "unknown" and where to look — and the audit row named is the truth', async () => {
		const through = await tapped();
		try {
			const cuts = [
				armCut({kind: 'server-completes', tag: /^COMMIT/}),
				armCut({kind: 'client-runs', sql: /from audit_log where seq/}),
				armCut({kind: 'client-runs', sql: /from audit_log where seq/}),
			];
			const error = await caught(() => setSetting(through.ctx, 'max_retries', 5));
			await Promise.all(cuts);
			expect(error).toBeInstanceOf(DatabaseFault);
			expect((error as Error).message).toBe('The connection to the database is lost while the change (setting.set) is being committed; whether it was saved is unknown');
			const seq = /at seq (\d+)/.exec((error as UserError).hint ?? '')?.[1];
			expect((error as UserError).hint).toMatch(/^check eval752 audit tail for a setting\.set row at seq \d+ before running it again$/);
			// The commit did land here: the row the hint names is in the log, and the value is set once.
			const [row] = await c.ctx.db.sql<{action: string}[]>`select action from audit_log where seq = ${Number(seq)}`;
			expect(row?.action).toBe('setting.set');
			const [setting] = await c.ctx.db.sql<{value: unknown; version: number}[]>`select value, version from settings where key = 'max_retries'`;
			expect(setting).toEqual({value: 5, version: 1});
		} finally {
			await through.close();
		}
	});
});

/** Makes every UPDATE of `table` fail with this SQLSTATE and message, as the database itself would. */
async function failUpdates(table: 'providers' | 'settings', state: string, message: string): Promise<() => Promise<void>> {
	const {sql} = c.ctx.db;
	await sql.unsafe(`
		create or replace function eval752_test_fault() returns trigger language plpgsql as $$
		begin raise exception using errcode = '${state}', message = '${message}'; end $$`);
	await sql.unsafe(`create trigger eval752_test_fault before update on ${table} for each row execute function eval752_test_fault()`);
	return async () => {
		await sql.unsafe(`drop trigger eval752_test_fault on ${table}`);
		await sql.unsafe('drop function eval752_test_fault()');
	};
}

describe(`case 33: statement and lock timeouts (${databaseKind})`, () => {
	it('case 33: a lock wait or statement past its limit, and a serialization failure, each roll the edit back and say what happened', async () => {
		const cases = [
			{state: '55P03', message: 'canceling statement due to lock timeout', expected: /^Another session holds a lock on the rows this needs, and the wait for it ran out; nothing was changed$/, kind: 'lock-timeout'},
			{state: '57014', message: 'canceling statement due to statement timeout', expected: /^A database statement runs past its time limit and is cancelled; nothing was changed$/, kind: 'statement-timeout'},
			{state: '40001', message: 'could not serialize access due to concurrent update', expected: /^Another session changes the same rows at the same moment \(serialization failure\); nothing was changed$/, kind: 'serialization'},
		];
		for (const fault of cases) {
			const provider = await createProvider(c.ctx, {name: name('timeout'), type: 'openai', rateLimits: {rpm: 5}});
			const before = await rowCounts(c.ctx);
			const restore = await failUpdates('providers', fault.state, fault.message);
			let error: unknown;
			try {
				error = await caught(() => updateProvider(c.ctx, provider.id, 1, {rateLimits: {rpm: 9}}));
			} finally {
				await restore();
			}
			expect(error, fault.state).toBeInstanceOf(DatabaseFault);
			expect((error as DatabaseFault).kind).toBe(fault.kind);
			expect((error as Error).message).toMatch(fault.expected);
			expect(presentError(error).unexpected).toBe(false);
			expect(await rowCounts(c.ctx)).toEqual(before);
			expect((await getProvider(c.ctx, provider.id)).version).toBe(1);
			// The session is fine afterwards: the same edit goes through.
			expect((await updateProvider(c.ctx, provider.id, 1, {rateLimits: {rpm: 9}})).version).toBe(2);
		}
	});

	it.runIf(databaseKind === 'server')('case 33: on a server, a real lock wait and a real statement timeout behind another session’s lock end cleanly and roll back', async () => {
		const provider = await createProvider(c.ctx, {name: name('locked'), type: 'openai', rateLimits: {rpm: 5}});
		const admin = postgres(c.t.url!, {max: 1, onnotice: () => undefined});
		const holder = await admin.reserve();
		const impatient = await openServer(c.t.url!, {lockTimeoutMs: 200});
		const slow = await openServer(c.t.url!, {statementTimeoutMs: 200});
		try {
			await holder`begin`;
			await holder`select id from providers where id = ${provider.id} for update`;
			const lockError = await caught(() => updateProvider({...c.ctx, db: impatient}, provider.id, 1, {rateLimits: {rpm: 7}}));
			expect(lockError).toBeInstanceOf(DatabaseFault);
			expect((lockError as DatabaseFault).kind).toBe('lock-timeout');
			const statementError = await caught(() => updateProvider({...c.ctx, db: slow}, provider.id, 1, {rateLimits: {rpm: 7}}));
			expect(statementError).toBeInstanceOf(DatabaseFault);
			expect((statementError as DatabaseFault).kind).toBe('statement-timeout');
			await holder`rollback`;
			expect(await getProvider(c.ctx, provider.id)).toMatchObject({version: 1, rateLimits: {rpm: 5}});
			expect(await auditActions(provider.id)).toEqual(['provider.create']);
			// Both sessions recover once the lock is gone.
			expect((await updateProvider({...c.ctx, db: impatient}, provider.id, 1, {rateLimits: {rpm: 7}})).version).toBe(2);
		} finally {
			holder.release();
			await admin.end({timeout: 5});
			await impatient.close();
			await slow.close();
		}
	});
});

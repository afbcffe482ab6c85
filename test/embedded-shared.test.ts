import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {PGlite} from '@electric-sql/pglite';
import postgres from 'postgres';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {DataPaths} from '../source/config/paths.js';
import {joinEmbedded, openEmbedded} from '../source/db/embedded.js';
import {lockHolder} from '../source/db/lock.js';
import {pingDatabase} from '../source/services/connection.js';
import {migrate} from '../source/db/migrate.js';
import {SessionServer} from '../source/db/session-server.js';
import type {Change, Database, Sql} from '../source/db/types.js';
import {freshEmbeddedDir} from './support/db.js';
import {startMockProvider} from './support/mock-provider.js';
import {ensureEmbeddedTemplate, tempDir} from './secrets-fixtures.js';

/**
 * One embedded database, many processes: while a dashboard or `watch` holds the data directory,
 * the other eval752 commands of the same user reach it through the holder's socket (0600, in the
 * 0700 data directory). PGlite is ONE session, so the socket server hands it to one client at a
 * time: a whole transaction or batch, never two clients' statements interleaved. These tests
 * open a holder, join it from this process and from real eval752 processes, and look at the
 * database each time. They run on the embedded database whatever TEST_DATABASE_URL says.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const KEY = 'a'.repeat(64);
const dirs: string[] = [];
let work: string;

function newDir(): DataPaths {
	const paths = freshEmbeddedDir();
	dirs.push(paths.dataDir);
	return paths;
}

/** A holder as the dashboard opens it: migrated, then sharing. */
async function holder(paths: DataPaths): Promise<Database> {
	const db = await openEmbedded(paths);
	await migrate(db.sql);
	await db.share!();
	return db;
}

async function join(paths: DataPaths): Promise<Database> {
	const joined = await joinEmbedded(paths, process.pid);
	if (!joined) throw new Error('could not join');
	return joined;
}

function cliEnv(paths: DataPaths): NodeJS.ProcessEnv {
	return {PATH: process.env['PATH'], HOME: work, EVAL752_DATA_DIR: paths.dataDir, EVAL752_LOG_FILE: path.join(work, 'child.log'), EVAL752_ACTOR: 'second@test', ENCRYPTION_KEY: KEY};
}

/** The built eval752 in its own process, with `stdin` piped in. */
function eval752(paths: DataPaths, args: readonly string[], stdin = ''): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cli, ...args], {cwd: work, env: cliEnv(paths)});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.once('error', reject);
		child.once('close', (code) => resolve({code: code ?? -1, stdout, stderr}));
		child.stdin.end(stdin);
	});
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
	work = tempDir('shared');
	await ensureEmbeddedTemplate();
}, 120_000);

afterAll(() => {
	for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true});
	fs.rmSync(work, {recursive: true, force: true});
});

describe('the session server: one client at a time in the one PGlite session', () => {
	it('a transaction of one client is whole: another client waits for its COMMIT and never sees its rows before', async () => {
		const paths = newDir();
		const db = await holder(paths);
		const guest = await join(paths);
		try {
			await db.sql`create table marks (note text)`;
			const order: string[] = [];
			let seen: unknown;
			let read: Promise<void> | undefined;
			await db.sql.begin(async (tx) => {
				await tx`insert into marks values ('uncommitted')`;
				// The guest asks now, while the transaction is open.
				read = guest.sql`select count(*)::int as n from marks`.then((rows) => {
					order.push('guest read');
					seen = rows[0]!.n;
				});
				await tick(300);
				order.push('holder commits');
			});
			await read;
			expect(order).toEqual(['holder commits', 'guest read']);
			expect(seen).toBe(1);

			// Rolled back: the guest never sees it.
			await db.sql
				.begin(async (tx) => {
					await tx`insert into marks values ('rolled back')`;
					void guest.sql`select count(*)::int as n from marks`.then((rows) => (seen = rows[0]!.n));
					await tick(200);
					throw new Error('undo');
				})
				.catch(() => undefined);
			await tick(100);
			expect(seen).toBe(1);
		} finally {
			await guest.close();
			await db.close();
		}
	});
});

/** PGlite on a fresh directory behind a SessionServer with one guest socket, and clients for it. */
async function serve(options: {idleInTransactionMs?: number} = {}) {
	const paths = newDir();
	const pglite = await PGlite.create(paths.pgdata);
	const server = new SessionServer(pglite, options);
	const socket = path.join(paths.dataDir, 'guest.sock');
	await server.listen(socket, {own: false});
	const clients: Sql[] = [];
	return {
		pglite,
		server,
		socket,
		client(): Sql {
			const sql = postgres({path: socket, max: 1, onnotice: () => undefined}) as unknown as Sql;
			clients.push(sql);
			return sql;
		},
		async close() {
			await Promise.all(clients.map((sql) => sql.end({timeout: 1}).catch(() => undefined)));
			await server.close();
			await pglite.close();
		},
	};
}

/** A client that speaks the wire protocol by hand: it sends exactly the messages a test names, when it says. */
class RawClient {
	readonly socket: net.Socket;
	#received = Buffer.alloc(0);
	readonly #waiters: Array<() => void> = [];
	constructor(socketPath: string) {
		this.socket = net.connect({path: socketPath});
		this.socket.on('data', (chunk: Buffer) => {
			this.#received = Buffer.concat([this.#received, chunk]);
			for (const wake of this.#waiters.splice(0)) wake();
		});
		this.socket.on('error', () => undefined);
	}
	static message(type: string, body: Buffer): Buffer {
		const header = Buffer.alloc(5);
		header.write(type, 0, 'latin1');
		header.writeInt32BE(body.length + 4, 1);
		return Buffer.concat([header, body]);
	}
	async start(): Promise<void> {
		const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
		const head = Buffer.alloc(8);
		head.writeInt32BE(params.length + 8, 0);
		head.writeInt32BE(196_608, 4);
		this.socket.write(Buffer.concat([head, params]));
		await this.until('Z');
	}
	parse(text: string, name = ''): this {
		this.socket.write(RawClient.message('P', Buffer.concat([Buffer.from(`${name}\0${text}\0`), Buffer.from([0, 0])])));
		return this;
	}
	bind(statement = ''): this {
		// Portal '', the statement, no parameter formats, no parameters, no result formats.
		this.socket.write(RawClient.message('B', Buffer.concat([Buffer.from(`\0${statement}\0`), Buffer.from([0, 0, 0, 0, 0, 0])])));
		return this;
	}
	execute(): this {
		this.socket.write(RawClient.message('E', Buffer.from([0, 0, 0, 0, 0])));
		return this;
	}
	sync(): this {
		this.socket.write(RawClient.message('S', Buffer.alloc(0)));
		return this;
	}
	query(text: string): this {
		this.socket.write(RawClient.message('Q', Buffer.from(`${text}\0`)));
		return this;
	}
	/** Message types received so far, in order. */
	types(): string {
		let types = '';
		for (let offset = 0; offset + 5 <= this.#received.length; offset += 1 + this.#received.readInt32BE(offset + 1)) types += String.fromCharCode(this.#received[offset]!);
		return types;
	}
	/** Waits until `count` messages of `type` have arrived. */
	async until(type: string, count = 1): Promise<void> {
		while ([...this.types()].filter((t) => t === type).length < count) {
			if (this.socket.destroyed) throw new Error(`connection closed before ${type}`);
			await new Promise<void>((resolve) => {
				this.#waiters.push(resolve);
				setTimeout(resolve, 50);
			});
		}
	}
	text(): string {
		return this.#received.toString('latin1');
	}
	end(): void {
		this.socket.destroy();
	}
}

describe('the session server, message by message', () => {
	it('an extended-protocol batch is whole: nobody else runs between a Parse/Bind and its Sync', async () => {
		const s = await serve();
		const raw = new RawClient(s.socket);
		const other = s.client();
		try {
			await raw.start();
			raw.parse("select 'raw' as who").bind();
			await tick(100);
			let answered = false;
			const asked = other`select 'other' as who`.then((rows) => {
				answered = true;
				return rows;
			});
			await tick(400);
			// The batch is open (no Sync yet): the other client's query waits.
			expect(answered).toBe(false);
			raw.execute().sync();
			await raw.until('Z', 2);
			expect(raw.text()).toContain('raw');
			expect(await asked).toEqual([{who: 'other'}]);
			expect(s.server.stats().maxWaiting).toBeGreaterThanOrEqual(1);
		} finally {
			raw.end();
			await s.close();
		}
	});

	it('a client that goes mid-transaction is rolled back; one that goes mid-batch is closed with a Sync; its prepared statements are deallocated', async () => {
		const s = await serve();
		const sql = s.client();
		try {
			await sql`create table t (n int)`;
			const gone = new RawClient(s.socket);
			await gone.start();
			gone.query('begin; insert into t values (1)');
			await gone.until('Z', 2);
			gone.parse('select 1', 'left_behind').sync();
			await gone.until('Z', 3);
			gone.parse('select 2').bind();
			await tick(50);
			gone.end();
			expect(await sql<{n: number}[]>`select count(*)::int as n from t`).toEqual([{n: 0}]);
			expect(await sql`select 1 as one`).toEqual([{one: 1}]);
			expect((await sql<{n: number}[]>`select count(*)::int as n from pg_prepared_statements where name = 'left_behind'`)[0]!.n).toBe(0);
		} finally {
			await s.close();
		}
	});

	it('a client of another process that holds a transaction open and silent is ended, and the others go on', async () => {
		const s = await serve({idleInTransactionMs: 300});
		const sql = s.client();
		try {
			const stuck = new RawClient(s.socket);
			await stuck.start();
			stuck.query('begin');
			await stuck.until('Z', 2);
			const started = Date.now();
			expect(await sql`select 1 as one`).toEqual([{one: 1}]);
			expect(Date.now() - started).toBeGreaterThanOrEqual(250);
			expect(stuck.text()).toContain('idle-in-transaction timeout');
			expect(s.pglite.isInTransaction()).toBe(false);
		} finally {
			await s.close();
		}
	});

	it('LISTEN works across connections: a commit on one reaches every listener, and one UNLISTEN silences only itself', async () => {
		const s = await serve();
		const writer = s.client();
		const a = s.client();
		const b = s.client();
		try {
			const heardA: string[] = [];
			const heardB: string[] = [];
			const offA = await a.listen('eval752_changes', (payload) => heardA.push(payload));
			await b.listen('eval752_changes', (payload) => heardB.push(payload));
			await writer.begin(async (tx) => {
				await tx`select pg_notify('eval752_changes', 'one')`;
			});
			await waitFor(() => heardA.length === 1 && heardB.length === 1);
			await offA.unlisten();
			await writer`select pg_notify('eval752_changes', 'two')`;
			await waitFor(() => heardB.length === 2);
			expect(heardA).toEqual(['one']);
			expect(heardB).toEqual(['one', 'two']);
		} finally {
			await s.close();
		}
	});
});

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('timed out waiting');
		await tick(20);
	}
}

/** Read-modify-write with a pause between read and write: interleaved clients lose updates. */
async function bump(sql: Sql, times: number): Promise<void> {
	for (let i = 0; i < times; i++) {
		await sql.begin(async (tx) => {
			const [row] = await tx<{v: number}[]>`select v from counter where id = 1`;
			await tick(1);
			await tx`update counter set v = ${row!.v + 1} where id = 1`;
		});
	}
}

describe('three clients bumping one counter at once', () => {
	const CLIENTS = 3;
	const TIMES = 30;

	it('through the session server: every transaction whole, no update lost, and they did wait for each other', async () => {
		const s = await serve();
		const clients = Array.from({length: CLIENTS}, () => s.client());
		try {
			await clients[0]!`create table counter (id int primary key, v int not null)`;
			await clients[0]!`insert into counter values (1, 0)`;
			await Promise.all(clients.map((sql) => bump(sql, TIMES)));
			const [row] = await clients[0]!<{v: number}[]>`select v from counter where id = 1`;
			expect(row!.v).toBe(CLIENTS * TIMES);
			// Contention happened: clients queued for the session while another's transaction ran.
			expect(s.server.stats().maxWaiting).toBeGreaterThanOrEqual(2);
			expect(s.pglite.isInTransaction()).toBe(false);
		} finally {
			await s.close();
		}
	});
});

/**
 * Each client asks for its own number many times (no transaction): with messages of several
 * clients interleaved, a Bind or Execute meets another client's statement or portal, and a
 * client gets someone else's answer or an error. Returns how many answers were wrong.
 */
async function ownAnswers(sql: Sql, index: number, times = 40): Promise<number> {
	let wrong = 0;
	for (let i = 0; i < times; i++) {
		try {
			const [row] = await sql<{who: number; i: number}[]>`select ${index}::int as who, ${i}::int as i`;
			if (row?.who !== index || row.i !== i) wrong++;
		} catch {
			wrong++;
		}
	}
	return wrong;
}

describe('many clients asking at once, outside transactions', () => {
	it('each gets its own answer, every time', async () => {
		const paths = newDir();
		const db = await holder(paths);
		const guests = [await join(paths), await join(paths), await join(paths)];
		try {
			const wrong = await Promise.all([db, ...guests].map((client, index) => ownAnswers(client.sql, index)));
			expect(wrong).toEqual([0, 0, 0, 0]);
		} finally {
			for (const guest of guests) await guest.close();
			await db.close();
		}
	});
});


describe('eval752 commands while a dashboard holds the embedded database', () => {
	it('providers add, keys add, probe --all and status --json in other processes work through the holder, with their audit rows, and the holder hears of each change', async () => {
		const mock = await startMockProvider();
		const paths = newDir();
		const db = await holder(paths);
		const heard: Change[] = [];
		const off = db.changes.subscribe((change) => heard.push(change));
		try {
			const socket = fs.lstatSync(paths.socket);
			expect(socket.isSocket()).toBe(true);
			expect(socket.mode & 0o777).toBe(0o600);

			const added = await eval752(paths, ['providers', 'add', '--name', 'groq-prod', '--type', 'openai', '--base-url', mock.baseUrl]);
			expect(added.stderr).toBe('');
			expect(added.code).toBe(0);
			await waitFor(() => heard.some((change) => change.table === 'providers'));
			expect(await db.sql`select name from providers`).toEqual([{name: 'groq-prod'}]);

			expect((await eval752(paths, ['keys', 'add', 'groq-prod', '--label', 'ci', '--from-stdin'], 'sk-shared-0123456789abcdef\n')).code).toBe(0);
			expect((await eval752(paths, ['models', 'add', 'groq-prod', '--model', 'mock-small'])).code).toBe(0);
			const probed = await eval752(paths, ['probe', '--all', '--kind', 'models']);
			expect(probed.code).toBe(0);
			const status = await eval752(paths, ['status', '--json']);
			expect(status.code).toBe(0);
			expect(JSON.parse(status.stdout)).toMatchObject({state: 'healthy', providers: [{name: 'groq-prod', health: 'healthy'}]});

			const actions = (await db.sql<{action: string}[]>`select action from audit_log order by seq`).map((row) => row.action);
			expect(actions).toEqual(expect.arrayContaining(['provider.create', 'key.add', 'model.add']));
			expect((await eval752(paths, ['audit', 'verify'])).code).toBe(0);
			expect(db.kind).toBe('embedded');
		} finally {
			off();
			await db.close();
			await mock.close();
		}
		// The holder has gone: the next command opens the directory itself.
		expect(fs.existsSync(paths.socket)).toBe(false);
		const after = await eval752(paths, ['providers', 'list', '--json']);
		expect(after.code).toBe(0);
		expect(JSON.parse(after.stdout)).toMatchObject([{name: 'groq-prod'}]);
	}, 120_000);

	it('a command that finds the directory held by one that does not share it waits for it to finish, then opens it itself', async () => {
		const paths = newDir();
		const db = await openEmbedded(paths);
		await migrate(db.sql);
		const command = eval752(paths, ['providers', 'list', '--json']);
		await tick(1500);
		await db.close();
		const result = await command;
		expect(result.code).toBe(0);
		expect(result.stderr).toContain(`The embedded database is held by pid ${process.pid}; waiting for it to share it or finish`);
		expect(JSON.parse(result.stdout)).toEqual([]);
	}, 60_000);
});

describe('when the holder goes', () => {
	it('a command reaching it through its socket is told the holder closed (the dashboard banner says so), not "retrying" for ever', async () => {
		const paths = newDir();
		const db = await holder(paths);
		const guest = await join(paths);
		const ctx = {db: guest, actor: 'guest@test', keys: {status: 'missing' as const, message: ''}, readOnly: true};
		try {
			await pingDatabase(ctx);
			await db.close();
			const error = await pingDatabase(ctx).then(() => undefined, (caught: unknown) => caught);
			expect(error).toBeInstanceOf(Error);
			expect((error as Error).message).toBe(`The eval752 with pid ${process.pid}, which shared the embedded database, has closed`);
			expect((error as {hint?: string}).hint).toBe('start this again: it then opens the database itself');
		} finally {
			await guest.close();
			await db.close();
		}
	});

	it('a watch that joined a dashboard goes on when the dashboard quits: it opens the database itself for the next round', async () => {
		const mock = await startMockProvider();
		const paths = newDir();
		const db = await holder(paths);
		try {
			// A provider to watch, made through the holder.
			expect((await eval752(paths, ['providers', 'add', '--name', 'watched', '--type', 'openai', '--base-url', mock.baseUrl])).code).toBe(0);
			expect((await eval752(paths, ['keys', 'add', 'watched', '--label', 'ci', '--from-stdin'], 'sk-watched-0123456789abcdef\n')).code).toBe(0);
			expect((await eval752(paths, ['models', 'add', 'watched', '--model', 'mock-small'])).code).toBe(0);
			const child = spawn(process.execPath, [cli, 'watch', '--every', '2s', '--kind', 'models', '--json'], {cwd: work, env: cliEnv(paths)});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
			child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
			const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
			await waitFor(() => stdout.includes('"round":1'), 30_000);
			await db.close();
			await waitFor(() => stderr.includes('has closed; opening it again'), 30_000);
			await waitFor(() => /"round":[3-9]/.test(stdout), 30_000);
			expect(lockHolder(paths.lockFile)).toBe(child.pid);
			child.kill('SIGINT');
			expect(await exited).toBe(0);
			for (const line of stdout.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({state: 'healthy'});
		} finally {
			await db.close();
			await mock.close();
		}
	}, 120_000);
});

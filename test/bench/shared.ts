// The embedded database shared through its holder's socket (source/db/session-server.ts): what
// one whole transaction at a time costs, and that it holds. Built and run by `npm run bench`
// (BENCH_ONLY=shared); prints figures, asserts nothing — the integrity counts are printed too
// (test/embedded-shared.test.ts is where they are asserted).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {PGlite} from '@electric-sql/pglite';
import postgres from 'postgres';
import {SessionServer} from '../../source/db/session-server.js';
import type {Sql} from '../../source/db/types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-bench-shared-'));
const TIMES = Number(process.env['BENCH_MOVES'] ?? 200);

async function bump(sql: Sql, times: number): Promise<void> {
	for (let i = 0; i < times; i++) {
		await sql.begin(async (tx) => {
			const [row] = await tx<{v: number}[]>`select v from counter where id = 1`;
			await tx`update counter set v = ${row!.v + 1} where id = 1`;
		});
	}
}

try {
	const db = await PGlite.create();
	const server = new SessionServer(db);
	const own = path.join(dir, 'own.sock');
	const shared = path.join(dir, 'shared.sock');
	await server.listen(own, {own: true});
	await server.listen(shared, {own: false});
	const client = (socket: string) => postgres({path: socket, max: 1, onnotice: () => undefined}) as unknown as Sql;
	const holder = client(own);
	await holder`create table counter (id int primary key, v int not null)`;
	await holder`insert into counter values (1, 0)`;

	console.log(`\nThe embedded database through its holder's socket (${TIMES} read-modify-write transactions a client, median of 3)`);
	const runs: Array<{clients: number; ms: number; lost: number; maxWaiting: number}> = [];
	for (const clients of [1, 3]) {
		const times: number[] = [];
		let lost = 0;
		for (let run = 0; run < 3; run++) {
			await holder`update counter set v = 0 where id = 1`;
			const guests = Array.from({length: clients - 1}, () => client(shared));
			const started = performance.now();
			await Promise.all([holder, ...guests].map((sql) => bump(sql, TIMES)));
			times.push(performance.now() - started);
			const [row] = await holder<{v: number}[]>`select v from counter where id = 1`;
			lost += clients * TIMES - row!.v;
			await Promise.all(guests.map((sql) => sql.end({timeout: 1})));
		}
		runs.push({clients, ms: times.sort((a, b) => a - b)[1]!, lost, maxWaiting: server.stats().maxWaiting});
	}
	for (const run of runs) {
		const perTx = run.ms / (run.clients * TIMES);
		console.log(`${`${run.clients} client${run.clients === 1 ? '' : 's'} (the holder${run.clients > 1 ? ` and ${run.clients - 1} from other processes` : ''})`.padEnd(52)} ${perTx.toFixed(2).padStart(6)} ms a transaction   updates lost ${run.lost}   most waiting at once ${run.maxWaiting}`);
	}
	const [alone, shared3] = runs;
	console.log(`${'a transaction with two guests vs alone'.padEnd(52)} ×${(shared3!.ms / (3 * TIMES) / (alone!.ms / TIMES)).toFixed(2)}`);
	await holder.end({timeout: 1});
	await server.close();
	await db.close();
} finally {
	fs.rmSync(dir, {recursive: true, force: true});
}
process.exit(0);

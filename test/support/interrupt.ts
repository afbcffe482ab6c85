import postgres from 'postgres';
import {AUDIT_LOCK} from '../../source/db/repositories/audit.js';
import type {TestDatabase} from './db.js';
import {armCut} from './wire-faults.js';

/**
 * Loses the connection of whoever next appends to the audit log — the moment a mutation has
 * made all its changes inside its transaction and is about to record them — so a test can show
 * that nothing of it is left (RELIABILITY cases 12, 29).
 *
 * On a real server: an admin session holds the audit log's advisory lock, the mutation blocks
 * on it, and the admin ends the mutation's session with pg_terminate_backend while it waits.
 * On the embedded database (one in-process session, no second connection to kill it from), the
 * equivalent: the socket between postgres.js and PGlite is cut as the lock is requested, and the
 * socket server rolls back the transaction of the connection that went away. Embedded test
 * files need the tapped socket module (wire-faults.ts).
 */
export interface Interruption {
	/** Resolves when the connection has been lost. */
	readonly done: Promise<void>;
	/** Ends the admin session (server); call in finally. */
	release(): Promise<void>;
}

export async function interruptAuditAppend(t: TestDatabase, options: {skip?: number} = {}): Promise<Interruption> {
	if (!t.url) return {done: armCut({kind: 'client-runs', sql: /pg_advisory_xact_lock/, param: String(AUDIT_LOCK), skip: options.skip}), release: async () => undefined};
	if (options.skip) throw new Error('skip is for the embedded tap; on a server the first append is interrupted');
	const admin = postgres(t.url, {max: 2, onnotice: () => undefined});
	const holder = await admin.reserve();
	await holder`begin`;
	await holder`select pg_advisory_xact_lock(${AUDIT_LOCK})`;
	const [holderRow] = await holder<{pid: number}[]>`select pg_backend_pid() as pid`;
	const holderPid = holderRow!.pid;
	let stop = false;
	const done = (async () => {
		while (!stop) {
			const waiting = await admin<{pid: number}[]>`
				select pid from pg_locks
				where locktype = 'advisory' and not granted and objid = ${AUDIT_LOCK} and pid <> ${holderPid}
					and database = (select oid from pg_database where datname = current_database())`;
			if (waiting.length > 0) {
				await admin`select pg_terminate_backend(${waiting[0]!.pid})`;
				return;
			}
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	})();
	return {
		done,
		async release() {
			stop = true;
			await done.catch(() => undefined);
			await holder`rollback`.catch(() => undefined);
			holder.release();
			await admin.end({timeout: 5});
		},
	};
}

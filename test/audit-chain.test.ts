import {createHmac, hkdfSync, randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KeyRing} from '../source/crypto/index.js';
import {openServer} from '../source/db/connect.js';
import {auditPage} from '../source/db/repositories/audit.js';
import type {Tx} from '../source/db/types.js';
import {parseAnchors} from '../source/domain/audit-anchor.js';
import {GENESIS_HASH, keyedRowMessage, unkeyedRowHash} from '../source/domain/audit-hash.js';
import type {AuditVerification} from '../source/domain/audit-verification.js';
import {setLogFile} from '../source/log.js';
import {verifyAuditChain, type AnchorSource, type ChainWalkOptions} from '../source/services/audit-chain.js';
import {anchorAudit, verifyAudit} from '../source/services/audit.js';
import {checkKey} from '../source/services/canary.js';
import {mutate, type ServiceContext} from '../source/services/context.js';
import {createProvider} from '../source/services/providers.js';
import {databaseKind} from './support/db.js';
import {ownedDatabase, type OwnedDatabase} from './support/roles.js';

/**
 * The keyed audit chain against the people who can reach the database. On a real server the
 * database and its tables belong to a NON-superuser role that ran the migrations — the role an
 * insider would use — and every tamper below is done as that role with the append-only
 * triggers switched off (`ALTER TABLE … DISABLE TRIGGER USER`, which only the owner may do).
 * On the embedded database the one PGlite user, a superuser, plays the owner.
 */

const KEY = randomBytes(32);
const RING = KeyRing.from(KEY);

let o: OwnedDatabase;
let ctx: ServiceContext;
let work: string;

beforeAll(async () => {
	o = await ownedDatabase();
	ctx = {db: o.db, actor: 'alice@ops', keys: await checkKey(o.db.sql, RING), readOnly: false};
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-audit-'));
	for (const name of ['alpha', 'beta', 'gamma']) await createProvider(ctx, {name, type: 'openai'});
	for (let i = 0; i < 9; i++) await note(ctx, i);
});

afterAll(async () => {
	setLogFile(undefined);
	await o.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

/** One audited change that touches no other table. */
async function note(on: ServiceContext, i: number): Promise<void> {
	await mutate(on, async () => ({value: undefined, audit: {action: 'test.note', targetType: 'test', targetId: null, details: {i}}, changes: []}));
}

async function lastSeq(): Promise<number> {
	const [row] = await o.db.sql<{n: number}[]>`select coalesce(max(seq), 0)::int as n from audit_log`;
	return row!.n;
}

async function headRow(): Promise<Record<string, unknown>> {
	const [row] = await o.db.sql`select * from audit_head`;
	return row!;
}

class Rollback extends Error {}

/**
 * Tampers as the owner inside a transaction, verifies what the tamper left, then rolls it all
 * back: every case starts from the same intact chain.
 */
async function tampered(edit: (tx: Tx) => Promise<void>, options: ChainWalkOptions = {}, keys: KeyRing | undefined = RING): Promise<AuditVerification> {
	let result: AuditVerification | undefined;
	await o.db.sql
		.begin(async (tx) => {
			await tx`alter table audit_log disable trigger user`;
			await tx`alter table audit_head disable trigger user`;
			await edit(tx);
			await tx`alter table audit_log enable trigger user`;
			await tx`alter table audit_head enable trigger user`;
			result = await verifyAuditChain(tx, keys, options);
			throw new Rollback();
		})
		.catch((error: unknown) => {
			if (!(error instanceof Rollback)) throw error;
		});
	return result!;
}

/** Rewrites every row as an attacker without the key would: plain SHA-256, one row's details changed. */
async function recomputeUnkeyed(tx: Tx, target: number, options: {dropKeyIds: boolean}): Promise<Buffer> {
	let prev: Buffer = GENESIS_HASH;
	for (const row of await auditPage(tx, 0, 100_000)) {
		const details = row.seq === target ? {...(row.details as object), forged: true} : row.details;
		const keyId = options.dropKeyIds ? null : row.keyId;
		const hash = unkeyedRowHash(prev, {...row, details, keyId});
		await tx`update audit_log set details = ${tx.json(details as never)}, prev_hash = ${prev}, row_hash = ${hash}, key_id = ${keyId} where seq = ${row.seq}`;
		prev = hash;
	}
	return prev;
}

function anchorsOf(line: string): AnchorSource[] {
	return [{source: 'argument', explicit: true, anchors: parseAnchors(line)}];
}

describe(`the keyed audit chain (${databaseKind}${o_owner()})`, () => {
	it('case 24: every mutation writes exactly one signed audit row and moves the head in the same transaction; a rolled-back one leaves neither', async () => {
		const before = await lastSeq();
		const headBefore = await headRow();
		const provider = await createProvider(ctx, {name: 'delta', type: 'groq'});
		expect(await lastSeq()).toBe(before + 1);
		const [row] = await o.db.sql<{seq: string; action: string; key_id: string; prev_hash: Buffer; row_hash: Buffer; target_id: string}[]>`
			select seq, action, key_id, prev_hash, row_hash, target_id from audit_log where seq = ${before + 1}`;
		expect(row).toMatchObject({action: 'provider.create', key_id: RING.currentId, target_id: provider.id});
		expect(row!.prev_hash.equals(headBefore['row_hash'] as Buffer)).toBe(true);
		// The MAC is computed with the documented derivation: HKDF-SHA256(ENCRYPTION_KEY, salt "eval752", info "eval752 audit chain v1").
		const auditKey = Buffer.from(hkdfSync('sha256', KEY, 'eval752', 'eval752 audit chain v1', 32));
		const [stored] = await auditPage(o.db.sql, before, 1);
		const expected = createHmac('sha256', auditKey).update(keyedRowMessage(stored!.prevHash, {...stored!, keyId: RING.currentId})).digest();
		expect(stored!.rowHash.equals(expected)).toBe(true);
		expect(await headRow()).toMatchObject({seq: String(before + 1), rows: String(before + 1), key_id: RING.currentId, row_hash: stored!.rowHash});

		const headNow = await headRow();
		await expect(
			mutate(ctx, async (tx) => {
				await tx`insert into providers (name, type, base_url) values ('rolled-back', 'openai', 'https://api.openai.com/v1')`;
				throw new Error('the change fails after its write');
			}),
		).rejects.toThrow('the change fails after its write');
		expect(await lastSeq()).toBe(before + 1);
		expect(await headRow()).toEqual(headNow);
		expect(await o.db.sql`select 1 from providers where name = 'rolled-back'`).toHaveLength(0);
		expect(await verifyAudit(ctx)).toMatchObject({ok: true, rows: before + 1});
	});

	it('case 25: UPDATE, DELETE and TRUNCATE on the audit log are refused, and its head is never deleted nor moved back', async () => {
		const seq = await lastSeq();
		const head = await headRow();
		await expect(o.db.sql`update audit_log set actor = 'mallory' where seq = 1`).rejects.toThrow(/append-only: UPDATE refused/);
		await expect(o.db.sql`delete from audit_log where seq = ${seq}`).rejects.toThrow(/append-only: DELETE refused/);
		await expect(o.db.sql`truncate audit_log`).rejects.toThrow(/append-only: TRUNCATE refused/);
		await expect(o.db.sql`delete from audit_head`).rejects.toThrow(/audit_head is kept by eval752: DELETE refused/);
		await expect(o.db.sql`truncate audit_head`).rejects.toThrow(/audit_head is kept by eval752: TRUNCATE refused/);
		await expect(o.db.sql`update audit_head set seq = seq - 1`).rejects.toThrow(/audit_head only moves forward/);
		await expect(o.db.sql`insert into audit_head (id, seq, rows, row_hash) values (true, 0, 0, '\\x00')`).rejects.toThrow(/duplicate key/);
		expect(await lastSeq()).toBe(seq);
		expect(await headRow()).toEqual(head);
	});

	it('case 26: a row edited behind the triggers’ back is named, whether its hash is left alone or recomputed without the key', async () => {
		const [me] = await o.db.sql<{superuser: boolean; owns: boolean}[]>`
			select r.rolsuper as superuser, pg_get_userbyid(c.relowner) = current_user as owns from pg_roles r, pg_class c where r.rolname = current_user and c.oid = 'audit_log'::regclass`;
		// On a server the tamperer is the owner and NOT a superuser; PGlite's only user is both.
		expect(me).toEqual({superuser: databaseKind === 'embedded', owns: true});
		const target = 5;
		const edited = await tampered(async (tx) => {
			await tx`update audit_log set details = jsonb_set(details, '{i}', '99'::jsonb) where seq = ${target}`;
		});
		expect(edited).toMatchObject({ok: false, brokenSeq: target, kind: 'edited', rows: target, reason: `row ${target} does not match its MAC: it was altered after it was written`});

		const rehashed = await tampered(async (tx) => {
			const [row] = await auditPage(tx, target - 1, 1);
			const details = {i: 99};
			await tx`update audit_log set details = ${tx.json(details)}, row_hash = ${unkeyedRowHash(row!.prevHash, {...row!, details})} where seq = ${target}`;
		});
		expect(rehashed).toMatchObject({ok: false, brokenSeq: target, kind: 'edited'});
	});

	it('case 26: a middle row deleted is named as missing', async () => {
		const result = await tampered(async (tx) => {
			await tx`delete from audit_log where seq = 7`;
		});
		expect(result).toMatchObject({ok: false, brokenSeq: 7, kind: 'missing', reason: 'row 7 is missing (the next row is seq 8)'});
	});

	it('case 26: the last row deleted is named as a truncated tail (the head still points at it)', async () => {
		const last = await lastSeq();
		const result = await tampered(async (tx) => {
			await tx`delete from audit_log where seq = ${last}`;
		});
		expect(result).toMatchObject({ok: false, brokenSeq: last, kind: 'truncated', lastSeq: last - 1, head: {seq: last, status: 'ahead'}});
		expect(result.reason).toBe(`row ${last} is missing: the head record says the log ends at seq ${last}, so its tail was cut`);
		const three = await tampered(async (tx) => {
			await tx`delete from audit_log where seq > ${last - 3}`;
		});
		expect(three).toMatchObject({ok: false, brokenSeq: last - 2, kind: 'truncated', reason: `rows ${last - 2}–${last} are missing: the head record says the log ends at seq ${last}, so its tail was cut`});
	});

	it('case 26: the last row deleted and the head rolled back to an earlier copy is caught by an anchor taken before', async () => {
		const earlier = await headRow();
		await note(ctx, 100);
		const last = await lastSeq();
		const anchor = await anchorAudit(ctx);
		expect(anchor).toMatchObject({seq: last, rows: last, macChecked: true});
		const rollBack = async (tx: Tx): Promise<void> => {
			await tx`delete from audit_log where seq = ${last}`;
			await tx`
				update audit_head set seq = ${earlier['seq'] as string}, rows = ${earlier['rows'] as string}, row_hash = ${earlier['row_hash'] as Buffer},
					at = ${earlier['at'] as Date}, keyed_from = ${earlier['keyed_from'] as string}, key_id = ${earlier['key_id'] as string}, mac = ${earlier['mac'] as Buffer}
				where id`;
		};
		// The one thing the database alone can't show: a consistent older state.
		expect(await tampered(rollBack)).toMatchObject({ok: true, lastSeq: last - 1});
		const caught = await tampered(rollBack, {anchors: anchorsOf(anchor.line)});
		expect(caught).toMatchObject({ok: false, brokenSeq: last, kind: 'truncated', anchors: [{seq: last, status: 'missing', source: 'argument'}]});
		expect(caught.reason).toBe(`the log ends at seq ${last - 1} but an anchor from ${anchor.at} holds seq ${last}: its tail was cut`);
		// …and when a new row is appended over the gap, the anchor's row is there but is another one.
		const replaced = await tampered(
			async (tx) => {
				await rollBack(tx);
				await tx`insert into audit_log (seq, at, actor, action, target_type, details, prev_hash, row_hash, key_id) select ${last}, now(), 'mallory', 'x', 'y', '{}', row_hash, row_hash, key_id from audit_log where seq = ${last - 1}`;
			},
			{anchors: anchorsOf(anchor.line)},
		);
		expect(replaced).toMatchObject({ok: false, brokenSeq: last, anchors: [{seq: last, status: 'different'}]});
	});

	it('case 26: two rows reordered are named as reordered', async () => {
		const result = await tampered(async (tx) => {
			await tx`update audit_log set seq = -1 where seq = 4`;
			await tx`update audit_log set seq = 4 where seq = 9`;
			await tx`update audit_log set seq = 9 where seq = -1`;
		});
		expect(result).toMatchObject({ok: false, brokenSeq: 4, kind: 'reordered', reason: 'row 4 follows row 8, not row 3: rows were moved'});
		const adjacent = await tampered(async (tx) => {
			await tx`update audit_log set seq = -1 where seq = 6`;
			await tx`update audit_log set seq = 6 where seq = 7`;
			await tx`update audit_log set seq = 7 where seq = -1`;
		});
		expect(adjacent).toMatchObject({ok: false, brokenSeq: 6, kind: 'reordered'});
	});

	it('case 26: the whole chain recomputed with unkeyed SHA-256 does not verify, however the head is dressed', async () => {
		const keptKeyIds = await tampered(async (tx) => void (await recomputeUnkeyed(tx, 6, {dropKeyIds: false})));
		expect(keptKeyIds).toMatchObject({ok: false, brokenSeq: 1, kind: 'edited'});

		const asUnkeyed = await tampered(async (tx) => void (await recomputeUnkeyed(tx, 6, {dropKeyIds: true})));
		expect(asUnkeyed).toMatchObject({ok: false, brokenSeq: 1, kind: 'unkeyed', reason: 'row 1 has no MAC although keyed hashing started at seq 1: it was rewritten without ENCRYPTION_KEY'});

		// The head made to look like a database that never had a key: still refused, naming seq 1.
		const asNeverKeyed = await tampered(async (tx) => {
			const last = await recomputeUnkeyed(tx, 6, {dropKeyIds: true});
			await tx`update audit_head set row_hash = ${last}, key_id = null, mac = null, keyed_from = null where id`;
		});
		expect(asNeverKeyed).toMatchObject({ok: false, brokenSeq: 1, kind: 'unsealed', head: {status: 'unsealed'}});
		// …and no change may be appended on top of it (that would sign the forgery over).
		await o.db.sql
			.begin(async (tx) => {
				await tx`alter table audit_log disable trigger user`;
				const last = await recomputeUnkeyed(tx, 6, {dropKeyIds: true});
				await tx`update audit_head set row_hash = ${last}, key_id = null, mac = null, keyed_from = null where id`;
				await tx`alter table audit_log enable trigger user`;
				await tx.savepoint(async (inner) => {
					const {appendAudit} = await import('../source/db/repositories/audit.js');
					await expect(appendAudit(inner, RING, 'alice@ops', {action: 'x', targetType: 'y', targetId: null, details: {}})).rejects.toThrow(/written before keyed hashing are not sealed yet; nothing was changed/);
				});
				throw new Rollback();
			})
			.catch((error: unknown) => {
				if (!(error instanceof Rollback)) throw error;
			});
	});

	it('case 26: a deleted, altered or forged head is named; a forged row appended at the end is named', async () => {
		const last = await lastSeq();
		expect(await tampered(async (tx) => void (await tx`delete from audit_head`))).toMatchObject({ok: false, kind: 'head', brokenSeq: last + 1, head: null});
		expect(await tampered(async (tx) => void (await tx`update audit_head set rows = rows + 1 where id`))).toMatchObject({ok: false, kind: 'head', head: {status: 'altered'}});
		const forged = await tampered(async (tx) => {
			const [tail] = await auditPage(tx, last - 1, 1);
			const mac = randomBytes(32);
			await tx`insert into audit_log (seq, at, actor, action, target_type, details, prev_hash, row_hash, key_id) values (${last + 1}, now(), 'mallory', 'key.delete', 'provider_key', '{}', ${tail!.rowHash}, ${mac}, ${RING.currentId})`;
		});
		expect(forged).toMatchObject({ok: false, brokenSeq: last + 1, kind: 'edited'});
	});

	it('case 27: concurrent appends from several connections make one linear chain, no forks', async () => {
		const before = await lastSeq();
		const extra = o.url ? await Promise.all([openServer(o.url), openServer(o.url), openServer(o.url)]) : [];
		try {
			const contexts = extra.length > 0 ? extra.map((db) => ({...ctx, db})) : [ctx, ctx, ctx];
			await Promise.all(contexts.flatMap((on, c) => Array.from({length: 8}, (_, i) => note(on, c * 100 + i))));
		} finally {
			await Promise.all(extra.map((db) => db.close()));
		}
		const seqs = (await o.db.sql<{seq: string}[]>`select seq from audit_log order by seq`).map((row) => Number(row.seq));
		expect(seqs).toEqual(Array.from({length: before + 24}, (_, i) => i + 1));
		const forks = await o.db.sql`select prev_hash from audit_log group by prev_hash having count(*) > 1`;
		expect(forks).toHaveLength(0);
		expect(await verifyAudit(ctx)).toMatchObject({ok: true, rows: before + 24, head: {seq: before + 24, status: 'ok'}});
	});
});

/** In a describe title: which role owns the tables. */
function o_owner(): string {
	return databaseKind === 'server' ? ', tampered as a non-superuser owner' : ', tampered as the PGlite superuser';
}

import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KeyRing} from '../source/crypto/index.js';
import {openEmbedded} from '../source/db/embedded.js';
import {migrate, readMigrations} from '../source/db/migrate.js';
import {auditCount} from '../source/db/repositories/audit.js';
import {formatAnchor, parseAnchors} from '../source/domain/audit-anchor.js';
import {GENESIS_HASH, unkeyedRowHash} from '../source/domain/audit-hash.js';
import {setLogFile} from '../source/log.js';
import {verifyAuditChain} from '../source/services/audit-chain.js';
import {describeVerification, verifyAudit} from '../source/services/audit.js';
import {restoreBackup, writeBackup} from '../source/services/backup.js';
import {checkKey} from '../source/services/canary.js';
import {AUDIT_ANCHOR_EVERY, mutate, type ServiceContext} from '../source/services/context.js';
import {rekey} from '../source/services/rekey.js';
import {runCli} from './support/cli.js';
import {unsealedLines, writeSealed} from './support/backup-seal.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {databaseKind, freshDatabase, freshEmbeddedDir, type TestDatabase} from './support/db.js';
import {commandEnv, ensureEmbeddedTemplate, newKey, tempDir, withKeys} from './secrets-fixtures.js';

/** `eval752 audit …`, `migrate`, `rekey`, backup and restore around the keyed chain, as an operator runs them. */

let work: string;
const cleanup: TestDatabase[] = [];

beforeAll(() => {
	work = tempDir('audit-cli');
});

afterAll(async () => {
	setLogFile(undefined);
	for (const t of cleanup) await t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

async function note(ctx: ServiceContext, i: number): Promise<void> {
	await mutate(ctx, async () => ({value: undefined, audit: {action: 'test.note', targetType: 'test', targetId: null, details: {i}}, changes: []}));
}

async function context(): Promise<TestContext> {
	const c = await testContext();
	cleanup.push(c.t);
	return c;
}

function envFor(c: TestContext, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {...commandEnv(work, {}), ENCRYPTION_KEY: c.keyHex, ...extra};
}

describe(`eval752 audit anchor and verify --anchor (${databaseKind})`, () => {
	let c: TestContext;
	beforeAll(async () => {
		c = await context();
		for (let i = 0; i < 5; i++) await note(c.ctx, i);
	});

	it('prints the head as one anchor line, and verify proves the chain still holds it', async () => {
		const anchor = await runCli(['audit', 'anchor'], {database: c.t.db, env: envFor(c)});
		expect(anchor.code).toBe(0);
		expect(anchor.stderr).toBe('');
		expect(anchor.stdout).toMatch(/^eval752-audit-anchor v1 chain=[0-9a-f]{16} seq=5 rows=5 hash=[0-9a-f]{64} at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/);
		const line = anchor.stdout.trimEnd();
		const json = JSON.parse((await runCli(['audit', 'anchor', '--json'], {database: c.t.db, env: envFor(c)})).stdout) as Record<string, unknown>;
		expect(json).toMatchObject({seq: 5, rows: 5, line, macChecked: true});
		await note(c.ctx, 5);

		const verified = await runCli(['audit', 'verify', '--anchor', line], {database: c.t.db, env: envFor(c)});
		expect(verified.code).toBe(0);
		const lines = verified.stdout.trimEnd().split('\n');
		expect(lines[0]).toBe('Audit chain intact: 6 rows verified');
		expect(lines.at(-1)).toBe(`  anchors: 1 matched (newest seq 5, ${String(json['at']).replace('T', ' ').replace(/\.\d+Z$/, 'Z')})`);
		const result = JSON.parse((await runCli(['audit', 'verify', '--anchor', line, '--json'], {database: c.t.db, env: envFor(c)})).stdout) as Record<string, unknown>;
		expect(result).toMatchObject({ok: true, anchors: [{source: 'argument', seq: 5, hash: json['hash'], status: 'matched'}]});
	});

	it('checks every anchor in a file, skips those of other databases, and needs at least one of this one', async () => {
		const [mine] = parseAnchors((await runCli(['audit', 'anchor'], {database: c.t.db, env: envFor(c)})).stdout);
		const foreign = formatAnchor({...mine!, chain: 'f'.repeat(16), hash: 'e'.repeat(64)});
		const file = path.join(work, 'anchors.txt');
		fs.writeFileSync(file, `noise\n${formatAnchor(mine!)}\n{"message":"audit anchor","anchor":"${foreign}"}\n${formatAnchor(mine!)}\n`);
		const mixed = await runCli(['audit', 'verify', '--anchor', file, '--json'], {database: c.t.db, env: envFor(c)});
		expect(mixed.code).toBe(0);
		expect(JSON.parse(mixed.stdout)).toMatchObject({ok: true, anchors: [{status: 'matched', source: file}, {status: 'other-chain'}]});
		const text = await runCli(['audit', 'verify', '--anchor', file], {database: c.t.db, env: envFor(c)});
		expect(text.stdout).toContain('  anchors: 1 matched (newest seq');
		expect(text.stdout).toContain(', 1 of other chains skipped');

		const onlyForeign = path.join(work, 'foreign.txt');
		fs.writeFileSync(onlyForeign, `${foreign}\n`);
		const none = await runCli(['audit', 'verify', '--anchor', onlyForeign], {database: c.t.db, env: envFor(c)});
		expect(none.code).toBe(1);
		expect(none.stdout.split('\n')[0]).toBe(`Audit chain broken at seq 1 (anchor): none of the 1 anchor in ${onlyForeign} belongs to this chain (${mine!.chain}): the log was replaced, or the file is from another database`);
		const explicit = await runCli(['audit', 'verify', '--anchor', foreign], {database: c.t.db, env: envFor(c)});
		expect(explicit.code).toBe(1);
		expect(explicit.stdout).toContain('(anchor): the anchor of seq');

		// A wrong hash for an existing seq: the row is not the anchored one.
		const rewritten = await runCli(['audit', 'verify', '--anchor', formatAnchor({...mine!, hash: '0'.repeat(64)})], {database: c.t.db, env: envFor(c)});
		expect(rewritten.code).toBe(1);
		expect(rewritten.stdout.split('\n')[0]).toBe(`Audit chain broken at seq ${mine!.seq} (anchor): row ${mine!.seq} is not the row anchored at ${mine!.at}: the log was rewritten at or before seq ${mine!.seq}`);
	});

	it('refuses --anchor that is neither one anchor line nor a readable file with anchors (exit 2)', async () => {
		const empty = path.join(work, 'empty.txt');
		fs.writeFileSync(empty, 'nothing to see\n');
		for (const [value, message] of [
			[path.join(work, 'no-such-file'), 'is neither an anchor line nor a readable file (ENOENT)'],
			[empty, 'holds no eval752 audit anchors'],
			[work, 'is neither an anchor line nor a readable file'],
			['eval752-audit-anchor v1 chain=zz seq=1', 'is not exactly one anchor line'],
			['\x1b]52;c;aGk=\x07bad', 'is neither an anchor line nor a readable file'],
		] as const) {
			const refused = await runCli(['audit', 'verify', '--anchor', value], {database: c.t.db, env: envFor(c)});
			expect(refused.code, value).toBe(2);
			expect(refused.stderr, value).toContain(message);
			expect(refused.stderr).not.toContain('\x1b');
			expect(refused.stdout).toBe('');
		}
	});

	it(`writes an anchor line to the log file every ${AUDIT_ANCHOR_EVERY} appends, and verify --anchor takes the log file as it is`, async () => {
		const log = path.join(work, 'anchors.log');
		setLogFile(log);
		try {
			const start = await auditCount(c.t.db.sql);
			for (let i = start; i < 2 * AUDIT_ANCHOR_EVERY + 3; i++) await note(c.ctx, i);
		} finally {
			setLogFile(undefined);
		}
		const logged = parseAnchors(fs.readFileSync(log, 'utf8'));
		expect(logged.map((anchor) => anchor.seq)).toEqual([AUDIT_ANCHOR_EVERY, 2 * AUDIT_ANCHOR_EVERY]);
		const verified = await runCli(['audit', 'verify', '--anchor', log, '--json'], {database: c.t.db, env: envFor(c)});
		expect(verified.code).toBe(0);
		expect((JSON.parse(verified.stdout) as {anchors: {status: string}[]}).anchors.map((anchor) => anchor.status)).toEqual(['matched', 'matched']);
	});
});

describe(`without ENCRYPTION_KEY (${databaseKind})`, () => {
	it('refuses every change (nothing unsigned is appended), and verify checks what it can and says it could not check the MACs', async () => {
		const c = await context();
		await note(c.ctx, 1);
		await note(c.ctx, 2);
		const noKey = commandEnv(work, {});
		const before = await rowCounts(c.ctx);
		const refused = await runCli(['providers', 'add', '--name', 'groq', '--type', 'groq'], {database: c.t.db, env: noKey});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('ENCRYPTION_KEY is not set; every change is signed into the audit log with a key derived from it, so nothing was changed');
		expect(await rowCounts(c.ctx)).toEqual(before);

		const verify = await runCli(['audit', 'verify'], {database: c.t.db, env: noKey});
		expect(verify.code).toBe(2);
		expect(verify.stdout.split('\n').slice(0, 4)).toEqual([
			'Audit chain not verified: ENCRYPTION_KEY is not set, so no MAC could be checked',
			'  2 rows checked; the last seq is 2',
			'  sequence and links checked: set ENCRYPTION_KEY to check the MACs',
			`  seq 1–2: signed by key id ${c.ring.currentId}, MACs not checked`,
		]);
		expect(JSON.parse((await runCli(['audit', 'verify', '--json'], {database: c.t.db, env: noKey})).stdout)).toMatchObject({
			ok: false,
			macs: 'unchecked',
			kind: 'no-key',
			brokenSeq: null,
			head: {seq: 2, status: 'unchecked'},
		});
		const anchor = await runCli(['audit', 'anchor'], {database: c.t.db, env: noKey});
		expect(anchor.code).toBe(0);
		expect(anchor.stdout).toMatch(/^eval752-audit-anchor v1 .* seq=2 /);
		expect(anchor.stderr).toContain('its MAC was not checked (ENCRYPTION_KEY is not set)');

		// What it can check, it does: a deleted middle row and a cut tail are named without the key.
		await c.ctx.db.sql.begin(async (tx) => {
			await tx`alter table audit_log disable trigger user`;
			await tx`delete from audit_log where seq = 2`;
			await tx`alter table audit_log enable trigger user`;
		});
		const cut = await runCli(['audit', 'verify'], {database: c.t.db, env: noKey});
		expect(cut.code).toBe(1);
		expect(cut.stdout.split('\n')[0]).toBe('Audit chain broken at seq 2 (truncated): row 2 is missing: the head record says the log ends at seq 2, so its tail was cut');
	});
});

/** The migrations before the keyed chain (a merge may renumber it: found by name). */
function beforeKeyedChain() {
	const all = readMigrations();
	const index = all.findIndex((file) => file.name.endsWith('_audit_keyed_chain.sql'));
	expect(index).toBeGreaterThan(0);
	return all.slice(0, index);
}

/** A database at the schema before the keyed chain, with rows written by the unkeyed chain of that version. */
async function legacyDatabase(rows: number): Promise<TestDatabase> {
	const t = await freshDatabase({migrate: false});
	cleanup.push(t);
	await migrate(t.db.sql, beforeKeyedChain());
	let prev: Buffer = GENESIS_HASH;
	for (let seq = 1; seq <= rows; seq++) {
		const row = {seq, at: new Date(Date.UTC(2025, 0, seq, 12)), actor: 'old@ops', action: 'provider.create', targetType: 'provider', targetId: null, details: {n: seq}, keyId: null};
		const hash = unkeyedRowHash(prev, row);
		await t.db.sql`insert into audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, row_hash) values (${seq}, ${row.at}, ${row.actor}, ${row.action}, ${row.targetType}, null, ${t.db.sql.json(row.details)}, ${prev}, ${hash})`;
		prev = hash;
	}
	return t;
}

describe(`upgrading a database with unkeyed rows (${databaseKind})`, () => {
	it('migrate with ENCRYPTION_KEY seals them: verify reports the unkeyed rows and where keyed hashing starts', async () => {
		const t = await legacyDatabase(3);
		const key = newKey();
		const ring = KeyRing.from(key);
		const migrated = await runCli(['migrate'], {database: t.db, env: commandEnv(work, {current: key})});
		expect(migrated.code).toBe(0);
		expect(migrated.stdout).toMatch(/Applied \d{5}_audit_keyed_chain\.sql\n/);
		expect(migrated.stdout).toContain('Audit log: the 3 rows written before keyed hashing are sealed; keyed hashing starts at seq 4.');
		const ctx: ServiceContext = {db: t.db, actor: 'alice@ops', keys: await checkKey(t.db.sql, ring), readOnly: false};
		await note(ctx, 1);
		const result = await verifyAudit(ctx);
		expect(result).toMatchObject({
			ok: true,
			rows: 5,
			unkeyedRows: 3,
			keyedFrom: 4,
			segments: [
				{from: 1, to: 3, keyId: null, status: 'verified'},
				{from: 4, to: 5, keyId: ring.currentId, status: 'verified'},
			],
			head: {seq: 5, keyedFrom: 4, status: 'ok'},
		});
		const lines = describeVerification(result);
		expect(lines.slice(0, 4)).toEqual([
			'Audit chain intact: 5 rows verified',
			'  seq 1–3: unkeyed (SHA-256 only), written before keyed hashing',
			`  seq 4–5: signed by key id ${ring.currentId}, MACs verified`,
			'  keyed hashing starts at seq 4',
		]);
		const [seal] = await t.db.sql<{action: string; details: {unkeyedRows: number}}[]>`select action, details from audit_log where seq = 4`;
		expect(seal).toEqual({action: 'audit.seal', details: {unkeyedRows: 3, unkeyedHead: expect.stringMatching(/^[0-9a-f]{64}$/)}});
		// An unkeyed row edited after the seal is named like any other.
		await t.db.sql.begin(async (tx) => {
			await tx`alter table audit_log disable trigger user`;
			await tx`update audit_log set actor = 'mallory@ops' where seq = 2`;
			await tx`alter table audit_log enable trigger user`;
		});
		expect(await verifyAudit(ctx)).toMatchObject({ok: false, brokenSeq: 2, kind: 'edited', reason: 'row 2 does not match its hash: it was altered after it was written'});
	});

	it('migrated without the key, the unkeyed rows stay unsealed: verify says so, changes are refused until rekey seals them', async () => {
		const t = await legacyDatabase(2);
		const key = newKey();
		const migrated = await runCli(['migrate'], {database: t.db, env: commandEnv(work, {})});
		expect(migrated.code).toBe(0);
		expect(migrated.stdout).toContain('Audit log: the 2 rows written before keyed hashing are not sealed yet; every change is refused until eval752 rekey runs once with ENCRYPTION_KEY set.');
		const env = commandEnv(work, {current: key});
		const verify = await runCli(['audit', 'verify'], {database: t.db, env});
		expect(verify.code).toBe(1);
		expect(verify.stdout.split('\n')[0]).toMatch(/^Audit chain broken at seq 1 \(unsealed\): rows 1–2 were written without a key and no signed row vouches for them yet: run eval752 rekey/);
		const refused = await runCli(['settings', 'set', 'timeout_ms', '5000'], {database: t.db, env});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('The 2 audit rows written before keyed hashing are not sealed yet; nothing was changed — run eval752 rekey once with ENCRYPTION_KEY set');
		expect(await auditCount(t.db.sql)).toBe(2);

		const sealed = await runCli(['rekey'], {database: t.db, env});
		expect(sealed.code).toBe(0);
		expect(sealed.stdout).toContain('Audit log: the 2 rows written before keyed hashing are sealed; keyed hashing starts at seq 3.');
		expect((await runCli(['settings', 'set', 'timeout_ms', '5000'], {database: t.db, env})).code).toBe(0);
		const after = await runCli(['audit', 'verify', '--json'], {database: t.db, env});
		expect(after.code).toBe(0);
		expect(JSON.parse(after.stdout)).toMatchObject({ok: true, rows: 4, unkeyedRows: 2, keyedFrom: 3});
	});

	it('the embedded database seals them itself when it applies the migration on start', async () => {
		await ensureEmbeddedTemplate();
		const paths = freshEmbeddedDir();
		try {
			const db = await openEmbedded(paths);
			try {
				await migrate(db.sql, beforeKeyedChain());
				const row = {seq: 1, at: new Date(Date.UTC(2025, 0, 1)), actor: 'old@ops', action: 'setting.set', targetType: 'setting', targetId: 'timeout_ms', details: {}, keyId: null};
				await db.sql`insert into audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, row_hash) values (1, ${row.at}, ${row.actor}, ${row.action}, ${row.targetType}, ${row.targetId}, '{}', ${GENESIS_HASH}, ${unkeyedRowHash(GENESIS_HASH, row)})`;
			} finally {
				await db.close();
			}
			const key = newKey();
			const verify = await runCli(['audit', 'verify'], {env: commandEnv(work, {current: key}, {EVAL752_DATA_DIR: paths.dataDir})});
			expect(verify.stderr).toBe('');
			expect(verify.code).toBe(0);
			expect(verify.stdout.split('\n').slice(0, 4)).toEqual([
				'Audit chain intact: 2 rows verified',
				'  seq 1: unkeyed (SHA-256 only), written before keyed hashing',
				`  seq 2: signed by key id ${KeyRing.from(key).currentId}, MACs verified`,
				'  keyed hashing starts at seq 2',
			]);
		} finally {
			fs.rmSync(paths.dataDir, {recursive: true, force: true});
		}
	}, 120_000);

	it('refuses to seal unkeyed rows that do not verify', async () => {
		const t = await legacyDatabase(3);
		await migrate(t.db.sql);
		await t.db.sql.begin(async (tx) => {
			await tx`alter table audit_log disable trigger user`;
			await tx`update audit_log set actor = 'mallory@ops' where seq = 2`;
			await tx`alter table audit_log enable trigger user`;
		});
		const refused = await runCli(['rekey'], {database: t.db, env: commandEnv(work, {current: newKey()})});
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('The audit rows written before keyed hashing do not verify (seq 2, edited)');
		expect(await auditCount(t.db.sql)).toBe(3);
	});
});

describe(`rotating ENCRYPTION_KEY (${databaseKind})`, () => {
	it('with only the new key, verify names the key id it needs; after rekey the old rows verify without it', async () => {
		const c = await context();
		const oldKey = Buffer.from(c.keyHex, 'hex');
		const oldId = c.ring.currentId;
		for (let i = 0; i < 3; i++) await note(c.ctx, i);
		const next = newKey();
		const nextId = KeyRing.from(next).currentId;
		const rotated = await withKeys(c.ctx, next, [oldKey]);
		await note(rotated, 3);

		const before = await runCli(['audit', 'verify'], {database: c.t.db, env: commandEnv(work, {current: next})});
		expect(before.code).toBe(1);
		expect(before.stdout.split('\n')[0]).toBe(
			`Audit chain broken at seq 1 (unknown-key): row 1 is signed with key id ${oldId}, which is not configured, and no checkpoint covers it: add that key to ENCRYPTION_KEY_PREVIOUS (eval752 rekey then checkpoints it)`,
		);
		expect(before.stdout).toContain(`  seq 1–3: key id ${oldId} is not configured: add it to ENCRYPTION_KEY_PREVIOUS`);

		const result = await rekey(rotated);
		expect(result.audit).toEqual({sealed: null, checkpoint: {seq: 5, through: 4, keyIds: [oldId]}});
		expect(await verifyAuditChain(c.t.db.sql, KeyRing.from(next, [oldKey]))).toMatchObject({ok: true, segments: [{status: 'verified'}, {status: 'verified'}]});
		const onlyNew = await runCli(['audit', 'verify'], {database: c.t.db, env: commandEnv(work, {current: next})});
		expect(onlyNew.code).toBe(0);
		expect(onlyNew.stdout.split('\n').slice(0, 3)).toEqual([
			'Audit chain intact: 5 rows verified',
			`  seq 1–3: key id ${oldId} is not configured; proven by the checkpoint at seq 5`,
			`  seq 4–5: signed by key id ${nextId}, MACs verified`,
		]);

		// A row the old key signed, altered after the checkpoint, is still caught without the old key.
		await c.t.db.sql.begin(async (tx) => {
			await tx`alter table audit_log disable trigger user`;
			await tx`update audit_log set actor = 'mallory@ops' where seq = 2`;
			await tx`alter table audit_log enable trigger user`;
		});
		const caught = await verifyAuditChain(c.t.db.sql, KeyRing.from(next));
		expect(caught).toMatchObject({ok: false, brokenSeq: 1, kind: 'edited', reason: 'rows 1–4 differ from what checkpoint seq 5 recorded: they were altered'});
		expect(await verifyAuditChain(c.t.db.sql, KeyRing.from(next, [oldKey]))).toMatchObject({ok: false, brokenSeq: 2, kind: 'edited'});
	});

	it('a second rotation carries the first checkpoint forward: only the newest key is needed', async () => {
		const c = await context();
		const a = Buffer.from(c.keyHex, 'hex');
		await note(c.ctx, 0);
		const b = newKey();
		await rekey(await withKeys(c.ctx, b, [a]));
		const cKey = newKey();
		const third = await withKeys(c.ctx, cKey, [b]);
		await note(third, 1);
		const result = await rekey(third);
		expect(result.audit.checkpoint).toMatchObject({through: 3, keyIds: [c.ring.currentId, KeyRing.from(b).currentId]});
		// Only checkpoints signed by a configured key count: the one key B signed is itself proven by C's.
		expect(await verifyAuditChain(c.t.db.sql, KeyRing.from(cKey))).toMatchObject({
			ok: true,
			rows: 4,
			segments: [{to: 1, status: 'checkpointed'}, {to: 2, status: 'checkpointed'}, {from: 3, to: 4, status: 'verified'}],
			checkpoints: [{seq: 4, through: 3, keyId: KeyRing.from(cKey).currentId}],
		});
		// Nothing new under another key: a rekey writes no further checkpoint.
		expect((await rekey({...third, keys: await checkKey(c.t.db.sql, KeyRing.from(cKey))})).audit.checkpoint).toBeNull();
	});
});

describe(`backup and restore keep the chain and its head verifiable (${databaseKind})`, () => {
	it('a restored copy verifies, head and anchors included; a backup with its tail or head cut is refused', async () => {
		const c = await context();
		for (let i = 0; i < 4; i++) await note(c.ctx, i);
		const anchor = parseAnchors((await runCli(['audit', 'anchor'], {database: c.t.db, env: envFor(c)})).stdout)[0]!;
		const file = path.join(work, 'chain.backup');
		await writeBackup(c.ctx, file);

		const target = await freshDatabase();
		cleanup.push(target);
		const restoredCtx: ServiceContext = {db: target.db, actor: 'bob@ops', keys: await checkKey(target.db.sql, c.ring), readOnly: false};
		const restored = await restoreBackup(restoredCtx, file);
		expect(restored.auditRows).toBe(5);
		const result = await verifyAudit(restoredCtx, {anchors: [{source: 'argument', explicit: true, anchors: [anchor]}]});
		expect(result).toMatchObject({ok: true, rows: 5, head: {seq: 5, status: 'ok'}, anchors: [{seq: 4, status: 'matched'}]});
		expect(result.chain).toBe(anchor.chain);

		const lines = unsealedLines(fs.readFileSync(file, 'utf8'));
		// Re-sealed with the key: the audit chain's own checks are what is tested here (custody-backup.test.ts tests the seal).
		const variant = (name: string, edit: (copy: string[]) => string[]): string => {
			const out = path.join(work, name);
			writeSealed(out, edit([...lines]), c.keyHex);
			return out;
		};
		const trailer = (copy: string[], table: string, delta: number): void => {
			const end = JSON.parse(copy.at(-1)!) as {end: true; rows: Record<string, number>};
			end.rows[table]! += delta;
			copy[copy.length - 1] = JSON.stringify(end);
		};
		const lastAudit = lines.map((line) => line.startsWith('{"table":"audit_log"')).lastIndexOf(true);
		const cutTail = variant('cut-tail.backup', (copy) => {
			copy.splice(lastAudit, 1);
			trailer(copy, 'audit_log', -1);
			return copy;
		});
		const headIndex = lines.findIndex((line) => line.startsWith('{"table":"audit_head"'));
		expect(headIndex).toBeGreaterThan(lastAudit);
		const noHead = variant('no-head.backup', (copy) => {
			copy.splice(headIndex, 1);
			trailer(copy, 'audit_head', -1);
			return copy;
		});
		for (const [backup, message] of [
			[cutTail, 'The audit chain in this backup breaks at seq 4 (truncated: row 4 is missing: the head record says the log ends at seq 4, so its tail was cut); nothing was restored'],
			[noHead, 'The audit chain in this backup breaks at seq 1 (head: the head record is at seq 0 but rows go on to seq 4'],
		] as const) {
			const empty = await freshDatabase();
			cleanup.push(empty);
			const emptyCtx: ServiceContext = {db: empty.db, actor: 'bob@ops', keys: await checkKey(empty.db.sql, c.ring), readOnly: false};
			await expect(restoreBackup(emptyCtx, backup)).rejects.toThrow(message);
			expect(await auditCount(empty.db.sql)).toBe(0);
		}
	}, 120_000);
});

import {DecryptFailed} from '../crypto/index.js';
import {allSecretRows, keyIdMismatches} from '../db/repositories/key-secrets.js';
import {KEY_ID_PATTERN} from '../crypto/envelope.js';
import {sanitizeText} from '../lib/sanitize.js';
import {secretCountsByKeyId} from '../db/repositories/canary.js';
import {migrationState} from '../db/migrate.js';
import {readHead} from '../db/repositories/audit.js';
import {auditPrivileges} from '../db/repositories/roles.js';
import {serverVersion} from '../db/repositories/connection.js';
import {headMessage, sameMac} from '../domain/audit-hash.js';
import {keyHint, type ServiceContext} from './context.js';
import {openSecret} from './key-store.js';
import type {Config} from '../config/env.js';
import {directoryProblem, octalMode} from '../config/permissions.js';
import {cleartextRisk} from '../domain/destination.js';
import {listProviders} from './providers.js';
import fs from 'node:fs';
import path from 'node:path';

export interface DoctorCheck {
	readonly name: string;
	readonly ok: boolean;
	readonly detail: string;
	readonly hint?: string;
	/** A risk worth fixing that does not make the installation unhealthy (ok stays true). */
	readonly warning?: boolean;
}

export interface DoctorReport {
	readonly healthy: boolean;
	/** Migrations are pending: a configuration error (exit 2) that `eval752 migrate` fixes. */
	readonly schemaBehind: boolean;
	readonly database: {kind: 'embedded' | 'server'; location: string; serverVersion: string};
	readonly migrations: {applied: number; pending: string[]; changed: string[]; unknown: string[]};
	readonly encryption: {
		status: 'ok' | 'missing' | 'wrong';
		currentKeyId: string | null;
		previousKeyIds: string[];
		rowsByKeyId: {keyId: string; rows: number; configured: boolean}[];
		/** Rows no configured key can decrypt: each needs a new key. Key ids are the envelope's. */
		undecryptable: {id: string; keyId: string}[];
		/** Rows whose key_id column names another key than their envelope (the envelope decides). */
		keyIdMismatches: {id: string; column: string; envelope: string}[];
	};
	readonly checks: DoctorCheck[];
}

/**
 * Everything an operator checks first when something is off. Decrypts every stored secret
 * once to prove it still can (the plaintext is dropped at once); never prints any of it.
 */
export interface DoctorOptions {
	/** Where the configuration came from (the `.env` read and those ignored) and the data directory. */
	readonly config?: Pick<Config, 'envFile' | 'ignoredEnvFiles'>;
}

export async function runDoctor(ctx: ServiceContext, options: DoctorOptions = {}): Promise<DoctorReport> {
	const {sql} = ctx.db;
	const version = await serverVersion(sql);
	const state = await migrationState(sql);
	const checks: DoctorCheck[] = [];
	checks.push({name: 'database', ok: true, detail: `${ctx.db.kind === 'embedded' ? 'embedded PGlite' : 'PostgreSQL server'} ${version} at ${ctx.db.location}`});
	const migrationsOk = state.pending.length === 0 && state.changed.length === 0 && state.unknown.length === 0;
	checks.push(
		migrationsOk
			? {name: 'migrations', ok: true, detail: `${state.applied.length} applied, none pending`}
			: state.changed.length > 0
				? {name: 'migrations', ok: false, detail: `${state.changed[0]} was changed after it was applied`, hint: 'restore the original file'}
				: state.unknown.length > 0
					? {name: 'migrations', ok: false, detail: `the database has ${state.unknown[0]}, unknown to this eval752`, hint: 'upgrade eval752'}
					: {name: 'migrations', ok: false, detail: `${state.pending.length} pending (${state.pending.join(', ')})`, hint: 'run eval752 migrate'},
	);

	const ring = ctx.keys.status === 'missing' ? undefined : ctx.keys.ring;
	const schemaReady = state.applied.length > 0;
	// Key ids as the envelopes name them: the column can be relabelled, the envelope is what decrypts.
	const counts = schemaReady ? (await secretCountsByKeyId(sql)).map((entry) => ({...entry, keyId: shownKeyId(entry.keyId)})) : [];
	const mismatches = schemaReady ? (await keyIdMismatches(sql)).map((row) => ({id: row.id, column: sanitizeText(row.column), envelope: shownKeyId(row.envelope)})) : [];
	const undecryptable: {id: string; keyId: string}[] = [];
	if (ring && schemaReady) {
		for (const row of await allSecretRows(sql)) {
			try {
				openSecret(ring, row);
			} catch (error) {
				if (!(error instanceof DecryptFailed)) throw error;
				undecryptable.push({id: row.id, keyId: shownKeyId(row.envelopeKeyId)});
			}
		}
	}
	const rowsByKeyId = counts.map((entry) => ({...entry, configured: ring?.has(entry.keyId) ?? false}));
	if (ctx.keys.status === 'ok') checks.push({name: 'encryption key', ok: true, detail: `key id ${ctx.keys.ring.currentId} (canary verified or not yet written)`});
	else if (ctx.keys.status === 'missing') {
		const total = counts.reduce((sum, entry) => sum + entry.rows, 0);
		// Nothing stored yet is no failure, but no installation to call "ok" either: every change
		// is signed into the audit log with a key derived from ENCRYPTION_KEY, so all are refused.
		checks.push(
			total > 0
				? {name: 'encryption key', ok: false, detail: `ENCRYPTION_KEY is not set; ${total} stored key${total === 1 ? '' : 's'} cannot be used`, hint: 'set ENCRYPTION_KEY (the key this database was set up with)'}
				: {
						name: 'encryption key',
						ok: true,
						warning: true,
						detail: `ENCRYPTION_KEY is not set${ctx.db.kind === 'server' ? ' for this shared server' : ''}: every change is refused (each is signed into the audit log with a key derived from it) and no API key can be stored`,
						hint: 'set ENCRYPTION_KEY (the key this database was set up with); eval752 keygen makes a new one for a new database',
					},
		);
	} else checks.push({name: 'encryption key', ok: false, detail: ctx.keys.message, hint: keyHint(ctx.keys)});

	for (const entry of rowsByKeyId) {
		checks.push(
			entry.configured
				? {name: `key id ${entry.keyId}`, ok: true, detail: `${entry.rows} secret${entry.rows === 1 ? '' : 's'}${ring && entry.keyId !== ring.currentId ? ' (previous key: run eval752 rekey)' : ''}`}
				: {name: `key id ${entry.keyId}`, ok: false, detail: `${entry.rows} secret${entry.rows === 1 ? '' : 's'} under a key that is not configured`, hint: 'add that key to ENCRYPTION_KEY_PREVIOUS'},
		);
	}
	for (const row of mismatches) {
		checks.push({
			name: `key ${row.id}`,
			ok: false,
			detail: `its key_id column says ${row.column || '(empty)'} but the secret is encrypted under key id ${row.envelope}`,
			hint: row.envelope === '?' ? 'the stored secret is damaged: re-enter that API key (eval752 keys rotate PROVIDER)' : 'run eval752 rekey (it re-encrypts the row under the current key and fixes the column)',
		});
	}
	for (const row of undecryptable) {
		checks.push({name: `key ${row.id}`, ok: false, detail: `does not decrypt with any configured key (key id ${row.keyId}): needs a new key`, hint: 'add the old key to ENCRYPTION_KEY_PREVIOUS, or rotate this provider key'});
	}
	if (schemaReady && state.pending.length === 0) checks.push(...(await auditChecks(ctx)));
	if (options.config) checks.push(...configurationChecks(ctx, options.config));
	if (schemaReady && state.pending.length === 0) checks.push(...(await destinationChecks(ctx)));
	return {
		healthy: checks.every((check) => check.ok),
		schemaBehind: state.pending.length > 0,
		database: {kind: ctx.db.kind, location: ctx.db.location, serverVersion: version},
		migrations: {applied: state.applied.length, pending: [...state.pending], changed: [...state.changed], unknown: [...state.unknown]},
		encryption: {
			status: ctx.keys.status,
			currentKeyId: ring?.currentId ?? null,
			previousKeyIds: ring ? ring.ids.filter((id) => id !== ring.currentId) : [],
			rowsByKeyId,
			undecryptable,
			keyIdMismatches: mismatches,
		},
		checks,
	};
}

/**
 * Where the configuration came from: a `.env` that chose the database, the key or the actor
 * says so (a warning: it is allowed, and it is exactly what an attacker's `.env` would do);
 * a `.env` left unread says why. The embedded data directory: only its owner may enter it.
 */
function configurationChecks(ctx: ServiceContext, config: NonNullable<DoctorOptions['config']>): DoctorCheck[] {
	const checks: DoctorCheck[] = [];
	const source = config.envFile;
	if (!source) checks.push({name: 'env file', ok: true, detail: 'none read: every setting comes from the environment'});
	else if (source.supplied.length === 0) checks.push({name: 'env file', ok: true, detail: `${source.file} read; it sets none of eval752's own variables`});
	else {
		checks.push({
			name: 'env file',
			ok: true,
			warning: true,
			detail: `${source.supplied.join(', ')} ${source.supplied.length === 1 ? 'comes' : 'come'} from ${source.file} (${source.origin === 'explicit' ? 'the env file given' : `.env in the ${source.origin}`})`,
			hint: 'make sure that file is yours and says what you expect (the environment wins over it)',
		});
	}
	for (const ignored of config.ignoredEnvFiles) {
		checks.push({name: 'env file', ok: true, warning: true, detail: `ignored ${ignored.file}: it is ${ignored.reason}`, hint: ignored.fix});
	}
	if (ctx.db.kind === 'embedded') {
		// The directory of the database actually open (its pgdata's parent).
		const dir = path.dirname(ctx.db.location);
		try {
			const problem = directoryProblem(dir);
			const mode = octalMode(fs.statSync(dir).mode);
			checks.push(
				problem
					? {name: 'data directory', ok: false, detail: `${dir} is ${problem.reason}`, hint: problem.fix}
					: {name: 'data directory', ok: true, detail: `${dir} is mode ${mode}, nothing in it open to group or others (checked as the database opened)`},
			);
		} catch (error) {
			checks.push({name: 'data directory', ok: false, detail: `${dir} can't be checked (${(error as NodeJS.ErrnoException).code ?? 'error'})`, hint: `check ${dir}`});
		}
	}
	return checks;
}

/** Base URLs that would carry a key in cleartext: refused for a public vendor (no key is sent), warned about for a self-hosted server. */
async function destinationChecks(ctx: ServiceContext): Promise<DoctorCheck[]> {
	const checks: DoctorCheck[] = [];
	for (const provider of await listProviders(ctx)) {
		const risk = cleartextRisk(provider.type, provider.baseUrl);
		if (!risk) continue;
		const name = `provider ${sanitizeText(provider.name)}`;
		checks.push(
			risk.refused
				? {name, ok: false, detail: `${risk.message} (its probes fail as insecure)`, hint: risk.hint}
				: {name, ok: true, warning: true, detail: risk.message, hint: risk.hint},
		);
	}
	return checks;
}

const GRANT_HINT = 'connect the dashboard as a role that owns nothing: as the owner run eval752 migrate --grant <role>, then put that role in DATABASE_URL (README: "A real PostgreSQL")';

/**
 * The audit log's head record, its MAC checked (cheap: no walk of the chain; `audit verify` does
 * that) and, on a shared server, whether the connected role could switch off the append-only
 * triggers. The embedded database has one local user, a superuser by construction: nothing to
 * warn about there.
 */
async function auditChecks(ctx: ServiceContext): Promise<DoctorCheck[]> {
	const checks: DoctorCheck[] = [];
	const head = await readHead(ctx.db.sql);
	// Stored and catalog names are not ours: nothing of them reaches the terminal unsanitised.
	const headKey = sanitizeText(head?.keyId ?? '');
	const ring = ctx.keys.status === 'missing' ? undefined : ctx.keys.ring;
	if (!head) checks.push({name: 'audit head', ok: false, detail: 'the head record of the audit log is missing', hint: 'run eval752 audit verify'});
	else if (head.mac === null || head.keyId === null) {
		checks.push(
			head.seq === 0
				? {name: 'audit head', ok: true, detail: 'the audit log is empty'}
				: {name: 'audit head', ok: false, detail: `the ${head.seq} audit rows written before keyed hashing are not sealed; changes are refused`, hint: 'run eval752 rekey once with ENCRYPTION_KEY set'},
		);
	} else if (!ring) checks.push({name: 'audit head', ok: true, detail: `seq ${head.seq}, signed by key id ${headKey} (not checked: ENCRYPTION_KEY is not set)`});
	else {
		const expected = ring.auditMac(head.keyId, headMessage(head));
		checks.push(
			!expected
				? {name: 'audit head', ok: false, detail: `signed by key id ${headKey}, which is not configured`, hint: 'add that key to ENCRYPTION_KEY_PREVIOUS'}
				: sameMac(expected, head.mac)
					? {name: 'audit head', ok: true, detail: `seq ${head.seq}, signed by key id ${headKey} (eval752 audit verify checks every row)`}
					: {name: 'audit head', ok: false, detail: 'the head record does not match its MAC: it was altered', hint: 'run eval752 audit verify'},
		);
	}
	if (ctx.db.kind === 'server') {
		const privileges = await auditPrivileges(ctx.db.sql);
		if (privileges) {
			const role = sanitizeText(privileges.role);
			const owner = sanitizeText(privileges.owner);
			const why = privileges.superuser
				? `${role} is a superuser`
				: privileges.ownerMember
					? privileges.role === privileges.owner
						? `${role} owns audit_log`
						: `${role} is a member of ${owner}, which owns audit_log`
					: privileges.createRole
						? `${role} has CREATEROLE (it can join the owner role)`
						: undefined;
			if (why) checks.push({name: 'audit privileges', ok: true, warning: true, detail: `${why}: it can disable the audit log's triggers and rewrite it (the MACs still show it, but only to whoever holds the key)`, hint: GRANT_HINT});
			else if (privileges.excess.length > 0) checks.push({name: 'audit privileges', ok: true, warning: true, detail: `${role} may ${privileges.excess.join(', ')} audit_log`, hint: GRANT_HINT});
			else checks.push({name: 'audit privileges', ok: true, detail: `${role} can append to audit_log but not change, delete or unprotect it`});
		}
	}
	return checks;
}

/** An envelope's key id as shown: '?' when the stored value is not an envelope at all. */
function shownKeyId(keyId: string): string {
	return KEY_ID_PATTERN.test(keyId) ? keyId : '?';
}

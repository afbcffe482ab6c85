import {randomBytes, randomUUID} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {dataPaths} from '../source/config/paths.js';
import {KeyRing} from '../source/crypto/index.js';
import {embeddedExists, openEmbedded} from '../source/db/embedded.js';
import {checkKey} from '../source/services/canary.js';
import {mutate, requireRing, type ServiceContext} from '../source/services/context.js';
import {sealSecret} from '../source/services/key-store.js';
import {templateDir} from './support/template.js';

/**
 * Builders shared by the secrets and backup tests. Providers are created with plain SQL (the
 * Providers service is another issue's); secrets go in through the key store, in one mutation
 * with their audit row, exactly as the Keys service will do it.
 */

export async function addProvider(ctx: ServiceContext, name: string): Promise<string> {
	return mutate(ctx, async (tx) => {
		const [row] = await tx<{id: string}[]>`
			insert into providers (name, type, base_url, capabilities, rate_limits, extra_headers)
			values (${name}, 'openai', 'https://api.example.test/v1', ${['system_prompt', 'streaming']}, ${tx.json({rpm: 60})}, ${tx.json({'x-team': 'evals'})})
			returning id`;
		return {value: row!.id, audit: {action: 'provider.add', targetType: 'provider', targetId: row!.id, details: {name}}, changes: [{table: 'providers', id: row!.id}]};
	});
}

/** Stores `secret` for a provider through the key store (sealSecret), audited. */
export async function storeKey(ctx: ServiceContext, providerId: string, secret: string, label = 'default'): Promise<string> {
	const ring = requireRing(ctx);
	return mutate(ctx, async (tx) => {
		const id = randomUUID();
		const sealed = await sealSecret(tx, ring, id, secret);
		await tx`
			insert into provider_keys (id, provider_id, label, ciphertext, key_id, fingerprint, display_hint)
			values (${id}, ${providerId}, ${label}, ${sealed.ciphertext}, ${sealed.keyId}, ${sealed.fingerprint}, ${sealed.displayHint})`;
		return {value: id, audit: {action: 'key.add', targetType: 'provider_key', targetId: id, details: {provider: providerId, label, keyId: sealed.keyId, hint: sealed.displayHint}}, changes: [{table: 'provider_keys', id}]};
	});
}

/** The same database seen with another key ring (what a restart with other ENCRYPTION_KEY settings gives). */
export async function withKeys(ctx: ServiceContext, current: Buffer, previous: Buffer[] = []): Promise<ServiceContext> {
	return {...ctx, keys: await checkKey(ctx.db.sql, KeyRing.from(current, previous))};
}

export function newKey(): Buffer {
	return randomBytes(32);
}

/**
 * A provider-style secret that is easy to find and unlikely to occur by chance anywhere else.
 * Its vendor prefix is the short `sk-`: a display hint shows the prefix by design, and a
 * longer one (`sk-proj-`) is itself 8 characters, public, and would be a false alarm.
 */
export function recognisableSecret(tag: string): string {
	return `sk-${tag}-${randomBytes(18).toString('base64url')}-ZQXJ`;
}

export function tempDir(prefix: string): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), `eval752-${prefix}-`));
}

/**
 * Environment for in-process commands: key settings plus a private data dir and log file, so
 * nothing touches the real user's data directory.
 */
export function commandEnv(dir: string, keys: {current?: Buffer; previous?: Buffer[]}, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {
		EVAL752_DATA_DIR: path.join(dir, 'data'),
		EVAL752_LOG_FILE: path.join(dir, 'eval752.log'),
		...(keys.current ? {ENCRYPTION_KEY: keys.current.toString('hex')} : {}),
		...(keys.previous && keys.previous.length > 0 ? {ENCRYPTION_KEY_PREVIOUS: keys.previous.map((key) => key.toString('hex')).join(',')} : {}),
		...extra,
	};
}

/**
 * The PGlite template that freshEmbeddedDir copies. The global setup builds it only for
 * embedded runs; the backup and embedded tests need it on server runs too (they always have an
 * embedded side), so build it here when it is missing. Built aside and renamed into place, so
 * a concurrent builder never sees half a template.
 */
export async function ensureEmbeddedTemplate(): Promise<void> {
	const dir = templateDir();
	if (embeddedExists(dataPaths(dir))) return;
	const building = `${dir}.building-${process.pid}`;
	fs.rmSync(building, {recursive: true, force: true});
	const db = await openEmbedded(dataPaths(building));
	await db.close();
	try {
		fs.renameSync(building, dir);
	} catch {
		// Another worker finished first: theirs is as good as ours.
		fs.rmSync(building, {recursive: true, force: true});
	}
}

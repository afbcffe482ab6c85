import {randomUUID} from 'node:crypto';
import {DecryptFailed} from '../crypto/index.js';
import {applyKeyPatch, keyProjection, type KeyFields, lastValidationSchema, parseKeyInput, parsePriority, parseKeyStatus, type KeyStatus, type KeySummary, type LastValidation} from '../domain/key.js';
import {changedFields} from '../domain/conflict.js';
import {keyRequired, type ProviderType} from '../domain/families.js';
import {checkField, diffProjection, isUuid} from '../domain/fields.js';
import {conflictError} from './conflict-details.js';
import {
	deleteKeyRow,
	DuplicateSecret,
	firstActiveKey,
	insertKey,
	keyById,
	keyLocationByFingerprints,
	keysByIdPrefix,
	keysOfProvider,
	updateKeyFields,
	updateKeyPriority,
	updateKeyStatus,
	writeValidation,
	type KeyRow,
} from '../db/repositories/keys.js';
import {providerById} from '../db/repositories/providers.js';
import type {Queryable, Tx} from '../db/types.js';
import {ConflictError, NotFoundError, UserError, ValidationError} from '../errors.js';
import {mutate, read, requireRing, type MutationResult, type ServiceContext} from './context.js';
import {decryptKeyRow, sealSecret} from './key-store.js';
import {findProvider} from './providers.js';

/**
 * API keys: add (sealed by the key store), enable, disable, delete, prioritise. Nothing here
 * returns or logs a secret; the one function that decrypts is `keyForCall`, for the provider
 * call itself. Duplicates are found by fingerprint, without decrypting anything.
 */

function summary(row: KeyRow): KeySummary {
	const {updatedBy: _updatedBy, ...rest} = row;
	return rest;
}

/** Eight characters of a key id: what lists show and what `keys … KEY` accepts as a prefix. */
export function shortId(id: string): string {
	return id.slice(0, 8);
}

function describeKey(key: Pick<KeySummary, 'id' | 'label'>): string {
	return key.label ? `${key.label} (${shortId(key.id)})` : shortId(key.id);
}

export async function listKeys(ctx: ServiceContext, providerId: string): Promise<KeySummary[]> {
	if (!isUuid(providerId)) throw new NotFoundError('No such provider id', {hint: 'eval752 providers list shows the providers'});
	return (await read(ctx, (sql) => keysOfProvider(sql, providerId))).map(summary);
}

/** Adds a key to a provider (by name or id). The same secret stored anywhere is refused, naming where. */
export async function addKey(ctx: ServiceContext, providerRef: string, input: {secret: string; label?: string; priority?: number; status?: KeyStatus}): Promise<KeySummary> {
	const parsed = parseKeyInput(input);
	const ring = requireRing(ctx);
	const provider = await findProvider(ctx.db.sql, providerRef);
	return mutate(ctx, async (tx) => {
		const existing = await keyLocationByFingerprints(tx, ring.fingerprints(parsed.secret));
		if (existing) throw duplicate(existing);
		// The row id is chosen first: the ciphertext is bound to it (AAD).
		const id = randomUUID();
		const sealed = await sealSecret(tx, ring, id, parsed.secret);
		let row: KeyRow;
		try {
			row = await insertKey(tx, {id, providerId: provider.id, label: parsed.label, status: parsed.status, priority: parsed.priority, sealed}, ctx.actor);
		} catch (error) {
			if (error instanceof DuplicateSecret) throw new UserError('This key was stored by someone else a moment ago', {hint: 'eval752 keys list shows where'});
			throw error;
		}
		return {
			value: summary(row),
			audit: {action: 'key.add', targetType: 'key', targetId: row.id, details: {provider: provider.name, providerId: provider.id, after: keyProjection(row)}},
			changes: [{table: 'provider_keys', id: row.id}],
		};
	});
}

function duplicate(existing: {id: string; providerName: string; label: string}): UserError {
	return new UserError(`This key is already stored as ${describeKey(existing)} on provider ${existing.providerName}`, {
		hint: 'nothing was added; use that key, or remove it first (eval752 keys rm)',
	});
}

/** Where a secret is already stored (by fingerprint), without storing anything: import-env's dry run. */
export async function storedSecretLocation(ctx: ServiceContext, secret: string): Promise<{id: string; providerName: string; label: string} | undefined> {
	return keyLocationByFingerprints(ctx.db.sql, requireRing(ctx).fingerprints(secret));
}

const PREFIX = /^[0-9a-f-]{4,36}$/;

/** A key by full id or an unambiguous id prefix of at least 4 characters. */
export async function resolveKey(ctx: ServiceContext, ref: string): Promise<KeySummary> {
	return summary(await read(ctx, (sql) => findKey(sql, ref)));
}

async function findKey(sql: Queryable, ref: string): Promise<KeyRow> {
	const text = typeof ref === 'string' ? ref.trim().toLowerCase() : '';
	if (isUuid(text)) {
		const row = await keyById(sql, text);
		if (row) return row;
		throw new NotFoundError(`No key with id ${text}`, {hint: 'eval752 keys list PROVIDER shows the ids'});
	}
	if (!PREFIX.test(text)) {
		throw new ValidationError({key: 'A key is named by its id or the first 4 or more characters of it (0–9, a–f)'});
	}
	const matches = await keysByIdPrefix(sql, text, 5);
	if (matches.length === 0) throw new NotFoundError(`No key id starts with ${text}`, {hint: 'eval752 keys list PROVIDER shows the ids'});
	if (matches.length > 1) throw new UserError(`Key prefix ${text} matches ${matches.length === 5 ? '5 or more' : matches.length} keys (${matches.map((key) => shortId(key.id)).join(', ')})`, {hint: 'give more characters of the id'});
	return matches[0]!;
}

async function currentKey(tx: Tx, id: string): Promise<KeyRow> {
	const row = isUuid(id) ? await keyById(tx, id, {lock: true}) : undefined;
	if (!row) throw new NotFoundError('That key no longer exists — it was deleted', {hint: 'refresh the list (eval752 keys list PROVIDER)'});
	return row;
}

/** The conflict for a key that is no longer at `expectedVersion`: who changed it, when, which fields. */
async function keyConflict(tx: Tx, row: KeyRow, expectedVersion: number): Promise<ConflictError> {
	return conflictError(tx, {type: 'key', id: row.id, subject: `Key ${describeKey(row)}`}, expectedVersion, row);
}

async function checkExpected(tx: Tx, row: KeyRow, expectedVersion: number | undefined): Promise<void> {
	if (expectedVersion !== undefined && row.version !== expectedVersion) throw await keyConflict(tx, row, expectedVersion);
}

function checkVersion(expectedVersion: unknown): number {
	if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
		throw new ValidationError({expectedVersion: 'Expected version must be a whole number from 1 (it comes from the row you read)'});
	}
	return expectedVersion;
}

/**
 * Edits a key's label, priority and status — only the fields `patch` names — if the key is
 * still at `expectedVersion`; otherwise a ConflictError with who, when and which fields, and
 * nothing written. The secret is never edited (a new secret is a rotation).
 */
export async function updateKey(ctx: ServiceContext, id: string, expectedVersion: number, patch: unknown): Promise<KeySummary> {
	const version = checkVersion(expectedVersion);
	return mutate(ctx, async (tx) => {
		const current = await currentKey(tx, id);
		await checkExpected(tx, current, version);
		const before: KeyFields = {label: current.label, priority: current.priority, status: current.status};
		const next = applyKeyPatch(before, patch);
		const updated = await updateKeyFields(tx, current.id, version, next, ctx.actor);
		if (!updated) throw await keyConflict(tx, current, version);
		return keyChange(tx, updated, 'key.update', changedFields(before, next), diffProjection(before, next));
	});
}

/** A key's change as `mutate` takes it: the summary, one audit row (provider, key, which fields, before/after) and the NOTIFY. */
async function keyChange(tx: Tx, updated: KeyRow, action: string, fields: readonly string[], diff: {before: Record<string, unknown>; after: Record<string, unknown>}): Promise<MutationResult<KeySummary>> {
	return {
		value: summary(updated),
		audit: {
			action,
			targetType: 'key',
			targetId: updated.id,
			details: {provider: await providerName(tx, updated.providerId), label: updated.label, displayHint: updated.displayHint, version: updated.version, fields, ...diff},
		},
		changes: [{table: 'provider_keys', id: updated.id}],
	};
}

async function providerName(tx: Tx, providerId: string): Promise<string> {
	return (await providerById(tx, providerId))?.name ?? providerId;
}

export async function setKeyStatus(ctx: ServiceContext, id: string, status: KeyStatus, expectedVersion?: number): Promise<KeySummary> {
	const next = checkField('status', parseKeyStatus, status);
	return mutate(ctx, async (tx) => {
		const current = await currentKey(tx, id);
		await checkExpected(tx, current, expectedVersion);
		if (current.status === next) throw new UserError(`Key ${describeKey(current)} is already ${next}`, {hint: 'nothing was changed'});
		const updated = await updateKeyStatus(tx, current.id, current.version, next, ctx.actor);
		if (!updated) throw await keyConflict(tx, current, current.version);
		return keyChange(tx, updated, next === 'active' ? 'key.enable' : 'key.disable', ['status'], {before: {status: current.status}, after: {status: next}});
	});
}

export async function setKeyPriority(ctx: ServiceContext, id: string, priority: number, expectedVersion?: number): Promise<KeySummary> {
	const next = checkField('priority', parsePriority, priority);
	return mutate(ctx, async (tx) => {
		const current = await currentKey(tx, id);
		await checkExpected(tx, current, expectedVersion);
		const updated = await updateKeyPriority(tx, current.id, current.version, next, ctx.actor);
		if (!updated) throw await keyConflict(tx, current, current.version);
		return keyChange(tx, updated, 'key.priority', current.priority === next ? [] : ['priority'], {before: {priority: current.priority}, after: {priority: next}});
	});
}

/** Deletes a disabled key; an active one only with `force` (calls may be using it). */
export async function deleteKey(ctx: ServiceContext, id: string, options: {force?: boolean} = {}): Promise<void> {
	await mutate(ctx, async (tx) => {
		const current = await currentKey(tx, id);
		if (current.status === 'active' && !options.force) {
			throw new UserError(`Key ${describeKey(current)} is active`, {hint: `disable it first (eval752 keys disable ${shortId(current.id)}), or delete it anyway with --force`});
		}
		await deleteKeyRow(tx, current.id);
		return {
			value: undefined,
			audit: {action: 'key.delete', targetType: 'key', targetId: current.id, details: {provider: await providerName(tx, current.providerId), before: keyProjection(current)}},
			changes: [{table: 'provider_keys', id: current.id}],
		};
	});
}

function isTx(target: ServiceContext | Tx): target is Tx {
	return typeof target === 'function';
}

/**
 * Stores the outcome of a smoke test with this key. Given a transaction it writes inside the
 * caller's mutation (whose audit row covers it); given a context it is its own mutation with
 * one `key.validate` audit row. It does not bump the key's version (see writeValidation).
 */
export async function recordValidation(target: ServiceContext | Tx, keyId: string, validation: LastValidation): Promise<void> {
	const parsed = lastValidationSchema.safeParse(validation);
	if (!parsed.success || Number.isNaN(new Date(parsed.data.at).getTime())) throw new ValidationError({validation: 'A validation needs outcome, errorClass, message, model and an ISO time'});
	const write = async (tx: Queryable) => {
		if (!(await writeValidation(tx, keyId, parsed.data))) throw new NotFoundError('That key no longer exists — it was deleted');
	};
	if (isTx(target)) {
		await write(target);
		return;
	}
	await mutate(target, async (tx) => {
		await write(tx);
		return {
			value: undefined,
			audit: {action: 'key.validate', targetType: 'key', targetId: keyId, details: {outcome: parsed.data.outcome, errorClass: parsed.data.errorClass, model: parsed.data.model}},
			changes: [{table: 'provider_keys', id: keyId}],
		};
	});
}

/**
 * The key for one provider call, decrypted: the given key (id or prefix, which must belong to
 * this provider), or the first active key by priority. null when the provider has no active
 * key. The plaintext lives only as long as the caller keeps it.
 */
/**
 * The refusal when a provider's family needs a key (`keyRequired`) and no active key was found;
 * null when the call may go out (with the key, or keyless to a local server). `purpose` finishes
 * the sentence ("to list its models with"). Smoke tests, probes, discovery and comparisons all
 * ask this, so both front ends refuse the same calls with the same words.
 */
export function missingKeyError(provider: {readonly name: string; readonly type: ProviderType}, chosen: unknown, purpose?: string): UserError | null {
	if (chosen || !keyRequired(provider.type)) return null;
	return new UserError(`Provider ${provider.name} has no active key${purpose ? ` ${purpose}` : ''}`, {hint: `add one: eval752 keys add ${provider.name} --from-stdin`});
}

export async function keyForCall(ctx: ServiceContext, providerId: string, keyRef?: string): Promise<{key: KeySummary; secret: string} | null> {
	const ring = requireRing(ctx);
	const row = await read(ctx, async (sql): Promise<KeyRow | undefined> => {
		if (keyRef === undefined) return isUuid(providerId) ? firstActiveKey(sql, providerId) : undefined;
		const found = await findKey(sql, keyRef);
		if (found.providerId !== providerId) throw new UserError(`Key ${describeKey(found)} belongs to another provider`, {hint: 'eval752 keys list PROVIDER shows this provider\'s keys'});
		return found;
	});
	if (!row) return null;
	try {
		const secret = await read(ctx, (sql) => decryptKeyRow(sql, ring, row.id));
		return {key: summary(row), secret};
	} catch (error) {
		if (!(error instanceof DecryptFailed)) throw error;
		throw await undecryptable(ctx, row, error);
	}
}

/** A stored secret that does not decrypt, as the operator acts on it: which key of which provider, and what to do. */
async function undecryptable(ctx: ServiceContext, row: KeyRow, error: DecryptFailed): Promise<UserError> {
	const provider = (await read(ctx, (sql) => providerById(sql, row.providerId)))?.name ?? row.providerId;
	return new UserError(`Can't decrypt the stored API key ${describeKey(row)} of provider ${provider} (key id ${error.keyId})`, {
		hint:
			error.reason === 'unknown-key'
				? `no configured key has key id ${error.keyId}: add that ENCRYPTION_KEY to ENCRYPTION_KEY_PREVIOUS (eval752 doctor lists every key id)`
				: `the stored secret is damaged: enter the API key again (eval752 keys rotate ${provider}); eval752 doctor lists every secret that does not decrypt`,
		cause: error,
	});
}

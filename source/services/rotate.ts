import {randomUUID} from 'node:crypto';
import {keyProjection, parseKeyInput, PRIORITY_MAX, type KeySummary} from '../domain/key.js';
import {
	deleteKeyRow,
	DuplicateSecret,
	firstActiveKey,
	insertKey,
	keyById,
	keyLocationByFingerprints,
	keysOfProvider,
	updateKeyPriority,
	updateKeyStatus,
	type KeyRow,
} from '../db/repositories/keys.js';
import type {Tx} from '../db/types.js';
import {ConflictError, NotFoundError, UserError} from '../errors.js';
import type {SmokeEvent, SmokeMetrics} from '../providers/index.js';
import {assertWritable, mutate, requireRing, type ServiceContext} from './context.js';
import {sealSecret} from './key-store.js';
import {resolveKey, shortId} from './keys.js';
import {listModels} from './models.js';
import {findProvider} from './providers.js';
import {runSmoke, type SmokeOutcome} from './smoke.js';

/**
 * Guided key rotation, one step at a time so a dashboard wizard and `eval752 keys rotate` drive
 * the same code:
 *
 *   startRotation     → the new key is stored, active, *behind* the old one   (audit: key.rotate.add)
 *   validateRotation  → one smoke test per model with the new key            (audit: smoke.run, one per model)
 *     on failure      → the new key is parked: disabled, its error kept      (audit: key.rotate.park_new)
 *   finishRotation    → the new key first, then the old key disabled/deleted (audit: key.rotate.disable_old |
 *                       key.rotate.delete_old | key.rotate.promote_new)
 *   abandonRotation   → Esc at any step: the new key parked, the old untouched (audit: key.rotate.park_new, or none)
 *
 * Every step is its own transaction with exactly one audit row. The validation step is the smoke
 * test itself: each model tested is stored as a smoke run whose own `smoke.run` row (naming the new
 * key's id) is that step's audit row, so there is no separate `key.rotate.validate` row — it would
 * be a second row for the same change. Finishing is one transaction (priority change and the old
 * key's disable/delete commit together), so it is one step, and a lost race leaves nothing half done.
 *
 * The invariant a rotation keeps: until it finishes, calls keep using the old key (the new key sits
 * at a later priority); when it ends any other way the new key is disabled and the old key is
 * exactly as it was (same status, same version). The secret goes in once, to the key store; no
 * Rotation, event, error, audit row or log line carries it.
 */

export type FinishMode = 'disable-old' | 'delete-old' | 'keep-old';

export interface RotationKey {
	readonly id: string;
	readonly label: string;
	/** The stored display hint (`sk-…a1b2`); never the secret. */
	readonly displayHint: string;
}

export interface Rotation {
	readonly providerId: string;
	readonly providerName: string;
	readonly newKeyId: string;
	readonly newKey: RotationKey;
	/** The key being replaced: the one given, else the provider's first active key; null when it had none. */
	readonly oldKeyId: string | null;
	readonly oldKey: RotationKey | null;
	/** The old key's version when the rotation started: finishing against a newer one is a conflict. */
	readonly oldKeyVersion: number | null;
	/** The provider's configured models, for choosing what to validate on. */
	readonly models: readonly string[];
	readonly startedAt: Date;
}

export interface RotationProgress {
	readonly model: string;
	readonly event: SmokeEvent;
}

export interface ModelValidation {
	readonly model: string;
	readonly outcome: 'ok' | 'failed' | 'cancelled';
	readonly errorClass: string | null;
	readonly message: string | null;
	readonly hint: string | null;
	readonly metrics: SmokeMetrics | null;
}

export interface RotationValidation {
	/** True only when every tested model finished ok. */
	readonly ok: boolean;
	readonly cancelled: boolean;
	readonly results: readonly ModelValidation[];
	/** True when the new key was parked (disabled) because validation did not pass. */
	readonly parked: boolean;
	/** One sentence for the operator: what state the keys are in now. */
	readonly state: string;
}

export interface FinishResult {
	readonly mode: FinishMode;
	readonly newKey: KeySummary;
	/** The old key after the step (disabled, or as it was for keep-old); null when deleted or there was none. */
	readonly oldKey: KeySummary | null;
	readonly state: string;
}

/** Lost the race to finish: another rotation disabled or deleted the old key first. */
export class RotationConflictError extends ConflictError {
	override readonly hint: string;
	constructor(what: string, changedBy: string | null, newKeyHint: string) {
		super(what, changedBy);
		this.hint = `your new key ${newKeyHint} is stored but disabled; eval752 keys list shows what the other rotation left`;
	}
}

function keyRef(row: Pick<KeySummary, 'id' | 'label' | 'displayHint'>): RotationKey {
	return {id: row.id, label: row.label, displayHint: row.displayHint};
}

function summary(row: KeyRow): KeySummary {
	const {updatedBy: _updatedBy, ...rest} = row;
	return rest;
}

function hintOf(key: RotationKey | null): string {
	return key ? key.displayHint : 'none';
}

/**
 * Step 1: stores the new key encrypted as an ACTIVE key with a priority after every key the
 * provider has, so calls keep using the old key until the rotation finishes. Refuses before
 * storing anything when the provider has no model to validate on, the old key is not this
 * provider's, or the same secret is stored anywhere already.
 */
export async function startRotation(ctx: ServiceContext, providerRef: string, input: {secret: string; label?: string; oldKeyRef?: string}): Promise<Rotation> {
	assertWritable(ctx);
	const ring = requireRing(ctx);
	const parsed = parseKeyInput({secret: input.secret, label: input.label});
	const provider = await findProvider(ctx.db.sql, providerRef);
	const models = (await listModels(ctx, provider.id)).map((model) => model.modelName);
	if (models.length === 0) {
		throw new UserError(`Provider ${provider.name} has no models to validate a new key on; nothing was stored`, {hint: `attach one first: eval752 models add ${provider.name} --model MODEL_ID`});
	}
	let old: KeyRow | undefined;
	if (input.oldKeyRef !== undefined) {
		const chosen = await resolveKey(ctx, input.oldKeyRef);
		if (chosen.providerId !== provider.id) throw new UserError(`Key ${shortId(chosen.id)} belongs to another provider; nothing was stored`, {hint: `eval752 keys list ${provider.name} shows this provider's keys`});
		old = await keyById(ctx.db.sql, chosen.id);
	} else {
		old = await firstActiveKey(ctx.db.sql, provider.id);
	}

	const row = await mutate(ctx, async (tx) => {
		const existing = await keyLocationByFingerprints(tx, ring.fingerprints(parsed.secret));
		if (existing) {
			throw new UserError(`This key is already stored (${shortId(existing.id)}) on provider ${existing.providerName}; nothing was stored`, {hint: 'rotate to a key that is not stored yet'});
		}
		const keys = await keysOfProvider(tx, provider.id);
		const priority = Math.min(PRIORITY_MAX, Math.max(-1, ...keys.map((key) => key.priority)) + 1);
		const id = randomUUID();
		const sealed = await sealSecret(tx, ring, id, parsed.secret);
		let inserted: KeyRow;
		try {
			inserted = await insertKey(tx, {id, providerId: provider.id, label: parsed.label, status: 'active', priority, sealed}, ctx.actor);
		} catch (error) {
			if (error instanceof DuplicateSecret) throw new UserError('This key was stored by someone else a moment ago; nothing was stored', {hint: 'eval752 keys list shows where'});
			throw error;
		}
		return {
			value: inserted,
			audit: {
				action: 'key.rotate.add',
				targetType: 'key',
				targetId: inserted.id,
				details: {
					provider: provider.name,
					providerId: provider.id,
					after: keyProjection(inserted),
					oldKeyId: old?.id ?? null,
					oldKey: old?.displayHint ?? null,
					oldKeyVersion: old?.version ?? null,
				},
			},
			changes: [{table: 'provider_keys', id: inserted.id}],
		};
	});
	return {
		providerId: provider.id,
		providerName: provider.name,
		newKeyId: row.id,
		newKey: keyRef(row),
		oldKeyId: old?.id ?? null,
		oldKey: old ? keyRef(old) : null,
		oldKeyVersion: old?.version ?? null,
		models,
		startedAt: row.createdAt,
	};
}

/**
 * Step 2: a smoke test with the NEW key (given explicitly, whatever its priority) on one model
 * (`model`, default the provider's first), or on every configured model (`allModels`), one after
 * the other. Each test is stored and audited by runSmoke (`smoke.run`) and records the key's last
 * validation. When any model does not finish ok (a failure, or the signal aborts) the new key is
 * parked before the generator returns, so the state is consistent however it ends.
 *
 * The generator yields every smoke event with its model and *returns* the verdict (the one stream
 * protocol: lib/stream.ts `consume` drives it).
 */
export async function* validateRotation(
	ctx: ServiceContext,
	rotation: Rotation,
	options: {model?: string; allModels?: boolean},
	signal: AbortSignal,
): AsyncGenerator<RotationProgress, RotationValidation> {
	assertWritable(ctx);
	if (options.model !== undefined && options.allModels) throw new UserError('Choose one model or all models, not both', {hint: 'drop --model or --all-models', exitCode: 2});
	const current = await keyById(ctx.db.sql, rotation.newKeyId);
	if (!current) throw new NotFoundError(`The new key ${rotation.newKey.displayHint} no longer exists — it was deleted`, {hint: 'start the rotation again'});
	if (current.status !== 'active') throw new UserError(`The new key ${rotation.newKey.displayHint} is disabled; it is not validated again`, {hint: 'start the rotation again with the key'});
	if (options.model !== undefined && !options.model.trim()) throw new UserError('The model name is empty', {hint: `eval752 models list ${rotation.providerName} shows the configured ones`, exitCode: 2});
	const models = options.allModels ? rotation.models : [options.model?.trim() || rotation.models[0]!];

	const results: ModelValidation[] = [];
	try {
		yield* smokeEach(ctx, rotation, models, results, signal);
	} catch (error) {
		// A refused smoke test (no such model, the database gone) still ends the step cleanly.
		await parkNewKey(ctx, rotation, 'validation-failed', null).catch(() => false);
		throw error;
	}

	const ok = results.length === models.length && results.every((result) => result.outcome === 'ok');
	const cancelled = results.some((result) => result.outcome === 'cancelled');
	let verdict: RotationValidation;
	if (ok) {
		verdict = {ok, cancelled, results, parked: false, state: `The new key ${rotation.newKey.displayHint} is validated and active behind the old key ${hintOf(rotation.oldKey)}, which calls still use first.`};
	} else {
		const failed = results.find((result) => result.outcome !== 'ok');
		await parkNewKey(ctx, rotation, cancelled ? 'cancelled' : 'validation-failed', failed?.errorClass ?? null);
		verdict = {ok, cancelled, results, parked: true, state: await describeRotation(ctx, rotation)};
	}
	return verdict;
}

/** One model after another; stops at the first that does not finish ok (the key is bad, or cancelled). */
async function* smokeEach(ctx: ServiceContext, rotation: Rotation, models: readonly string[], results: ModelValidation[], signal: AbortSignal): AsyncGenerator<RotationProgress> {
	for (const model of models) {
		if (signal.aborted) {
			results.push({model, outcome: 'cancelled', errorClass: 'cancelled', message: 'The validation is cancelled', hint: null, metrics: null});
			break;
		}
		const outcome = yield* tagged(model, runSmoke(ctx, {provider: rotation.providerId, model, key: rotation.newKeyId}, signal));
		const {errorClass, message, hint, metrics} = outcome;
		const last: ModelValidation = {model, outcome: outcome.outcome, errorClass, message, hint, metrics};
		results.push(last);
		if (last.outcome !== 'ok') break;
	}
}

/** A smoke test's events, each with its model; its outcome passed on. */
async function* tagged(model: string, smoke: AsyncGenerator<SmokeEvent, SmokeOutcome>): AsyncGenerator<RotationProgress, SmokeOutcome> {
	for (;;) {
		const next = await smoke.next();
		if (next.done) return next.value;
		yield {model, event: next.value};
	}
}

/**
 * Disables the new key (one `key.rotate.park_new` row) unless it is already disabled or gone.
 * Its last validation (the error class of the failed smoke test) stays as runSmoke stored it.
 * Returns false when there was nothing to do.
 */
async function parkNewKey(ctx: ServiceContext, rotation: Rotation, reason: 'validation-failed' | 'cancelled' | 'abandoned' | 'lost-race', errorClass: string | null): Promise<boolean> {
	try {
		return await mutate(ctx, async (tx) => {
			const current = await keyById(tx, rotation.newKeyId, {lock: true});
			// Already disabled or gone: not a change, so no audit row (the transaction rolls back empty).
			if (!current || current.status === 'disabled') throw new NothingToDo();
			const parked = await updateKeyStatus(tx, current.id, current.version, 'disabled', ctx.actor);
			if (!parked) throw new ConflictError(`Key ${rotation.newKey.displayHint}`, current.updatedBy);
			return {
				value: true,
				audit: {
					action: 'key.rotate.park_new',
					targetType: 'key',
					targetId: current.id,
					details: {provider: rotation.providerName, providerId: rotation.providerId, reason, errorClass, displayHint: current.displayHint, before: {status: 'active'}, after: {status: 'disabled'}, oldKeyId: rotation.oldKeyId},
				},
				changes: [{table: 'provider_keys', id: current.id}],
			};
		});
	} catch (error) {
		if (error instanceof NothingToDo) return false;
		throw error;
	}
}

class NothingToDo extends Error {}

/**
 * Step 3, after a passed validation: in ONE transaction the new key becomes the first key used
 * and the old key is disabled (`disable-old`) or deleted (`delete-old`); `keep-old` only moves
 * the new key first and leaves the old one active as a fallback. The old key must still be at the
 * version captured when the rotation started: when another operator's rotation got there first
 * this is a RotationConflictError, the transaction leaves nothing behind, and the new key of the
 * losing rotation is parked (disabled) so no unvalidated-as-replacement key stays active.
 */
export async function finishRotation(ctx: ServiceContext, rotation: Rotation, mode: FinishMode): Promise<FinishResult> {
	assertWritable(ctx);
	if (mode !== 'disable-old' && mode !== 'delete-old' && mode !== 'keep-old') throw new UserError('Finish with disable-old, delete-old or keep-old', {exitCode: 2});
	try {
		return await mutate(ctx, async (tx) => finishStep(ctx, tx, rotation, mode));
	} catch (error) {
		if (error instanceof RotationConflictError) await parkNewKey(ctx, rotation, 'lost-race', null);
		throw error;
	}
}

async function finishStep(ctx: ServiceContext, tx: Tx, rotation: Rotation, mode: FinishMode) {
	const fresh = await keyById(tx, rotation.newKeyId, {lock: true});
	if (!fresh) throw new NotFoundError(`The new key ${rotation.newKey.displayHint} no longer exists — it was deleted; nothing was changed`, {hint: 'start the rotation again'});
	if (fresh.status !== 'active') throw new UserError(`The new key ${rotation.newKey.displayHint} is disabled; nothing was changed`, {hint: 'start the rotation again with a key that validates'});
	// The key was created by this rotation, so any validation on it belongs to this rotation
	// (comparing against startedAt would trust two clocks: the server's and ours).
	if (fresh.lastValidation?.outcome !== 'ok') throw new UserError(`The new key ${rotation.newKey.displayHint} has not passed a smoke test yet; nothing was changed`, {hint: 'validate it first'});

	let old: KeyRow | undefined;
	if (rotation.oldKeyId !== null && mode !== 'keep-old') {
		old = await keyById(tx, rotation.oldKeyId, {lock: true});
		if (!old) throw new RotationConflictError(`The old key ${hintOf(rotation.oldKey)}`, null, rotation.newKey.displayHint);
		if (old.version !== rotation.oldKeyVersion) throw new RotationConflictError(`The old key ${hintOf(rotation.oldKey)}`, old.updatedBy, rotation.newKey.displayHint);
	}

	// First: the new key ahead of every other active key. Keys tied at the top are moved down
	// one place (their order among themselves kept), so "first" holds even when all sit at 0.
	const others = (await keysOfProvider(tx, rotation.providerId)).filter((key) => key.status === 'active' && key.id !== fresh.id && key.id !== old?.id);
	const lowest = others.length === 0 ? fresh.priority : Math.min(...others.map((key) => key.priority));
	const target = others.length === 0 ? Math.min(fresh.priority, old?.priority ?? fresh.priority) : Math.max(0, lowest - 1);
	const shifted: string[] = [];
	if (others.length > 0 && lowest === 0) {
		for (const key of others.sort((a, b) => b.priority - a.priority)) {
			if (key.priority >= PRIORITY_MAX) continue;
			const moved = await updateKeyPriority(tx, key.id, key.version, key.priority + 1, ctx.actor);
			if (!moved) throw new ConflictError(`Key ${key.displayHint}`, key.updatedBy);
			shifted.push(key.id);
		}
	}
	let promoted: KeyRow = fresh;
	if (target !== fresh.priority) {
		const moved = await updateKeyPriority(tx, fresh.id, fresh.version, target, ctx.actor);
		if (!moved) throw new ConflictError(`Key ${fresh.displayHint}`, fresh.updatedBy);
		promoted = moved;
	}

	let oldAfter: KeyRow | null = old ?? null;
	if (old && mode === 'disable-old') {
		if (old.status === 'active') {
			const disabled = await updateKeyStatus(tx, old.id, old.version, 'disabled', ctx.actor);
			if (!disabled) throw new RotationConflictError(`The old key ${hintOf(rotation.oldKey)}`, old.updatedBy, rotation.newKey.displayHint);
			oldAfter = disabled;
		}
	} else if (old && mode === 'delete-old') {
		await deleteKeyRow(tx, old.id);
		oldAfter = null;
	}
	if (mode === 'keep-old' && rotation.oldKeyId !== null) oldAfter = (await keyById(tx, rotation.oldKeyId)) ?? null;

	const action = rotation.oldKeyId === null || mode === 'keep-old' ? 'key.rotate.promote_new' : mode === 'disable-old' ? 'key.rotate.disable_old' : 'key.rotate.delete_old';
	const state = finishedState(rotation, mode, oldAfter);
	return {
		value: {mode, newKey: summary(promoted), oldKey: oldAfter ? summary(oldAfter) : null, state},
		audit: {
			action,
			targetType: 'key',
			targetId: old?.id ?? fresh.id,
			details: {
				provider: rotation.providerName,
				providerId: rotation.providerId,
				newKeyId: fresh.id,
				newKey: {displayHint: fresh.displayHint, before: {priority: fresh.priority}, after: {priority: promoted.priority}},
				oldKeyId: rotation.oldKeyId,
				oldKey: old ? {displayHint: old.displayHint, before: keyProjection(old), after: mode === 'delete-old' ? null : {status: oldAfter?.status ?? old.status}} : null,
				shiftedKeyIds: shifted,
			},
		},
		changes: [{table: 'provider_keys', id: fresh.id}, ...(old ? [{table: 'provider_keys', id: old.id}] : []), ...shifted.map((id) => ({table: 'provider_keys', id}))],
	};
}

function finishedState(rotation: Rotation, mode: FinishMode, oldAfter: KeyRow | null): string {
	const first = `The new key ${rotation.newKey.displayHint} is active and used first`;
	if (rotation.oldKey === null) return `${first}; there was no old key.`;
	if (mode === 'delete-old') return `${first}; the old key ${rotation.oldKey.displayHint} is deleted.`;
	if (mode === 'disable-old') return `${first}; the old key ${rotation.oldKey.displayHint} is disabled.`;
	return `${first}; the old key ${rotation.oldKey.displayHint} stays ${oldAfter?.status ?? 'deleted'} as a fallback.`;
}

/**
 * Esc at any step. Before a rotation exists (`null`: the key was still being typed) nothing was
 * stored. Afterwards, unless it finished, the new key is parked (one `key.rotate.park_new` row,
 * or none when it is already disabled) and the old key is left exactly as it is. Returns one
 * sentence describing the state it leaves.
 */
export async function abandonRotation(ctx: ServiceContext, rotation: Rotation | null): Promise<string> {
	if (rotation === null) return 'Nothing was stored; the provider\'s keys are unchanged.';
	const current = await keyById(ctx.db.sql, rotation.newKeyId);
	if (current && current.status === 'active' && !(await isFinished(ctx, rotation, current))) {
		assertWritable(ctx);
		await parkNewKey(ctx, rotation, 'abandoned', null);
	}
	return describeRotation(ctx, rotation);
}

/** Finished means the new key is first and the old key is no longer active (or there was none). */
async function isFinished(ctx: ServiceContext, rotation: Rotation, current: KeyRow): Promise<boolean> {
	const first = await firstActiveKey(ctx.db.sql, rotation.providerId);
	if (first?.id !== current.id) return false;
	if (rotation.oldKeyId === null) return true;
	const old = await keyById(ctx.db.sql, rotation.oldKeyId);
	return !old || old.status !== 'active' || old.priority > current.priority;
}

/** One sentence on where a rotation's two keys stand now, read from the database. */
export async function describeRotation(ctx: ServiceContext, rotation: Rotation): Promise<string> {
	const current = await keyById(ctx.db.sql, rotation.newKeyId);
	const old = rotation.oldKeyId === null ? undefined : await keyById(ctx.db.sql, rotation.oldKeyId);
	const oldPart =
		rotation.oldKey === null
			? 'the provider had no old key'
			: !old
				? `the old key ${rotation.oldKey.displayHint} is deleted`
				: old.status === 'active'
					? `the old key ${rotation.oldKey.displayHint} is still active`
					: `the old key ${rotation.oldKey.displayHint} is disabled`;
	if (!current) return `The new key ${rotation.newKey.displayHint} is gone (someone deleted it); ${oldPart}.`;
	if (current.status === 'disabled') {
		const why = current.lastValidation && current.lastValidation.outcome === 'failed' ? ` (last validation: ${current.lastValidation.errorClass ?? 'failed'})` : '';
		return `The new key ${rotation.newKey.displayHint} is stored but disabled${why}; ${oldPart}.`;
	}
	const first = await firstActiveKey(ctx.db.sql, rotation.providerId);
	if (first?.id === current.id) return `The new key ${rotation.newKey.displayHint} is active and used first; ${oldPart}.`;
	return `The new key ${rotation.newKey.displayHint} is active behind ${first ? first.displayHint : 'another key'}; ${oldPart}.`;
}


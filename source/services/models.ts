import {applyModelPatch, modelProjection, parseModelInput, type AliasEntry, type Model, type ModelInput} from '../domain/model.js';
import {diffProjection, isUuid} from '../domain/fields.js';
import {aliasRows, deleteModelRow, insertModel, listModelRows, modelById, modelsByIdPrefix, updateModelRow, type ModelRow} from '../db/repositories/models.js';
import {providerById} from '../db/repositories/providers.js';
import type {Tx} from '../db/types.js';
import {ConflictError, NotFoundError, UserError, ValidationError} from '../errors.js';
import {changedFields} from '../domain/conflict.js';
import {conflictError} from './conflict-details.js';
import {mutate, read, type ServiceContext} from './context.js';
import {findProvider} from './providers.js';

/** Models on providers, and the aliases that group them for comparisons. */

function toModel(row: ModelRow): Model {
	const {updatedBy: _updatedBy, ...rest} = row;
	return rest;
}

function inputOf(model: Model): ModelInput {
	return {modelName: model.modelName, displayLabel: model.displayLabel, alias: model.alias};
}

export async function listModels(ctx: ServiceContext, providerId?: string): Promise<Model[]> {
	if (providerId !== undefined && !isUuid(providerId)) throw new NotFoundError('No such provider id', {hint: 'eval752 providers list shows the providers'});
	return (await read(ctx, (sql) => listModelRows(sql, providerId))).map(toModel);
}

/** A model by full id or an unambiguous id prefix (4+ characters), for the command line. */
export async function resolveModel(ctx: ServiceContext, ref: string): Promise<Model> {
	const text = typeof ref === 'string' ? ref.trim().toLowerCase() : '';
	if (isUuid(text)) {
		const row = await read(ctx, (sql) => modelById(sql, text));
		if (row) return toModel(row);
		throw new NotFoundError(`No model with id ${text}`, {hint: 'eval752 models list shows the ids'});
	}
	if (!/^[0-9a-f-]{4,36}$/.test(text)) throw new ValidationError({model: 'A model is named by its id or the first 4 or more characters of it (0–9, a–f)'});
	const matches = await read(ctx, (sql) => modelsByIdPrefix(sql, text, 5));
	if (matches.length === 0) throw new NotFoundError(`No model id starts with ${text}`, {hint: 'eval752 models list shows the ids'});
	if (matches.length > 1) throw new UserError(`Model prefix ${text} matches more than one model`, {hint: 'give more characters of the id'});
	return toModel(matches[0]!);
}

export async function addModel(ctx: ServiceContext, providerRef: string, input: {modelName: string; displayLabel?: string; alias?: string | null}): Promise<Model> {
	const parsed = parseModelInput(input);
	const provider = await findProvider(ctx.db.sql, providerRef);
	return mutate(ctx, async (tx) => {
		// Locked so a concurrent provider delete can't leave the insert pointing nowhere mid-flight.
		const current = await providerById(tx, provider.id, {lock: true});
		if (!current) throw new NotFoundError(`Provider ${provider.name} no longer exists — it was deleted`);
		const row = await insertModel(tx, current.id, current.name, parsed, ctx.actor);
		return {
			value: toModel(row),
			audit: {action: 'model.add', targetType: 'model', targetId: row.id, details: {provider: current.name, providerId: current.id, after: modelProjection(parsed)}},
			changes: [{table: 'models', id: row.id}],
		};
	});
}

async function currentModel(tx: Tx, id: string): Promise<ModelRow> {
	const row = isUuid(id) ? await modelById(tx, id, {lock: true}) : undefined;
	if (!row) throw new NotFoundError('That model no longer exists — it was deleted', {hint: 'refresh the list (eval752 models list)'});
	return row;
}

/** The conflict for a model that is no longer at `expectedVersion`: who changed it, when, which fields. */
async function modelConflict(tx: Tx, current: ModelRow, expectedVersion: number): Promise<ConflictError> {
	return conflictError(tx, {type: 'model', id: current.id, subject: `Model ${current.modelName}`}, expectedVersion, current);
}

/**
 * Applies `patch` — only the fields it names — to the model, if it is still at
 * `expectedVersion`; otherwise a ConflictError with who, when and which fields, and nothing written.
 */
export async function updateModel(ctx: ServiceContext, id: string, expectedVersion: number, patch: unknown): Promise<Model> {
	if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
		throw new ValidationError({expectedVersion: 'Expected version must be a whole number from 1 (it comes from the row you read)'});
	}
	return mutate(ctx, async (tx) => {
		const current = await currentModel(tx, id);
		if (current.version !== expectedVersion) throw await modelConflict(tx, current, expectedVersion);
		const before = inputOf(current);
		const next = applyModelPatch(before, patch);
		const provider = (await providerById(tx, current.providerId))?.name ?? current.providerId;
		const updated = await updateModelRow(tx, current.id, expectedVersion, provider, next, ctx.actor);
		if (!updated) throw await modelConflict(tx, current, expectedVersion);
		return {
			value: toModel(updated),
			audit: {
				action: 'model.update',
				targetType: 'model',
				targetId: updated.id,
				details: {
					provider,
					modelName: updated.modelName,
					version: updated.version,
					fields: changedFields(modelProjection(before), modelProjection(next)),
					...diffProjection(modelProjection(before), modelProjection(next)),
				},
			},
			changes: [{table: 'models', id: updated.id}],
		};
	});
}

export async function deleteModel(ctx: ServiceContext, id: string): Promise<void> {
	await mutate(ctx, async (tx) => {
		const current = await currentModel(tx, id);
		const provider = (await providerById(tx, current.providerId))?.name ?? current.providerId;
		await deleteModelRow(tx, current.id);
		return {
			value: undefined,
			audit: {action: 'model.delete', targetType: 'model', targetId: current.id, details: {provider, before: modelProjection(inputOf(current))}},
			changes: [{table: 'models', id: current.id}],
		};
	});
}

export async function listAliases(ctx: ServiceContext): Promise<AliasEntry[]> {
	return read(ctx, (sql) => aliasRows(sql));
}

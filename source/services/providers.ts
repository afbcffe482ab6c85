import {applyProviderPatch, providerFields, providerProjection, type Provider, type ProviderFields} from '../domain/provider.js';
import {diffProjection, isUuid} from '../domain/fields.js';
import {
	deleteProviderRow,
	insertProvider,
	listProviderSummaries,
	providerById,
	providerNameRows,
	providerPosition,
	providerByName,
	providerDependents,
	updateProviderRow,
} from '../db/repositories/providers.js';
import type {KeyFailureRow, ModelRunRow, ProviderSummaryRow} from '../db/repositories/providers.js';
import type {ObservedLimits} from '../domain/observed-limits.js';
import type {ProbeKind} from '../domain/probe.js';
import type {RateLimits} from '../domain/provider.js';
import type {Queryable, Tx} from '../db/types.js';
import {ConflictError, NotFoundError, UserError, ValidationError} from '../errors.js';
import {changedFields} from '../domain/conflict.js';
import {conflictError} from './conflict-details.js';
import {describeLimits} from '../providers/index.js';
import {mutate, read, type ServiceContext} from './context.js';
import type {ListWindow, WindowRequest} from '../lib/list-window.js';

/**
 * Providers: create, edit, enable, disable, delete. Every write goes through `mutate` (one
 * audit row, one NOTIFY) and every edit is optimistic: it names the version it started from.
 */

/**
 * A provider with everything the list, the board, `status` and the health model read — all from
 * one query (see `listProviderSummaries`), so the board stays cheap with thousands of providers.
 * Judge it with `providerHealth(summary, {now, maxAgeMs})` (services/health.ts).
 */
export interface ProviderSummary extends Provider {
	keysActive: number;
	keysTotal: number;
	models: number;
	/** The newest run that was not cancelled, with any key. */
	lastSmoke: {outcome: string; errorClass: string | null; at: Date; totalMs: number | null; model: string; probeKind: ProbeKind} | null;
	/** The key calls use (first active by priority); null when none is active. */
	servingKey: {id: string; displayHint: string; label: string} | null;
	/** Every configured model with the serving key's newest verdict on it. */
	modelRuns: readonly ModelRunRow[];
	/** Other keys whose last validation failed (rotation candidates, parked or retired keys). */
	keyFailures: readonly KeyFailureRow[];
	/** The newest rate-limit headers a probe response carried: what the provider said, and when. */
	observedLimits: ObservedLimits | null;
}

export async function listProviders(ctx: ServiceContext): Promise<ProviderSummary[]> {
	return (await read(ctx, (sql) => listProviderSummaries(sql))).map(summaryOf);
}

/** Every provider's id and name, in list order: what `:provider NAME` and its Tab completion look up. */
export async function providerNames(ctx: ServiceContext): Promise<{id: string; name: string}[]> {
	return read(ctx, (sql) => providerNameRows(sql));
}

/**
 * The board's rows without the whole list: the selection's position and the counts (one query),
 * then only the window's summaries — so the board costs the same at 10 providers and at 2,000.
 */
/** What the board asks for: `size` summaries around provider `id`; the filter matches the name (case-insensitive) or the type. */
export async function providerWindow(ctx: ServiceContext, request: WindowRequest): Promise<ListWindow<ProviderSummary>> {
	const size = Math.max(1, Math.floor(request.size));
	return read(ctx, async (sql) => {
		const {total, matched, position} = await providerPosition(sql, request.filter, request.id);
		const wanted = position ?? Math.min(Math.max(0, Math.floor(request.index)), Math.max(0, matched - 1));
		const offset = Math.max(0, Math.min(wanted - Math.floor(size / 2), matched - size));
		const rows = matched === 0 ? [] : (await listProviderSummaries(sql, {window: {needle: request.filter, offset, limit: size}})).map(summaryOf);
		// A write between the two queries can shorten the list: the selection stays on a row that is there.
		const index = rows.length === 0 ? 0 : Math.min(wanted, offset + rows.length - 1);
		return {rows, offset, index, count: Math.max(matched, offset + rows.length), total};
	});
}

function summaryOf(row: ProviderSummaryRow): ProviderSummary {
	return {
		...row.provider,
		keysActive: row.keysActive,
		keysTotal: row.keysTotal,
		models: row.models,
		lastSmoke: row.lastSmoke,
		servingKey: row.servingKey,
		modelRuns: row.modelRuns,
		keyFailures: row.keyFailures,
		observedLimits: row.observed,
	};
}

/** One provider's summary (by name or id): the same fields as the list. */
export async function providerSummary(ctx: ServiceContext, ref: string): Promise<ProviderSummary> {
	const provider = await getProvider(ctx, ref);
	const [found] = await read(ctx, (sql) => listProviderSummaries(sql, {id: provider.id}));
	if (!found) throw new NotFoundError('That provider no longer exists — it was deleted', {hint: 'eval752 providers list shows the names'});
	return summaryOf(found);
}

/** By id, or by name (case-insensitive). The ref is echoed only when it is short, printable text. */
export async function findProvider(sql: Queryable, ref: string): Promise<Provider> {
	const trimmed = ref.trim();
	const found = isUuid(trimmed) ? ((await providerById(sql, trimmed.toLowerCase())) ?? (await providerByName(sql, trimmed))) : trimmed === '' ? undefined : await providerByName(sql, trimmed);
	if (found) return found;
	const shown = trimmed.length > 0 && trimmed.length <= 64 && !/[\p{Cc}\p{Cf}]/u.test(trimmed) ? ` named ${trimmed}` : ' matches that name';
	throw new NotFoundError(`No provider${shown}`, {hint: 'eval752 providers list shows the names'});
}

/** A provider by name (case-insensitive) or id. */
export async function getProvider(ctx: ServiceContext, ref: string): Promise<Provider> {
	return read(ctx, (sql) => findProvider(sql, ref));
}

/** A provider's editable, non-secret fields (the same projection the audit log carries). */
export function fieldsOf(provider: Provider): ProviderFields {
	return providerProjection(provider);
}

export async function createProvider(ctx: ServiceContext, input: unknown): Promise<Provider> {
	const fields = providerFields(input);
	return mutate(ctx, async (tx) => {
		const provider = await insertProvider(tx, fields, ctx.actor);
		return {
			value: provider,
			audit: {action: 'provider.create', targetType: 'provider', targetId: provider.id, details: {after: providerProjection(fields)}},
			changes: [{table: 'providers', id: provider.id}],
		};
	});
}

/** The row inside the transaction, or NotFound: a provider someone deleted meanwhile. */
async function currentProvider(tx: Tx, id: string): Promise<Provider> {
	const provider = isUuid(id) ? await providerById(tx, id, {lock: true}) : undefined;
	if (!provider) throw new NotFoundError('That provider no longer exists — it was deleted', {hint: 'refresh the list (eval752 providers list)'});
	return provider;
}

function checkVersion(expectedVersion: unknown): number {
	if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
		throw new ValidationError({expectedVersion: 'Expected version must be a whole number from 1 (it comes from the row you read)'});
	}
	return expectedVersion;
}

/** The conflict for a provider that is no longer at `expectedVersion`: who changed it, when, which fields. */
async function providerConflict(tx: Tx, current: Provider, expectedVersion: number): Promise<ConflictError> {
	return conflictError(tx, {type: 'provider', id: current.id, subject: `Provider ${current.name}`}, expectedVersion, current);
}

async function applyUpdate(ctx: ServiceContext, tx: Tx, current: Provider, expectedVersion: number, next: ProviderFields): Promise<Provider> {
	const updated = await updateProviderRow(tx, current.id, expectedVersion, next, ctx.actor);
	if (!updated) throw await providerConflict(tx, current, expectedVersion);
	return updated;
}

/**
 * Applies `patch` — only the fields it names — to the provider, if it is still at
 * `expectedVersion`. A newer row is a ConflictError that says who changed it, when and which
 * fields (nothing is written); saving over theirs is `saveOverConflict` (services/conflicts.ts),
 * or this again with the version the conflict reports.
 */
export async function updateProvider(ctx: ServiceContext, id: string, expectedVersion: number, patch: unknown): Promise<Provider> {
	const version = checkVersion(expectedVersion);
	return mutate(ctx, async (tx) => {
		// Locked: the version compared here is the version written over.
		const current = await currentProvider(tx, id);
		if (current.version !== version) throw await providerConflict(tx, current, version);
		const before = fieldsOf(current);
		const next = applyProviderPatch(before, patch);
		const updated = await applyUpdate(ctx, tx, current, version, next);
		return {
			value: updated,
			audit: {
				action: 'provider.update',
				targetType: 'provider',
				targetId: updated.id,
				details: {
					name: updated.name,
					version: updated.version,
					fields: changedFields(providerProjection(before), providerProjection(next), ['rateLimits']),
					...diffProjection(providerProjection(before), providerProjection(next)),
				},
			},
			changes: [{table: 'providers', id: updated.id}],
		};
	});
}

/** Enable or disable; without `expectedVersion` it applies to whatever the row is now (the row is locked while it does). */
export async function setProviderEnabled(ctx: ServiceContext, id: string, enabled: boolean, expectedVersion?: number): Promise<Provider> {
	if (typeof enabled !== 'boolean') throw new ValidationError({enabled: 'Enabled must be true or false'});
	const version = expectedVersion === undefined ? undefined : checkVersion(expectedVersion);
	return mutate(ctx, async (tx) => {
		const current = await currentProvider(tx, id);
		if (version !== undefined && current.version !== version) throw await providerConflict(tx, current, version);
		if (current.enabled === enabled) {
			throw new UserError(`Provider ${current.name} is already ${enabled ? 'enabled' : 'disabled'}`, {hint: 'nothing was changed'});
		}
		const updated = await applyUpdate(ctx, tx, current, current.version, {...fieldsOf(current), enabled});
		return {
			value: updated,
			audit: {
				action: enabled ? 'provider.enable' : 'provider.disable',
				targetType: 'provider',
				targetId: updated.id,
				details: {name: updated.name, version: updated.version, fields: ['enabled'], before: {enabled: current.enabled}, after: {enabled}},
			},
			changes: [{table: 'providers', id: updated.id}],
		};
	});
}

/** Deletes a provider with its keys and models; refuses while it has active keys unless `force`. */
export async function deleteProvider(ctx: ServiceContext, id: string, options: {force?: boolean} = {}): Promise<void> {
	await mutate(ctx, async (tx) => {
		const current = await currentProvider(tx, id);
		const dependents = await providerDependents(tx, current.id);
		if (dependents.keysActive > 0 && !options.force) {
			throw new UserError(`Provider ${current.name} has ${dependents.keysActive} active key${dependents.keysActive === 1 ? '' : 's'}; deleting it deletes them too`, {
				hint: 'confirm with --yes, or disable its keys first',
			});
		}
		await deleteProviderRow(tx, current.id);
		return {
			value: undefined,
			audit: {
				action: 'provider.delete',
				targetType: 'provider',
				targetId: current.id,
				details: {before: providerProjection(fieldsOf(current)), keysDeleted: dependents.keysTotal, modelsDeleted: dependents.models},
			},
			changes: [{table: 'providers', id: current.id}],
		};
	});
}

/** What eval752 paces for its own requests to a provider, in the words `status` uses. */
export function describeDeclaredLimits(limits: RateLimits): string {
	return describeLimits(limits);
}

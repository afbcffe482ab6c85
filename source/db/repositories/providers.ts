import postgres from 'postgres';
import {z} from 'zod';
import {capabilities, providerTypes} from '../../domain/families.js';
import type {Provider, ProviderFields} from '../../domain/provider.js';
import {UserError} from '../../errors.js';
import type {Queryable, Tx} from '../types.js';

/** Rows of `providers`, parsed before they leave; unique-name violations become a domain error. */

const rateSchema = z.number().int().positive().nullable().catch(null);

export const providerRowSchema = z
	.object({
		id: z.string(),
		name: z.string(),
		type: z.enum(providerTypes),
		base_url: z.string(),
		// A capability an older or newer eval752 wrote and this one doesn't know is dropped, not fatal.
		capabilities: z.array(z.string()).transform((items) => items.filter((item): item is (typeof capabilities)[number] => (capabilities as readonly string[]).includes(item))),
		rate_limits: z
			.object({rpm: rateSchema.optional(), rps: rateSchema.optional(), concurrency: rateSchema.optional()})
			.catch({})
			.transform((rates) => ({rpm: rates.rpm ?? null, rps: rates.rps ?? null, concurrency: rates.concurrency ?? null})),
		extra_headers: z.record(z.string(), z.string()).catch({}),
		enabled: z.boolean(),
		version: z.number().int(),
		created_at: z.date(),
		updated_at: z.date(),
		updated_by: z.string().nullable(),
	})
	.transform(
		(row): Provider => ({
			id: row.id,
			name: row.name,
			type: row.type,
			baseUrl: row.base_url,
			capabilities: row.capabilities,
			rateLimits: row.rate_limits,
			extraHeaders: row.extra_headers,
			enabled: row.enabled,
			version: row.version,
			createdAt: row.created_at,
			updatedAt: row.updated_at,
			updatedBy: row.updated_by,
		}),
	);

export function toProvider(raw: unknown): Provider {
	return providerRowSchema.parse(raw);
}

export class DuplicateProviderName extends UserError {
	constructor(name: string) {
		super(`A provider named ${name} already exists`, {hint: 'pick another name, or edit that provider'});
	}
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
	return error instanceof postgres.PostgresError && error.code === '23505' && error.constraint_name === constraint;
}

async function mapNameConflict<T>(name: string, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (isUniqueViolation(error, 'providers_name_ci')) throw new DuplicateProviderName(name);
		throw error;
	}
}

export interface ProviderSummaryRow {
	readonly provider: Provider;
	readonly keysActive: number;
	readonly keysTotal: number;
	readonly models: number;
	readonly lastSmoke: {outcome: string; errorClass: string | null; at: Date; totalMs: number | null; model: string} | null;
}

const summaryExtras = z.object({
	keys_active: z.number().int(),
	keys_total: z.number().int(),
	model_count: z.number().int(),
	smoke_outcome: z.string().nullable(),
	smoke_error_class: z.string().nullable(),
	smoke_at: z.date().nullable(),
	smoke_total_ms: z.number().int().nullable(),
	smoke_model: z.string().nullable(),
});

/** Every provider with its key and model counts and its latest smoke run, by name. */
export async function listProviderSummaries(sql: Queryable): Promise<ProviderSummaryRow[]> {
	const rows = await sql`
		select p.*,
			(select count(*)::int from provider_keys k where k.provider_id = p.id and k.status = 'active') as keys_active,
			(select count(*)::int from provider_keys k where k.provider_id = p.id) as keys_total,
			(select count(*)::int from models m where m.provider_id = p.id) as model_count,
			s.outcome as smoke_outcome, s.error_class as smoke_error_class, coalesce(s.finished_at, s.started_at) as smoke_at,
			s.total_ms as smoke_total_ms, s.model_name as smoke_model
		from providers p
		left join lateral (
			select outcome, error_class, started_at, finished_at, total_ms, model_name from smoke_runs r
			-- A cancelled run says nothing about the provider's health: the board and status show the last verdict.
			where r.provider_id = p.id and r.outcome <> 'cancelled' order by r.started_at desc limit 1
		) s on true
		order by lower(p.name), p.id`;
	return rows.map((raw) => {
		const extra = summaryExtras.parse(raw);
		return {
			provider: toProvider(raw),
			keysActive: extra.keys_active,
			keysTotal: extra.keys_total,
			models: extra.model_count,
			lastSmoke:
				extra.smoke_outcome && extra.smoke_at
					? {outcome: extra.smoke_outcome, errorClass: extra.smoke_error_class, at: extra.smoke_at, totalMs: extra.smoke_total_ms, model: extra.smoke_model ?? ''}
					: null,
		};
	});
}

export async function listProviderRows(sql: Queryable): Promise<Provider[]> {
	const rows = await sql`select * from providers order by lower(name), id`;
	return rows.map(toProvider);
}

export async function providerById(sql: Queryable, id: string, options: {lock?: boolean} = {}): Promise<Provider | undefined> {
	const rows = options.lock ? await sql`select * from providers where id = ${id} for update` : await sql`select * from providers where id = ${id}`;
	return rows[0] ? toProvider(rows[0]) : undefined;
}

/** Names are unique case-insensitively, so this finds at most one. */
export async function providerByName(sql: Queryable, name: string): Promise<Provider | undefined> {
	const [row] = await sql`select * from providers where lower(name) = lower(${name})`;
	return row ? toProvider(row) : undefined;
}

export async function insertProvider(tx: Tx, fields: ProviderFields, actor: string): Promise<Provider> {
	return mapNameConflict(fields.name, async () => {
		const [row] = await tx`
			insert into providers (name, type, base_url, capabilities, rate_limits, extra_headers, enabled, updated_by)
			values (${fields.name}, ${fields.type}, ${fields.baseUrl}, ${tx.array(fields.capabilities)}::text[],
				${tx.json(fields.rateLimits as never)}, ${tx.json(fields.extraHeaders as never)}, ${fields.enabled}, ${actor})
			returning *`;
		return toProvider(row);
	});
}

/** The optimistic update: undefined when the row is gone or its version moved on. */
export async function updateProviderRow(tx: Tx, id: string, expectedVersion: number, fields: ProviderFields, actor: string): Promise<Provider | undefined> {
	return mapNameConflict(fields.name, async () => {
		const [row] = await tx`
			update providers set
				name = ${fields.name}, type = ${fields.type}, base_url = ${fields.baseUrl},
				capabilities = ${tx.array(fields.capabilities)}::text[],
				rate_limits = ${tx.json(fields.rateLimits as never)}, extra_headers = ${tx.json(fields.extraHeaders as never)},
				enabled = ${fields.enabled},
				version = version + 1, updated_at = now(), updated_by = ${actor}
			where id = ${id} and version = ${expectedVersion}
			returning *`;
		return row ? toProvider(row) : undefined;
	});
}

export async function deleteProviderRow(tx: Tx, id: string): Promise<boolean> {
	const rows = await tx`delete from providers where id = ${id} returning id`;
	return rows.length > 0;
}

/** Keys and models a delete takes with it (by cascade). */
export async function providerDependents(sql: Queryable, id: string): Promise<{keysActive: number; keysTotal: number; models: number}> {
	const [row] = await sql<{keys_active: number; keys_total: number; models: number}[]>`
		select
			(select count(*)::int from provider_keys where provider_id = ${id} and status = 'active') as keys_active,
			(select count(*)::int from provider_keys where provider_id = ${id}) as keys_total,
			(select count(*)::int from models where provider_id = ${id}) as models`;
	return {keysActive: row!.keys_active, keysTotal: row!.keys_total, models: row!.models};
}

/** Providers of one family, oldest first (import-env attaches keys to the first). */
export async function providersOfType(sql: Queryable, type: string): Promise<Provider[]> {
	const rows = await sql`select * from providers where type = ${type} order by created_at, id`;
	return rows.map(toProvider);
}

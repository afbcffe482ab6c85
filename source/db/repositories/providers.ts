import postgres from 'postgres';
import {capabilities, providerTypes} from '../../domain/families.js';
import {probeKinds, type ProbeKind} from '../../domain/probe.js';
import type {Provider, ProviderFields} from '../../domain/provider.js';
import {UserError} from '../../errors.js';
import type {Queryable, Tx} from '../types.js';

/**
 * Rows of `providers`, mapped before they leave; unique-name violations become a domain error.
 *
 * Reads trust the column types PostgreSQL guarantees (text, bool, int, timestamptz, text[]):
 * what was written went through the domain rules, so lists map rows by hand instead of running a
 * schema per row (a 2,000-provider list spent more time parsing than querying). Only what the
 * column types cannot promise is checked, cheaply: the family, capability and probe-kind names an
 * older or newer eval752 may have written, and the shape of the jsonb columns.
 */

const knownTypes: ReadonlySet<string> = new Set(providerTypes);
const knownCapabilities: ReadonlySet<string> = new Set(capabilities);
const knownKinds: ReadonlySet<string> = new Set(probeKinds);

type Capability = (typeof capabilities)[number];
type Rates = Provider['rateLimits'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const rate = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null);
const kind = (value: unknown): ProbeKind => (typeof value === 'string' && knownKinds.has(value) ? (value as ProbeKind) : 'stream');
const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));

function rates(value: unknown): Rates {
	// A malformed stored value reads as "no limits", as it always has.
	if (!isRecord(value)) return {rpm: null, rps: null, concurrency: null};
	return {rpm: rate(value['rpm']), rps: rate(value['rps']), concurrency: rate(value['concurrency'])};
}

/** A string-to-string object, or null when the stored value is anything else. */
function stringRecord(value: unknown): Record<string, string> | null {
	if (!isRecord(value)) return null;
	for (const item of Object.values(value)) if (typeof item !== 'string') return null;
	return value as Record<string, string>;
}

/** The newest rate-limit headers of a run: null unless a non-empty string-to-string object. */
function rateHeaders(value: unknown): Readonly<Record<string, string>> | null {
	const headers = stringRecord(value);
	return headers && Object.keys(headers).length > 0 ? headers : null;
}

export function toProvider(raw: unknown): Provider {
	const row = raw as Record<string, unknown>;
	const type = row['type'] as string;
	// The one value a row cannot be shown without: a family this eval752 does not know.
	if (!knownTypes.has(type)) throw new UserError(`Provider ${String(row['name'])} has a type this eval752 does not know (${JSON.stringify(type).slice(0, 40)})`, {hint: 'upgrade eval752'});
	return {
		id: row['id'] as string,
		name: row['name'] as string,
		type: type as Provider['type'],
		baseUrl: row['base_url'] as string,
		// A capability an older or newer eval752 wrote and this one doesn't know is dropped, not fatal.
		capabilities: (row['capabilities'] as string[]).filter((item): item is Capability => knownCapabilities.has(item)),
		rateLimits: rates(row['rate_limits']),
		extraHeaders: stringRecord(row['extra_headers']) ?? {},
		enabled: row['enabled'] as boolean,
		// A kind a newer eval752 wrote and this one doesn't know falls back to the full smoke test.
		probeKind: kind(row['probe_kind']),
		version: row['version'] as number,
		createdAt: row['created_at'] as Date,
		updatedAt: row['updated_at'] as Date,
		updatedBy: (row['updated_by'] as string | null) ?? null,
	};
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

/** The newest verdict (a run that was not cancelled) of one configured model with the serving key. */
export interface ModelRunRow {
	readonly model: string;
	readonly run: {
		readonly outcome: 'ok' | 'failed';
		readonly errorClass: string | null;
		readonly at: Date;
		readonly totalMs: number | null;
		readonly probeKind: ProbeKind;
	} | null;
}

/** A key other than the serving one whose last validation failed: a rotation candidate, a parked or retired key. */
export interface KeyFailureRow {
	readonly keyId: string;
	readonly displayHint: string;
	readonly label: string;
	readonly status: 'active' | 'disabled';
	readonly errorClass: string | null;
	readonly model: string;
	readonly at: Date;
}

export interface ProviderSummaryRow {
	readonly provider: Provider;
	readonly keysActive: number;
	readonly keysTotal: number;
	readonly models: number;
	readonly lastSmoke: {outcome: string; errorClass: string | null; at: Date; totalMs: number | null; model: string; probeKind: ProbeKind} | null;
	/** The key calls use: the first active key by priority (what `keyForCall` picks). */
	readonly servingKey: {readonly id: string; readonly displayHint: string; readonly label: string} | null;
	/** Per configured model, by name. */
	readonly modelRuns: readonly ModelRunRow[];
	readonly keyFailures: readonly KeyFailureRow[];
	/** The newest run that carried rate-limit headers. */
	readonly observed: {readonly at: Date; readonly headers: Readonly<Record<string, string>>; readonly runId: string; readonly probeKind: ProbeKind} | null;
}

interface ModelRunJson {
	readonly model: string;
	readonly outcome: 'ok' | 'failed' | null;
	readonly errorClass: string | null;
	readonly at: string | null;
	readonly totalMs: number | null;
	readonly kind: string | null;
}

interface KeyFailureJson {
	readonly keyId: string;
	readonly hint: string;
	readonly label: string;
	readonly status: 'active' | 'disabled';
	readonly errorClass: string | null;
	readonly model: string | null;
	readonly at: string | null;
}

function modelRuns(value: unknown): ModelRunRow[] {
	return ((value ?? []) as ModelRunJson[]).map((row) => ({
		model: row.model,
		run: row.outcome && row.at ? {outcome: row.outcome, errorClass: row.errorClass ?? null, at: toDate(row.at), totalMs: row.totalMs ?? null, probeKind: kind(row.kind)} : null,
	}));
}

function keyFailures(value: unknown): KeyFailureRow[] {
	const rows: KeyFailureRow[] = [];
	for (const row of (value ?? []) as KeyFailureJson[]) {
		if (row.at === null || row.at === undefined) continue;
		rows.push({keyId: row.keyId, displayHint: row.hint, label: row.label, status: row.status, errorClass: row.errorClass ?? null, model: row.model ?? '', at: toDate(row.at)});
	}
	return rows;
}

/**
 * Every provider with what the list, the board, `status` and the health model need, in ONE
 * query however many providers there are: key and model counts, the serving key (first active
 * by priority), per configured model the newest verdict of that key (an index scan per model:
 * smoke_runs_provider_model), other keys whose last validation failed, the latest run overall,
 * and the newest rate-limit headers. A cancelled run says nothing about health and is skipped.
 */
export async function listProviderSummaries(sql: Queryable, filter: {id?: string; window?: ProviderWindowRange} = {}): Promise<ProviderSummaryRow[]> {
	// A window reads only its rows (and their runs, keys and models): the board's cost stays flat however long the list.
	const from = filter.window
		? sql`(select * from providers where ${matches(sql, filter.window.needle)} order by lower(name) offset ${filter.window.offset} limit ${filter.window.limit}) p`
		: sql`providers p`;
	const rows = await sql`
		select p.*,
			kc.keys_active, kc.keys_total,
			s.outcome as smoke_outcome, s.error_class as smoke_error_class, coalesce(s.finished_at, s.started_at) as smoke_at,
			s.total_ms as smoke_total_ms, s.model_name as smoke_model, s.probe_kind as smoke_kind,
			sk.id as serving_key_id, sk.display_hint as serving_key_hint, sk.label as serving_key_label,
			(select coalesce(json_agg(json_build_object(
					'model', m.model_name, 'outcome', lr.outcome, 'errorClass', lr.error_class, 'at', lr.at, 'totalMs', lr.total_ms, 'kind', lr.probe_kind
				) order by m.model_name), '[]'::json)
				from models m
				left join lateral (
					-- The newest answer of the serving key on this model: a probe, or a comparison's answer
					-- (it sent the prompt with that key to that model, so it is a probe too).
					select * from (
						(select r.outcome, r.error_class, coalesce(r.finished_at, r.started_at) as at, r.total_ms, r.probe_kind
						from smoke_runs r
						where r.provider_id = p.id and r.model_name = m.model_name and r.outcome <> 'cancelled'
							and (r.key_row_id = sk.id or (sk.id is null and r.key_row_id is null))
						order by r.started_at desc limit 1)
						union all
						(select x.outcome, x.error_class, x.finished_at as at, x.total_ms, 'stream' as probe_kind
						from comparison_results x
						where x.provider_id = p.id and x.model_name = m.model_name and x.outcome <> 'cancelled' and x.finished_at is not null
							and (x.key_row_id = sk.id or (sk.id is null and x.key_row_id is null))
						order by x.finished_at desc limit 1)
					) answers order by at desc limit 1
				) lr on true
				where m.provider_id = p.id) as model_runs,
			(select coalesce(json_agg(json_build_object(
					'keyId', k.id, 'hint', k.display_hint, 'label', k.label, 'status', k.status,
					'errorClass', k.last_validation->>'errorClass', 'model', k.last_validation->>'model', 'at', k.last_validated_at
				) order by k.priority, k.created_at, k.id), '[]'::json)
				from provider_keys k
				where k.provider_id = p.id and k.id is distinct from sk.id and k.last_validation->>'outcome' = 'failed') as key_failures,
			o.id as observed_run_id, coalesce(o.finished_at, o.started_at) as observed_at, o.probe_kind as observed_kind, o.rate_headers as observed_headers
		from ${from}
		cross join lateral (
			select (count(*) filter (where k.status = 'active'))::int as keys_active, count(*)::int as keys_total
			from provider_keys k where k.provider_id = p.id
		) kc
		left join lateral (
			select k.id, k.display_hint, k.label from provider_keys k
			where k.provider_id = p.id and k.status = 'active'
			order by k.priority, k.created_at, k.id limit 1
		) sk on true
		left join lateral (
			select outcome, error_class, started_at, finished_at, total_ms, model_name, probe_kind from smoke_runs r
			where r.provider_id = p.id and r.outcome <> 'cancelled' order by r.started_at desc limit 1
		) s on true
		left join lateral (
			select id, started_at, finished_at, probe_kind, rate_headers from smoke_runs r
			where r.provider_id = p.id and r.rate_headers is not null order by r.started_at desc limit 1
		) o on true
		${filter.id === undefined ? sql`` : sql`where p.id = ${filter.id}`}
		order by lower(p.name), p.id`;
	return rows.map((raw) => {
		const extra = raw as Record<string, unknown>;
		const smokeAt = extra['smoke_at'] as Date | null;
		const observedAt = extra['observed_at'] as Date | null;
		const observedHeaders = rateHeaders(extra['observed_headers']);
		return {
			provider: toProvider(raw),
			keysActive: extra['keys_active'] as number,
			keysTotal: extra['keys_total'] as number,
			// The configured models are exactly the rows of model_runs (one per model).
			models: (extra['model_runs'] as unknown[] | null)?.length ?? 0,
			lastSmoke:
				extra['smoke_outcome'] && smokeAt
					? {outcome: extra['smoke_outcome'] as string, errorClass: (extra['smoke_error_class'] as string | null) ?? null, at: smokeAt, totalMs: (extra['smoke_total_ms'] as number | null) ?? null, model: (extra['smoke_model'] as string | null) ?? '', probeKind: kind(extra['smoke_kind'])}
					: null,
			servingKey: extra['serving_key_id'] ? {id: extra['serving_key_id'] as string, displayHint: (extra['serving_key_hint'] as string | null) ?? '', label: (extra['serving_key_label'] as string | null) ?? ''} : null,
			modelRuns: modelRuns(extra['model_runs']),
			keyFailures: keyFailures(extra['key_failures']),
			observed: extra['observed_run_id'] && observedAt && observedHeaders ? {at: observedAt, headers: observedHeaders, runId: extra['observed_run_id'] as string, probeKind: kind(extra['observed_kind'])} : null,
		};
	});
}

/** Rows `offset`…`offset + limit` of the providers whose name or type contains `needle` (lower case; '' is all). */
export interface ProviderWindowRange {
	readonly needle: string;
	readonly offset: number;
	readonly limit: number;
}

/** The board's filter: the name (case-insensitive) or the type contains the needle. */
function matches(sql: Queryable, needle: string) {
	return needle === '' ? sql`true` : sql`(strpos(lower(name), lower(${needle})) > 0 or strpos(type, lower(${needle})) > 0)`;
}

/**
 * Where a window of the board starts: how many providers there are, how many match `needle`, and
 * the position of provider `id` among those that match (null when it is gone or filtered out).
 * One round trip; the order is the list's (`lower(name)`, unique).
 */
export async function providerPosition(sql: Queryable, needle: string, id: string | null): Promise<{total: number; matched: number; position: number | null}> {
	// Names are unique case-insensitively (providers_name_ci), so `lower(name)` alone orders the list and its index answers these.
	const [row] = await sql`
		with anchor as (select lower(name) as k from providers where id = ${id ?? null}::uuid and ${matches(sql, needle)})
		select (select count(*) from providers)::int as total,
			${needle === '' ? sql`null` : sql`(select count(*) from providers where ${matches(sql, needle)})`}::int as matched,
			(select count(*) from providers, anchor where ${matches(sql, needle)} and lower(providers.name) < anchor.k)::int as before,
			exists (select 1 from anchor) as found`;
	const total = row!['total'] as number;
	return {total, matched: (row!['matched'] as number | null) ?? total, position: row!['found'] ? (row!['before'] as number) : null};
}

/** Every provider's id and name, in list order (the command line's lookup and Tab completion). */
export async function providerNameRows(sql: Queryable): Promise<{id: string; name: string}[]> {
	const rows = await sql`select id, name from providers order by lower(name), id`;
	return rows.map((row) => ({id: row['id'] as string, name: row['name'] as string}));
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
			insert into providers (name, type, base_url, capabilities, rate_limits, extra_headers, enabled, probe_kind, updated_by)
			values (${fields.name}, ${fields.type}, ${fields.baseUrl}, ${tx.array(fields.capabilities)}::text[],
				${tx.json(fields.rateLimits as never)}, ${tx.json(fields.extraHeaders as never)}, ${fields.enabled}, ${fields.probeKind}, ${actor})
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
				enabled = ${fields.enabled}, probe_kind = ${fields.probeKind},
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

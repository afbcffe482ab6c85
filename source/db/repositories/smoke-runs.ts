import * as z from 'zod';
import {probeKinds, type ProbeKind} from '../../domain/probe.js';
import type {Queryable} from '../types.js';

export interface SmokeRunRow {
	readonly providerId: string;
	readonly providerName: string;
	readonly keyRowId: string | null;
	readonly modelName: string;
	readonly startedAt: Date;
	readonly finishedAt: Date;
	readonly outcome: 'ok' | 'failed' | 'cancelled';
	readonly errorClass: string | null;
	readonly ttftMs: number | null;
	readonly totalMs: number;
	readonly outputTokens: number | null;
	readonly tokensPerSecond: number | null;
	/** Already sanitised and redacted. */
	readonly excerpt: string;
	/** Already sanitised and redacted. */
	readonly errorMessage: string | null;
	readonly actor: string;
	readonly probeKind: ProbeKind;
	readonly inputTokens: number | null;
	/** True when the output token count is an estimate (the provider reported no usage). */
	readonly tokensEstimated: boolean;
	/** Rate-limit headers of the response, already picked, sanitised and capped; null when none. */
	readonly rateHeaders: Readonly<Record<string, string>> | null;
}

export async function insertSmokeRun(sql: Queryable, row: SmokeRunRow): Promise<string> {
	const [inserted] = await sql<{id: string}[]>`
		insert into smoke_runs (provider_id, provider_name, key_row_id, model_name, started_at, finished_at, outcome, error_class,
			ttft_ms, total_ms, output_tokens, tokens_per_s, excerpt, error_message, actor, probe_kind, input_tokens, tokens_estimated, rate_headers)
		values (${row.providerId}, ${row.providerName}, ${row.keyRowId}, ${row.modelName}, ${row.startedAt}, ${row.finishedAt}, ${row.outcome},
			${row.errorClass}, ${row.ttftMs}, ${row.totalMs}, ${row.outputTokens}, ${row.tokensPerSecond}, ${row.excerpt}, ${row.errorMessage}, ${row.actor},
			${row.probeKind}, ${row.inputTokens}, ${row.tokensEstimated}, ${row.rateHeaders === null ? null : sql.json(row.rateHeaders as never)})
		returning id`;
	return inserted!.id;
}

/** A stored run as history shows it. */
export interface StoredSmokeRun {
	readonly id: string;
	readonly providerId: string | null;
	readonly providerName: string;
	readonly keyRowId: string | null;
	/** The key's display hint as it is now (null when the key is gone or there was none). */
	readonly keyHint: string | null;
	readonly modelName: string;
	readonly startedAt: Date;
	readonly finishedAt: Date | null;
	readonly outcome: 'ok' | 'failed' | 'cancelled';
	readonly errorClass: string | null;
	readonly ttftMs: number | null;
	readonly totalMs: number | null;
	readonly outputTokens: number | null;
	readonly inputTokens: number | null;
	readonly tokensEstimated: boolean;
	readonly tokensPerSecond: number | null;
	readonly excerpt: string;
	readonly errorMessage: string | null;
	readonly actor: string;
	readonly probeKind: ProbeKind;
	readonly rateHeaders: Readonly<Record<string, string>> | null;
}

const integerOrNull = z.number().int().nullable();

/** Header maps as stored; anything else (a row edited by hand) reads as none. */
export const rateHeadersSchema = z
	.record(z.string(), z.string())
	.nullable()
	.catch(null)
	.transform((headers) => (headers && Object.keys(headers).length > 0 ? headers : null));

const storedSchema = z
	.object({
		id: z.string(),
		provider_id: z.string().nullable(),
		provider_name: z.string(),
		key_row_id: z.string().nullable(),
		key_hint: z.string().nullable(),
		model_name: z.string(),
		started_at: z.date(),
		finished_at: z.date().nullable(),
		outcome: z.enum(['ok', 'failed', 'cancelled']),
		error_class: z.string().nullable(),
		ttft_ms: integerOrNull,
		total_ms: integerOrNull,
		output_tokens: integerOrNull,
		input_tokens: integerOrNull,
		tokens_estimated: z.boolean(),
		tokens_per_s: z.number().nullable(),
		excerpt: z.string().nullable(),
		error_message: z.string().nullable(),
		actor: z.string(),
		probe_kind: z.enum(probeKinds).catch('stream'),
		rate_headers: rateHeadersSchema,
	})
	.transform(
		(row): StoredSmokeRun => ({
			id: row.id,
			providerId: row.provider_id,
			providerName: row.provider_name,
			keyRowId: row.key_row_id,
			keyHint: row.key_hint,
			modelName: row.model_name,
			startedAt: row.started_at,
			finishedAt: row.finished_at,
			outcome: row.outcome,
			errorClass: row.error_class,
			ttftMs: row.ttft_ms,
			totalMs: row.total_ms,
			outputTokens: row.output_tokens,
			inputTokens: row.input_tokens,
			tokensEstimated: row.tokens_estimated,
			tokensPerSecond: row.tokens_per_s,
			excerpt: row.excerpt ?? '',
			errorMessage: row.error_message,
			actor: row.actor,
			probeKind: row.probe_kind,
			rateHeaders: row.rate_headers,
		}),
	);

export async function smokeRunById(sql: Queryable, id: string): Promise<StoredSmokeRun | undefined> {
	const [row] = await sql`
		select r.*, k.display_hint as key_hint from smoke_runs r left join provider_keys k on k.id = r.key_row_id
		where r.id = ${id}`;
	return row ? storedSchema.parse(row) : undefined;
}

/** A provider's runs, newest first. */
export async function smokeRunsOfProvider(sql: Queryable, providerId: string, limit: number): Promise<StoredSmokeRun[]> {
	const rows = await sql`
		select r.*, k.display_hint as key_hint from smoke_runs r left join provider_keys k on k.id = r.key_row_id
		where r.provider_id = ${providerId}
		order by r.started_at desc, r.id limit ${limit}`;
	return rows.map((row) => storedSchema.parse(row));
}

/** Runs of the provider+model pairs that serve an alias now, newest first. */
export async function smokeRunsOfAlias(sql: Queryable, alias: string, limit: number): Promise<StoredSmokeRun[]> {
	const rows = await sql`
		select r.*, k.display_hint as key_hint from smoke_runs r
		join models m on m.provider_id = r.provider_id and m.model_name = r.model_name and lower(m.alias) = lower(${alias})
		left join provider_keys k on k.id = r.key_row_id
		order by r.started_at desc, r.id limit ${limit}`;
	return rows.map((row) => storedSchema.parse(row));
}

/** Every provider's runs, newest first. */
export async function recentSmokeRuns(sql: Queryable, limit: number): Promise<StoredSmokeRun[]> {
	const rows = await sql`
		select r.*, k.display_hint as key_hint from smoke_runs r left join provider_keys k on k.id = r.key_row_id
		order by r.started_at desc, r.id limit ${limit}`;
	return rows.map((row) => storedSchema.parse(row));
}

/** One point of a provider's recent history: enough for a sparkline. */
export interface RunPoint {
	readonly providerId: string;
	readonly at: Date;
	readonly outcome: 'ok' | 'failed' | 'cancelled';
	readonly errorClass: string | null;
	readonly totalMs: number | null;
	readonly probeKind: ProbeKind;
	readonly modelName: string;
}

const pointSchema = z
	.object({
		provider_id: z.string(),
		at: z.date(),
		outcome: z.enum(['ok', 'failed', 'cancelled']),
		error_class: z.string().nullable(),
		total_ms: integerOrNull,
		probe_kind: z.enum(probeKinds).catch('stream'),
		model_name: z.string(),
	})
	.transform((row): RunPoint => ({providerId: row.provider_id, at: row.at, outcome: row.outcome, errorClass: row.error_class, totalMs: row.total_ms, probeKind: row.probe_kind, modelName: row.model_name}));

/**
 * The last `perProvider` runs of each provider, newest first, in one query: a lateral index scan
 * per provider (smoke_runs_provider), so the cost follows the number of points, not of runs.
 */
export async function lastRunsOfProviders(sql: Queryable, providerIds: readonly string[], perProvider: number): Promise<RunPoint[]> {
	if (providerIds.length === 0) return [];
	const rows = await sql`
		select p.id as provider_id, r.at, r.outcome, r.error_class, r.total_ms, r.probe_kind, r.model_name
		from unnest(${sql.array(providerIds as string[])}::uuid[]) as p(id)
		cross join lateral (
			select coalesce(s.finished_at, s.started_at) as at, s.outcome, s.error_class, s.total_ms, s.probe_kind, s.model_name
			from smoke_runs s where s.provider_id = p.id
			order by s.started_at desc limit ${perProvider}
		) r
		order by p.id, r.at desc`;
	return rows.map((row) => pointSchema.parse(row));
}

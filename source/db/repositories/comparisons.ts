import * as z from 'zod';
import type {Queryable, Tx} from '../types.js';

/**
 * Rows of `comparison_runs` and `comparison_results`. A run is inserted as `running` when it
 * starts (its audit row commits with it) and closed as `finished` or `cancelled` together with
 * its results, so a reader never sees a closed run with half its results.
 */

export type ComparisonStatus = 'running' | 'finished' | 'cancelled';
export type ComparisonOutcome = 'ok' | 'failed' | 'cancelled';

export interface ComparisonResultRow {
	readonly providerId: string | null;
	readonly providerName: string;
	readonly modelName: string;
	readonly outcome: ComparisonOutcome;
	readonly errorClass: string | null;
	readonly ttftMs: number | null;
	readonly totalMs: number | null;
	readonly outputTokens: number | null;
	readonly tokensPerSecond: number | null;
	/** Already sanitised and redacted. */
	readonly excerpt: string;
	/** Already sanitised and redacted. */
	readonly errorMessage: string | null;
	/** The key the request carried (null: keyless, or stored before keys were recorded); with `finishedAt` it makes the answer a probe of that key. */
	readonly keyRowId?: string | null;
	/** When the answer ended (null for results stored before this was recorded). */
	readonly finishedAt?: Date | null;
}

export interface ComparisonRunRow {
	readonly id: string;
	readonly alias: string;
	readonly prompt: string;
	readonly startedAt: Date;
	readonly finishedAt: Date | null;
	readonly status: ComparisonStatus;
	readonly actor: string;
}

const runSchema = z
	.object({
		id: z.string(),
		alias: z.string(),
		prompt: z.string(),
		started_at: z.date(),
		finished_at: z.date().nullable(),
		status: z.enum(['running', 'finished', 'cancelled']),
		actor: z.string(),
	})
	.transform((row): ComparisonRunRow => ({id: row.id, alias: row.alias, prompt: row.prompt, startedAt: row.started_at, finishedAt: row.finished_at, status: row.status, actor: row.actor}));

const integerOrNull = z.number().int().nullable();

const resultSchema = z
	.object({
		provider_id: z.string().nullable(),
		provider_name: z.string(),
		model_name: z.string(),
		outcome: z.enum(['ok', 'failed', 'cancelled']),
		error_class: z.string().nullable(),
		ttft_ms: integerOrNull,
		total_ms: integerOrNull,
		output_tokens: integerOrNull,
		tokens_per_s: z.number().nullable(),
		excerpt: z.string().nullable(),
		error_message: z.string().nullable(),
	})
	.transform(
		(row): ComparisonResultRow => ({
			providerId: row.provider_id,
			providerName: row.provider_name,
			modelName: row.model_name,
			outcome: row.outcome,
			errorClass: row.error_class,
			ttftMs: row.ttft_ms,
			totalMs: row.total_ms,
			outputTokens: row.output_tokens,
			tokensPerSecond: row.tokens_per_s,
			excerpt: row.excerpt ?? '',
			errorMessage: row.error_message,
		}),
	);

export async function insertComparisonRun(tx: Tx, run: {alias: string; prompt: string; startedAt: Date; actor: string}): Promise<string> {
	const [row] = await tx<{id: string}[]>`
		insert into comparison_runs (alias, prompt, started_at, status, actor)
		values (${run.alias}, ${run.prompt}, ${run.startedAt}, 'running', ${run.actor})
		returning id`;
	return row!.id;
}

/** Closes a running run with its results, in the caller's transaction; false when it was not running. */
export async function closeComparisonRun(tx: Tx, id: string, status: 'finished' | 'cancelled', finishedAt: Date, results: readonly ComparisonResultRow[]): Promise<boolean> {
	const closed = await tx`update comparison_runs set status = ${status}, finished_at = ${finishedAt} where id = ${id} and status = 'running' returning id`;
	if (closed.length === 0) return false;
	// One statement per result keeps the insertion order (the target order) for a reader that orders by it.
	for (const result of results) {
		await tx`
			insert into comparison_results (run_id, provider_id, provider_name, model_name, outcome, error_class, ttft_ms, total_ms,
				output_tokens, tokens_per_s, excerpt, error_message, key_row_id, finished_at)
			values (${id}, ${result.providerId}, ${result.providerName}, ${result.modelName}, ${result.outcome}, ${result.errorClass},
				${result.ttftMs}, ${result.totalMs}, ${result.outputTokens}, ${result.tokensPerSecond}, ${result.excerpt}, ${result.errorMessage},
				${result.keyRowId ?? null}, ${result.finishedAt ?? null})`;
	}
	return true;
}

export async function comparisonRunById(sql: Queryable, id: string): Promise<ComparisonRunRow | undefined> {
	const [row] = await sql`select id, alias, prompt, started_at, finished_at, status, actor from comparison_runs where id = ${id}`;
	return row ? runSchema.parse(row) : undefined;
}

/** A run's results in the order the comparison lists its targets (provider name, then model). */
export async function comparisonResults(sql: Queryable, runId: string): Promise<ComparisonResultRow[]> {
	const rows = await sql`
		select provider_id, provider_name, model_name, outcome, error_class, ttft_ms, total_ms, output_tokens, tokens_per_s, excerpt, error_message
		from comparison_results where run_id = ${runId}
		order by lower(provider_name), model_name, id`;
	return rows.map((row) => resultSchema.parse(row));
}

/** A run with how its targets ended, for history lists. */
export interface ComparisonRunSummary extends ComparisonRunRow {
	readonly targets: number;
	readonly ok: number;
	readonly failed: number;
	/** The slowest finished target's total time (the run's wall time is close to it). */
	readonly slowestMs: number | null;
}

const summarySchema = z
	.object({targets: z.number().int(), ok_count: z.number().int(), failed_count: z.number().int(), slowest_ms: z.number().int().nullable()})
	.passthrough();

function toSummary(raw: unknown): ComparisonRunSummary {
	const run = runSchema.parse(raw);
	const extra = summarySchema.parse(raw);
	return {...run, targets: extra.targets, ok: extra.ok_count, failed: extra.failed_count, slowestMs: extra.slowest_ms};
}

const summaryColumns = (sql: Queryable) => sql`
	c.id, c.alias, c.prompt, c.started_at, c.finished_at, c.status, c.actor,
	(select count(*)::int from comparison_results x where x.run_id = c.id) as targets,
	(select count(*)::int from comparison_results x where x.run_id = c.id and x.outcome = 'ok') as ok_count,
	(select count(*)::int from comparison_results x where x.run_id = c.id and x.outcome = 'failed') as failed_count,
	(select max(x.total_ms)::int from comparison_results x where x.run_id = c.id and x.outcome = 'ok') as slowest_ms`;

/** Runs of an alias (any case), newest first. */
export async function comparisonRunsOfAlias(sql: Queryable, alias: string, limit: number): Promise<ComparisonRunSummary[]> {
	const rows = await sql`select ${summaryColumns(sql)} from comparison_runs c where lower(c.alias) = lower(${alias}) order by c.started_at desc, c.id limit ${limit}`;
	return rows.map(toSummary);
}

/** Runs in which a provider was one of the targets, newest first. */
export async function comparisonRunsOfProvider(sql: Queryable, providerId: string, limit: number): Promise<ComparisonRunSummary[]> {
	const rows = await sql`
		select ${summaryColumns(sql)} from comparison_runs c
		where exists (select 1 from comparison_results x where x.run_id = c.id and x.provider_id = ${providerId})
		order by c.started_at desc, c.id limit ${limit}`;
	return rows.map(toSummary);
}

/** Every run, newest first, with its counts. */
export async function recentComparisonSummaries(sql: Queryable, limit: number): Promise<ComparisonRunSummary[]> {
	const rows = await sql`select ${summaryColumns(sql)} from comparison_runs c order by c.started_at desc, c.id limit ${limit}`;
	return rows.map(toSummary);
}

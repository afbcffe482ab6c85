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
}

export async function insertSmokeRun(sql: Queryable, row: SmokeRunRow): Promise<string> {
	const [inserted] = await sql<{id: string}[]>`
		insert into smoke_runs (provider_id, provider_name, key_row_id, model_name, started_at, finished_at, outcome, error_class,
			ttft_ms, total_ms, output_tokens, tokens_per_s, excerpt, error_message, actor)
		values (${row.providerId}, ${row.providerName}, ${row.keyRowId}, ${row.modelName}, ${row.startedAt}, ${row.finishedAt}, ${row.outcome},
			${row.errorClass}, ${row.ttftMs}, ${row.totalMs}, ${row.outputTokens}, ${row.tokensPerSecond}, ${row.excerpt}, ${row.errorMessage}, ${row.actor})
		returning id`;
	return inserted!.id;
}

import {normaliseAlias} from '../domain/model.js';
import {isUuid} from '../domain/fields.js';
import type {ProbeKind} from '../domain/probe.js';
import {
	comparisonResults,
	comparisonRunById,
	comparisonRunsOfAlias,
	comparisonRunsOfProvider,
	recentComparisonSummaries,
	type ComparisonResultRow,
	type ComparisonRunRow,
	type ComparisonRunSummary,
} from '../db/repositories/comparisons.js';
import {providerById} from '../db/repositories/providers.js';
import {lastRunsOfProviders, recentSmokeRuns, smokeRunById, smokeRunsOfAlias, smokeRunsOfProvider, type RunPoint, type StoredSmokeRun} from '../db/repositories/smoke-runs.js';
import {NotFoundError, UsageError} from '../errors.js';
import {sparkline} from '../lib/sparkline.js';
import {hintForClass} from '../providers/index.js';
import type {ServiceContext} from './context.js';
import {getProvider} from './providers.js';

/**
 * Run history: smoke runs (every probe kind) and comparison runs, per provider and per alias,
 * newest first, for `eval752 runs` and the dashboard's history and detail views. Read-only.
 */

export type RunKind = 'smoke' | 'compare';

export type RunListItem =
	| {
			readonly kind: 'smoke';
			readonly id: string;
			readonly at: Date;
			readonly provider: string;
			readonly providerId: string | null;
			readonly model: string;
			readonly probeKind: ProbeKind;
			readonly outcome: 'ok' | 'failed' | 'cancelled';
			readonly errorClass: string | null;
			readonly ttftMs: number | null;
			readonly totalMs: number | null;
			readonly inputTokens: number | null;
			readonly outputTokens: number | null;
			readonly tokensEstimated: boolean;
			readonly keyHint: string | null;
			readonly actor: string;
	  }
	| {
			readonly kind: 'compare';
			readonly id: string;
			readonly at: Date;
			readonly alias: string;
			readonly status: 'running' | 'finished' | 'cancelled';
			readonly targets: number;
			readonly ok: number;
			readonly failed: number;
			readonly slowestMs: number | null;
			readonly actor: string;
	  };

export interface RunFilter {
	/** A provider's name or id: its smoke runs and the comparisons it took part in. */
	readonly provider?: string;
	/** An alias: its comparisons and the smoke runs of the models serving it now. */
	readonly alias?: string;
	readonly kind?: RunKind;
	/** Newest runs shown (1–1000). */
	readonly limit?: number;
}

export const DEFAULT_RUNS_LIMIT = 20;
export const MAX_RUNS_LIMIT = 1000;

function smokeItem(run: StoredSmokeRun): RunListItem {
	return {
		kind: 'smoke',
		id: run.id,
		at: run.startedAt,
		provider: run.providerName,
		providerId: run.providerId,
		model: run.modelName,
		probeKind: run.probeKind,
		outcome: run.outcome,
		errorClass: run.errorClass,
		ttftMs: run.ttftMs,
		totalMs: run.totalMs,
		inputTokens: run.inputTokens,
		outputTokens: run.outputTokens,
		tokensEstimated: run.tokensEstimated,
		keyHint: run.keyHint,
		actor: run.actor,
	};
}

function compareItem(run: ComparisonRunSummary): RunListItem {
	return {kind: 'compare', id: run.id, at: run.startedAt, alias: run.alias, status: run.status, targets: run.targets, ok: run.ok, failed: run.failed, slowestMs: run.slowestMs, actor: run.actor};
}

/** Smoke and comparison runs, newest first, at most `limit` together. */
export async function listRuns(ctx: ServiceContext, filter: RunFilter = {}): Promise<RunListItem[]> {
	const limit = filter.limit ?? DEFAULT_RUNS_LIMIT;
	if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_RUNS_LIMIT) throw new UsageError(`runs: the number of runs must be a whole number from 1 to ${MAX_RUNS_LIMIT}`, 'eval752 runs --help');
	if (filter.provider !== undefined && filter.alias !== undefined) throw new UsageError('runs: --provider and --alias exclude each other', 'eval752 runs --help');
	const sql = ctx.db.sql;
	const wantSmoke = filter.kind !== 'compare';
	const wantCompare = filter.kind !== 'smoke';
	let smoke: StoredSmokeRun[] = [];
	let compare: ComparisonRunSummary[] = [];
	if (filter.provider !== undefined) {
		const provider = await getProvider(ctx, filter.provider);
		if (wantSmoke) smoke = await smokeRunsOfProvider(sql, provider.id, limit);
		if (wantCompare) compare = await comparisonRunsOfProvider(sql, provider.id, limit);
	} else if (filter.alias !== undefined) {
		const alias = normaliseAlias(filter.alias);
		if (wantSmoke) smoke = await smokeRunsOfAlias(sql, alias, limit);
		if (wantCompare) compare = await comparisonRunsOfAlias(sql, alias, limit);
	} else {
		if (wantSmoke) smoke = await recentSmokeRuns(sql, limit);
		if (wantCompare) compare = await recentComparisonSummaries(sql, limit);
	}
	return [...smoke.map(smokeItem), ...compare.map(compareItem)].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? -1 : 1)).slice(0, limit);
}

/** A stored smoke run with the hint its error class gets today. */
export interface SmokeRunDetail extends StoredSmokeRun {
	readonly hint: string | null;
}

/** A comparison target's result with the hint its error class gets today. */
export interface ComparisonTargetDetail extends ComparisonResultRow {
	readonly hint: string | null;
}

export type RunDetail =
	| {readonly kind: 'smoke'; readonly run: SmokeRunDetail}
	| {readonly kind: 'compare'; readonly run: ComparisonRunRow; readonly results: readonly ComparisonTargetDetail[]};

/**
 * One run by id, whichever kind: a smoke run with its answer excerpt, error and hint; a
 * comparison with every target's stored answer, metrics, error and hint. Hints are not stored:
 * they are worded now for the error class and the provider's family (the generic wording when
 * the provider is gone).
 */
export async function getRun(ctx: ServiceContext, id: string): Promise<RunDetail> {
	const ref = id.trim().toLowerCase();
	if (!isUuid(ref)) throw new NotFoundError('No run with that id', {hint: 'eval752 runs list shows the ids'});
	const sql = ctx.db.sql;
	const smoke = await smokeRunById(sql, ref);
	if (smoke) {
		const hint = smoke.errorClass ? await hintFor(ctx, smoke.providerId, smoke.providerName, smoke.modelName, smoke.errorClass) : null;
		return {kind: 'smoke', run: {...smoke, hint}};
	}
	const run = await comparisonRunById(sql, ref);
	if (!run) throw new NotFoundError('No run with that id', {hint: 'eval752 runs list shows the ids'});
	const results = await comparisonResults(sql, run.id);
	const detailed: ComparisonTargetDetail[] = [];
	for (const result of results) {
		const hint = result.errorClass ? await hintFor(ctx, result.providerId, result.providerName, result.modelName, result.errorClass) : null;
		detailed.push({...result, hint});
	}
	return {kind: 'compare', run, results: detailed};
}

async function hintFor(ctx: ServiceContext, providerId: string | null, providerName: string, model: string, errorClass: string): Promise<string | null> {
	if (errorClass === 'cancelled') return null;
	const provider = providerId ? await providerById(ctx.db.sql, providerId) : undefined;
	return hintForClass(errorClass, {providerName, providerType: provider?.type ?? 'openai-compatible', model, ...(provider ? {baseUrl: provider.baseUrl} : {})});
}

/**
 * The last `count` runs of each provider (oldest first), in one query: the data behind a
 * latency/outcome sparkline on the board and in the provider detail view.
 */
export async function recentRunPoints(ctx: ServiceContext, providerIds: readonly string[], count = 20): Promise<Map<string, RunPoint[]>> {
	const points = await lastRunsOfProviders(ctx.db.sql, providerIds.filter(isUuid), count);
	const byProvider = new Map<string, RunPoint[]>();
	for (const id of providerIds) byProvider.set(id, []);
	for (const point of points) byProvider.get(point.providerId)?.push(point);
	for (const list of byProvider.values()) list.reverse();
	return byProvider;
}

/** A sparkline of points oldest first: latency blocks, "✕" for a failure, "·" for a cancelled run. */
export function runSparkline(points: readonly RunPoint[], width = points.length): string {
	return sparkline(
		points.map((point) => ({value: point.outcome === 'cancelled' ? null : point.totalMs, failed: point.outcome === 'failed'})),
		width,
	);
}

export type {RunPoint} from '../db/repositories/smoke-runs.js';

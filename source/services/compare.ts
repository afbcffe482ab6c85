import {capabilityLabels, families, type Capability} from '../domain/families.js';
import {normaliseAlias, type AliasEntry} from '../domain/model.js';
import {type Provider} from '../domain/provider.js';
import {FieldProblem, textRule} from '../domain/fields.js';
import {closeComparisonRun, insertComparisonRun, type ComparisonResultRow} from '../db/repositories/comparisons.js';
import {NotFoundError, UserError} from '../errors.js';
import {log} from '../log.js';
import {createLimiter, createRedactor, describeLimits, sanitizeText, smoke, type ClassifiedError, type Limiter, type SmokeEvent, type SmokeMetrics} from '../providers/index.js';
import {assertWritable, mutate, type ServiceContext} from './context.js';
import {keyForCall, missingKeyError, recordValidation} from './keys.js';
import {listAliases} from './models.js';
import {getProvider} from './providers.js';
import {getSettings} from './settings.js';
import {connectionOf} from './smoke.js';

/**
 * Alias comparisons: one prompt, every enabled provider+model serving an alias, all at once.
 *
 * Choices, and why:
 * - Requests go out together; each waits only for its own provider's limiter (rpm, rps and
 *   concurrency, concurrency defaulting to the `default_concurrency` setting), and the models of
 *   one provider share that limiter. Wall time is close to the slowest target, not the sum.
 * - No retries inside a comparison: a retry would send a request outside the limiter's pacing
 *   and skew the side-by-side timing. A 429 shows as `rate_limited`, which is itself a finding.
 * - Each provider's first active key, decrypted once for the run and dropped when it ends.
 * - Audit: ONE `compare.run` row, written with the `running` run row before any request goes
 *   out, naming the alias, the targets and the key (by id and hint) each one uses — so every use
 *   of a stored key is on record even if the process dies mid-run. The results are the output
 *   of that audited action: they are written with the run's close (status finished/cancelled)
 *   in one transaction with a NOTIFY and no second audit row, and are not separate audit rows.
 * - Results are stored only in comparison_results, not as smoke_runs, and do not touch the
 *   keys' last validation: a comparison measures models side by side, while a key's validation
 *   is the deliberate smoke test (`eval752 smoke`, key rotation).
 */

export interface DriftFlag {
	readonly capability: Capability;
	readonly label: string;
	/** Providers serving the alias that have it, of `of`. */
	readonly have: number;
	readonly of: number;
	readonly providers: readonly string[];
	/** "image_input on 1 of 3" */
	readonly text: string;
}

export interface AliasOverview {
	readonly alias: string;
	/** Distinct providers serving the alias (enabled or not). */
	readonly providers: number;
	readonly enabledProviders: number;
	/** Provider+model pairs serving it. */
	readonly models: number;
	/** What a comparison runs: pairs on enabled providers. */
	readonly targets: number;
	readonly drift: readonly DriftFlag[];
	readonly entries: AliasEntry['providers'];
}

/**
 * Every alias with its provider and model counts, and capability drift: a capability present on
 * some but not all of the providers serving it (disabled providers count: the alias means the
 * same model family wherever it is served, and a provider switched off for a day still differs).
 */
export async function aliasOverview(ctx: ServiceContext): Promise<AliasOverview[]> {
	return (await listAliases(ctx)).map(overviewOf);
}

export function overviewOf(entry: AliasEntry): AliasOverview {
	const providers = new Map<string, {name: string; enabled: boolean; capabilities: readonly Capability[]}>();
	for (const row of entry.providers) providers.set(row.providerId, {name: row.providerName, enabled: row.providerEnabled, capabilities: row.capabilities});
	const all = [...providers.values()];
	const present = new Set(all.flatMap((provider) => provider.capabilities));
	const drift: DriftFlag[] = [];
	for (const capability of Object.keys(capabilityLabels) as Capability[]) {
		if (!present.has(capability)) continue;
		const having = all.filter((provider) => provider.capabilities.includes(capability));
		if (having.length === all.length) continue;
		drift.push({capability, label: capabilityLabels[capability], have: having.length, of: all.length, providers: having.map((provider) => provider.name), text: `${capability} on ${having.length} of ${all.length}`});
	}
	return {
		alias: entry.alias,
		providers: all.length,
		enabledProviders: all.filter((provider) => provider.enabled).length,
		models: entry.providers.length,
		targets: entry.providers.filter((row) => row.providerEnabled).length,
		drift,
		entries: entry.providers,
	};
}

export interface CompareTarget {
	readonly index: number;
	readonly providerId: string;
	readonly providerName: string;
	readonly modelName: string;
	/** The key's display hint, or null for a keyless local server. */
	readonly keyHint: string | null;
	/** The key's row id (never the key): its answer is a probe of that key. */
	readonly keyId: string | null;
	/** What eval752 enforces for this provider, e.g. "concurrency 1 — enforced by eval752 for its own requests". */
	readonly limits: string;
}

export interface CompareResult {
	readonly index: number;
	readonly providerId: string;
	readonly providerName: string;
	readonly modelName: string;
	readonly outcome: 'ok' | 'failed' | 'cancelled';
	readonly errorClass: string | null;
	readonly message: string | null;
	readonly hint: string | null;
	readonly ttftMs: number | null;
	readonly totalMs: number | null;
	readonly outputTokens: number | null;
	/** The provider reported no usage: `outputTokens` (and so tokens/s) is an estimate. Not stored with the run. */
	readonly outputTokensEstimated: boolean;
	readonly tokensPerSecond: number | null;
	readonly excerpt: string;
	/** The key the request carried (row id), null for a keyless server or one never sent. */
	readonly keyId: string | null;
	/** When this target's answer ended. */
	readonly finishedAt: Date;
}

export type CompareEvent =
	| {readonly type: 'run-started'; readonly runId: string; readonly alias: string; readonly prompt: string; readonly targets: readonly CompareTarget[]}
	/** The request is on its way (its limiter slot is held). */
	| {readonly type: 'started'; readonly index: number}
	/** Sanitised, redacted text; the first delta of a target carries its time to first token. */
	| {readonly type: 'delta'; readonly index: number; readonly text: string; readonly ttftMs?: number}
	| {readonly type: 'finished'; readonly index: number; readonly result: CompareResult}
	| {readonly type: 'failed'; readonly index: number; readonly result: CompareResult};

/** What a comparison stored: the generator's return value (lib/stream consume() hands it over). */
export interface CompareOutcome {
	readonly runId: string;
	readonly status: 'finished' | 'cancelled';
	readonly wallMs: number;
	readonly results: readonly CompareResult[];
}

interface Prepared {
	readonly target: CompareTarget;
	readonly provider: Provider;
	readonly limiter: Limiter;
	readonly key: {readonly id: string; readonly secret: string} | null;
	/** Set when the target cannot be sent at all (no active key). */
	readonly refusal: ClassifiedError | null;
}

/** Pushes from many producers, pulled by one consumer: the targets' streams merged in arrival order. */
class Channel<T> {
	private readonly items: T[] = [];
	private wake: (() => void) | undefined;
	private closed = false;
	push(item: T): void {
		this.items.push(item);
		this.wake?.();
	}
	close(): void {
		this.closed = true;
		this.wake?.();
	}
	async *drain(): AsyncGenerator<T> {
		for (;;) {
			while (this.items.length > 0) yield this.items.shift()!;
			if (this.closed) return;
			await new Promise<void>((resolve) => {
				this.wake = resolve;
			});
			this.wake = undefined;
		}
	}
}

/**
 * Runs the prompt (the settings' smoke prompt unless given) against every enabled provider+model
 * with the alias at once, streams typed events and returns what it stored. Aborting the signal, or
 * the consumer stopping early, cancels every request; the run is then stored as `cancelled` with
 * whatever finished.
 */
export async function* runComparison(ctx: ServiceContext, aliasInput: string, options: {prompt?: string}, signal: AbortSignal): AsyncGenerator<CompareEvent, CompareOutcome> {
	assertWritable(ctx);
	const alias = normaliseAlias(aliasInput);
	const entry = (await listAliases(ctx)).find((candidate) => candidate.alias === alias);
	if (!entry) throw new NotFoundError(`No alias named ${alias}`, {hint: 'eval752 aliases list shows the aliases'});
	const rows = entry.providers.filter((row) => row.providerEnabled);
	if (rows.length === 0) throw new UserError(`Alias ${alias} has no enabled provider`, {hint: 'enable one: eval752 providers enable NAME'});
	const {values: settings} = await getSettings(ctx);
	const prompt = checkPrompt(options.prompt ?? settings.smoke_prompt);

	// One limiter and one key per provider, shared by its models.
	const perProvider = new Map<string, {provider: Provider; limiter: Limiter; key: {id: string; secret: string; hint: string} | null; refusal: ClassifiedError | null}>();
	for (const row of rows) {
		if (perProvider.has(row.providerId)) continue;
		const provider = await getProvider(ctx, row.providerId);
		const limiter = createLimiter({...provider.rateLimits, concurrency: provider.rateLimits.concurrency ?? settings.default_concurrency});
		const chosen = await keyForCall(ctx, provider.id);
		const missing = missingKeyError(provider, chosen);
		const refusal: ClassifiedError | null = missing ? {class: 'auth', message: missing.message, hint: missing.hint ?? ''} : null;
		perProvider.set(provider.id, {provider, limiter, key: chosen ? {id: chosen.key.id, secret: chosen.secret, hint: chosen.key.displayHint} : null, refusal});
	}
	const prepared: Prepared[] = rows.map((row, index) => {
		const shared = perProvider.get(row.providerId)!;
		const concurrency = shared.provider.rateLimits.concurrency ?? settings.default_concurrency;
		return {
			target: {index, providerId: row.providerId, providerName: shared.provider.name, modelName: row.modelName, keyHint: shared.key?.hint ?? null, keyId: shared.key?.id ?? null, limits: describeLimits({...shared.provider.rateLimits, concurrency})},
			provider: shared.provider,
			limiter: shared.limiter,
			key: shared.key,
			refusal: shared.refusal,
		};
	});
	const targets = prepared.map((item) => item.target);

	const startedAt = new Date();
	const runId = await mutate(ctx, async (tx) => {
		const id = await insertComparisonRun(tx, {alias, prompt, startedAt, actor: ctx.actor});
		return {
			value: id,
			audit: {
				action: 'compare.run',
				targetType: 'comparison_run',
				targetId: id,
				details: {
					alias,
					promptLength: prompt.length,
					targets: prepared.map((item) => ({provider: item.target.providerName, providerId: item.target.providerId, model: item.target.modelName, key: item.target.keyHint, keyId: item.key?.id ?? null})),
				},
			},
			changes: [{table: 'comparison_runs', id}],
		};
	});
	const began = performance.now();
	yield {type: 'run-started', runId, alias, prompt, targets};

	const controller = new AbortController();
	const onAbort = () => controller.abort(signal.reason);
	signal.addEventListener('abort', onAbort, {once: true});
	if (signal.aborted) controller.abort(signal.reason);
	const channel = new Channel<CompareEvent>();
	const results: (CompareResult | undefined)[] = prepared.map(() => undefined);
	const tasks = prepared.map((item) =>
		runTarget(item, prompt, settings, controller.signal, (event) => channel.push(event)).then((result) => {
			results[item.target.index] = result;
			channel.push({type: result.outcome === 'ok' ? 'finished' : 'failed', index: item.target.index, result});
		}),
	);
	void Promise.allSettled(tasks).then(() => channel.close());

	let stored = false;
	try {
		for await (const event of channel.drain()) yield event;
		const final = results.map((result, index) => result ?? cancelledResult(prepared[index]!.target, null));
		const status = signal.aborted ? 'cancelled' : 'finished';
		await closeRun(ctx, runId, status, final);
		stored = true;
		return {runId, status, wallMs: Math.round(performance.now() - began), results: final};
	} finally {
		signal.removeEventListener('abort', onAbort);
		if (!stored) {
			// The consumer stopped early (Esc in a pane that dropped the iterator): cancel and record.
			controller.abort();
			await Promise.allSettled(tasks);
			const final = results.map((result, index) => result ?? cancelledResult(prepared[index]!.target, null));
			await closeRun(ctx, runId, 'cancelled', final).catch((error: unknown) => log.error('comparison run not closed', {runId, error: error instanceof Error ? error.message : String(error)}));
		}
	}
}

/** The same rule as the smoke_prompt setting: 1–4000 characters, line breaks and tabs allowed, no control or escape characters. */
function checkPrompt(prompt: string): string {
	if (typeof prompt !== 'string' || prompt.trim() === '') throw new UserError('The prompt is empty', {hint: 'give a prompt, or leave it out to use the smoke_prompt setting', exitCode: 2});
	try {
		return textRule(prompt, {label: 'The prompt', max: 4000, multiline: true});
	} catch (error) {
		if (!(error instanceof FieldProblem)) throw error;
		throw new UserError(error.message, {hint: 'type the prompt as plain text', exitCode: 2});
	}
}

async function runTarget(
	item: Prepared,
	prompt: string,
	settings: {max_output_tokens: number; temperature: number; timeout_ms: number},
	signal: AbortSignal,
	emit: (event: CompareEvent) => void,
): Promise<CompareResult> {
	const {target} = item;
	if (item.refusal) return resultOf(target, {outcome: 'failed', error: item.refusal, metrics: null, excerpt: ''});
	let release: (() => void) | undefined;
	try {
		release = await item.limiter.acquire(signal);
	} catch {
		return cancelledResult(target, null);
	}
	try {
		emit({type: 'started', index: target.index});
		let last: Extract<SmokeEvent, {type: 'finished' | 'failed'}> | undefined;
		for await (const event of smoke(
			{
				provider: connectionOf(item.provider),
				apiKey: item.key?.secret ?? null,
				model: target.modelName,
				prompt,
				maxOutputTokens: settings.max_output_tokens,
				temperature: settings.temperature,
				timeoutMs: settings.timeout_ms,
				maxRetries: 0,
			},
			signal,
		)) {
			if (event.type === 'delta') {
				// The smoke's own clock: the progress line's first token and the table's TTFT agree.
				emit(event.ttftMs === undefined ? {type: 'delta', index: target.index, text: event.text} : {type: 'delta', index: target.index, text: event.text, ttftMs: event.ttftMs});
			} else if (event.type === 'finished' || event.type === 'failed') {
				last = event;
			}
		}
		if (!last) return cancelledResult(target, null);
		// Stored and shown: the key's redactor once more, right before the result is written.
		// (The message around eval752's own words: see storedTextRedactor in smoke.ts.)
		const secret = item.key?.secret ?? null;
		if (last.type === 'finished') return resultOf(target, {outcome: 'ok', error: null, metrics: last.metrics, excerpt: createRedactor(secret)(last.excerpt)});
		const message = createRedactor(secret, {keep: [item.provider.name, target.modelName, familyLabel(item.provider)]})(last.error.message);
		return resultOf(target, {outcome: last.error.class === 'cancelled' ? 'cancelled' : 'failed', error: {...last.error, message}, metrics: last.metrics, excerpt: ''});
	} finally {
		release();
	}
}

/** The family's name as messages use it ("OpenAI", "Anthropic"). */
function familyLabel(provider: Provider): string {
	return families[provider.type].label;
}

function resultOf(target: CompareTarget, outcome: {outcome: CompareResult['outcome']; error: ClassifiedError | null; metrics: SmokeMetrics | null; excerpt: string}): CompareResult {
	const metrics = outcome.metrics;
	return {
		index: target.index,
		providerId: target.providerId,
		providerName: target.providerName,
		modelName: target.modelName,
		outcome: outcome.outcome,
		errorClass: outcome.error?.class ?? null,
		// Provider text is already redacted and sanitised by the provider layer; sanitised again
		// here because it is stored and printed, and the sanitiser is idempotent.
		message: outcome.error ? sanitizeText(outcome.error.message) : null,
		hint: outcome.error?.hint ?? null,
		ttftMs: metrics?.ttftMs ?? null,
		totalMs: metrics ? metrics.totalMs : null,
		outputTokens: metrics?.outputTokens ?? null,
		outputTokensEstimated: metrics?.outputTokensEstimated ?? false,
		tokensPerSecond: metrics?.tokensPerSecond ?? null,
		excerpt: sanitizeText(outcome.excerpt),
		keyId: target.keyId,
		finishedAt: new Date(),
	};
}

function cancelledResult(target: CompareTarget, metrics: SmokeMetrics | null): CompareResult {
	return resultOf(target, {outcome: 'cancelled', error: {class: 'cancelled', message: 'The request is cancelled', hint: 'run the comparison again'}, metrics, excerpt: ''});
}

/** Results and status in one transaction with a NOTIFY (mutate without an audit row: the run's row was written when it started). */
async function closeRun(ctx: ServiceContext, runId: string, status: 'finished' | 'cancelled', results: readonly CompareResult[]): Promise<void> {
	const rows: ComparisonResultRow[] = results.map((result) => ({
		providerId: result.providerId,
		providerName: result.providerName,
		modelName: result.modelName,
		outcome: result.outcome,
		errorClass: result.errorClass,
		ttftMs: result.ttftMs,
		totalMs: result.totalMs,
		outputTokens: result.outputTokens,
		tokensPerSecond: result.tokensPerSecond,
		excerpt: result.excerpt,
		errorMessage: result.message,
		keyRowId: result.keyId,
		finishedAt: result.finishedAt,
	}));
	// Each answer is a probe of its key: the key's last validation moves with it, as a smoke test's does.
	const validated = new Map<string, CompareResult>();
	for (const result of results) {
		if (!result.keyId || result.outcome === 'cancelled') continue;
		const seen = validated.get(result.keyId);
		if (!seen || seen.finishedAt <= result.finishedAt) validated.set(result.keyId, result);
	}
	await mutate(ctx, async (tx) => {
		const done = await closeComparisonRun(tx, runId, status, new Date(), rows);
		if (done) {
			for (const [keyId, result] of validated) {
				await recordValidation(tx, keyId, {outcome: result.outcome === 'ok' ? 'ok' : 'failed', errorClass: result.errorClass, message: result.message, model: result.modelName, at: result.finishedAt.toISOString()}).catch((error: unknown) => {
					// A key deleted while the comparison ran has nothing to record on.
					if (!(error instanceof NotFoundError)) throw error;
				});
			}
		}
		return {value: done, audit: null, changes: done ? [{table: 'comparison_runs', id: runId}, ...[...validated.keys()].map((id) => ({table: 'provider_keys', id}))] : []};
	});
}

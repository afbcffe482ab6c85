import {probeKinds, type ProbeKind} from '../domain/probe.js';
import {NotFoundError, UsageError} from '../errors.js';
import {milliseconds, rate, tokensText} from '../lib/metrics.js';
import {checkEncryptionKey, EXIT_KEY, keyBlocksProbing, uncheckedFrom} from '../services/check-outcome.js';
import type {ServiceContext} from '../services/context.js';
import {DEFAULT_PARALLEL, MAX_PARALLEL, type ProbeRound, type ProviderProbe} from '../services/probe.js';
import {errorLine, printJson} from './format.js';
import type {SmokeMetrics, SmokeOutcome, SmokeSkipped} from '../services/smoke.js';
import {intFlag} from './args.js';
import type {Io} from './io.js';
import {providerStatusJson} from './health-json.js';

/**
 * What `smoke`, `probe` and `watch` print about runs, in one place so the three commands say
 * it alike and none of them is another's helper module: the summary line, the stable JSON of a
 * run and of a round, and the flags they share.
 */

/** Exit code for a run stopped with Ctrl+C: the shell convention (128 + SIGINT). */
export const EXIT_CANCELLED = 130;

/** A run of a batch, or a model the batch never started (cancelled first). */
export type Result = SmokeOutcome | SmokeSkipped;

function round(value: number | null, digits: number): number | null {
	if (value === null) return null;
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}

/**
 * What the probe was: "models probe", "chat probe", "stream", or a stream that did not stream:
 * the provider has no streaming capability, or the server answered a streaming request with one
 * JSON body (then its time to first token is its total).
 */
function kindText(outcome: SmokeOutcome): string {
	if (outcome.probeKind !== 'stream') return `${outcome.probeKind} probe`;
	if (outcome.streamed) return 'stream';
	if (!outcome.askedToStream) return 'stream, one request (no streaming capability)';
	return outcome.outcome === 'ok' ? 'stream asked, answered as one JSON body (not streamed)' : 'stream';
}

/**
 * One line per run: outcome, provider, model, key mask, the probe, ttft, total, tokens spent,
 * tok/s — unknowns as "—". A `models` probe has no ttft or tok/s and spends 0 tokens.
 */
export function summaryLine(outcome: SmokeOutcome): string {
	const metrics = outcome.metrics;
	const state = outcome.outcome === 'failed' ? `failed (${outcome.errorClass ?? 'error'})` : outcome.outcome;
	const tokens = `${tokensText({inputTokens: metrics.inputTokens, outputTokens: metrics.outputTokens, estimated: metrics.outputTokensEstimated})}${metrics.usageImplausible ? ' (reported usage not plausible)' : ''}`;
	const parts = [state, outcome.provider, outcome.model, `key ${outcome.keyHint ?? 'none'}`, kindText(outcome)];
	if (outcome.probeKind === 'models') return [...parts, `total ${milliseconds(metrics.totalMs)}`, tokens].join(' · ');
	return [...parts, `ttft ${milliseconds(metrics.ttftMs)}`, `total ${milliseconds(metrics.totalMs)}`, tokens, rate(metrics.tokensPerSecond, metrics.outputTokensEstimated)].join(' · ');
}

function metricsJson(metrics: SmokeMetrics | null) {
	return {
		ttftMs: metrics?.ttftMs ?? null,
		totalMs: metrics?.totalMs ?? null,
		inputTokens: metrics?.inputTokens ?? null,
		outputTokens: metrics?.outputTokens ?? null,
		outputTokensEstimated: metrics?.outputTokensEstimated ?? false,
		usageImplausible: metrics?.usageImplausible ?? false,
		tokensPerSecond: round(metrics?.tokensPerSecond ?? null, 2),
	};
}

/** The JSON object for one run; the shape is documented in --help and kept stable. */
export function resultJson(result: Result, context: {provider: string; keyHint: string | null; probeKind: ProbeKind}): unknown {
	if (result.runId === null) {
		return {
			runId: null,
			provider: context.provider,
			model: result.model,
			key: context.keyHint,
			probeKind: context.probeKind,
			streamed: false,
			outcome: 'cancelled',
			error: {class: 'cancelled', message: 'Not started: the batch is cancelled first', hint: 'run it again'},
			metrics: metricsJson(null),
			excerpt: '',
			rateHeaders: null,
		};
	}
	return {
		runId: result.runId,
		provider: result.provider,
		model: result.model,
		key: result.keyHint,
		probeKind: result.probeKind,
		streamed: result.streamed,
		outcome: result.outcome,
		error: result.outcome === 'ok' ? null : {class: result.errorClass, message: result.message, hint: result.hint},
		metrics: metricsJson(result.metrics),
		excerpt: result.excerpt,
		rateHeaders: result.rateHeaders,
	};
}

/** The JSON of a round: every run, every provider skipped and why, and the health afterwards. */
export function roundJson(round: ProbeRound): Record<string, unknown> {
	return {
		startedAt: round.startedAt.toISOString(),
		finishedAt: round.finishedAt.toISOString(),
		cancelled: round.cancelled,
		state: round.report.state,
		exitCode: round.report.exitCode,
		counts: round.report.counts,
		probes: round.probes.map((probe) => probeJson(probe)),
		providers: round.report.providers.map((provider) => providerStatusJson(provider, round.report.checkedAt)),
	};
}

function probeJson(probe: ProviderProbe): Record<string, unknown> {
	return {
		provider: probe.provider,
		kind: probe.kind,
		skipped: probe.skipped,
		runs: probe.results.map((result) => resultJson(result, {provider: probe.provider, keyHint: null, probeKind: probe.kind ?? 'stream'})),
	};
}

/** `--probe KIND` / `--kind KIND`: one of the probe kinds, or a usage error naming them. */
export function parseProbeFlag(command: string, value: string | undefined, flag = 'probe'): ProbeKind | undefined {
	if (value === undefined) return undefined;
	const kind = value.trim().toLowerCase();
	if (!(probeKinds as readonly string[]).includes(kind)) throw new UsageError(`${command}: --${flag} must be one of ${probeKinds.join(', ')}`, `eval752 ${command} --help`);
	return kind as ProbeKind;
}

export function parallelFlag(command: string, value: string | undefined): number {
	return intFlag(command, 'parallel', value, {min: 1, max: MAX_PARALLEL}) ?? DEFAULT_PARALLEL;
}

/**
 * Ctrl+C aborts the requests (the provider sees the disconnect) and lets the runs be stored as
 * cancelled (smoke, probe). The handler lives only while requests are out; `once`, so a second Ctrl+C while
 * the result is being stored falls back to Node's default and ends the process.
 */
export async function withInterrupt<T>(io: Io, json: boolean, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const controller = new AbortController();
	const onInterrupt = () => {
		if (!json) io.stderr.write('\neval752: cancelling — Ctrl+C again to quit at once\n');
		controller.abort();
	};
	process.once('SIGINT', onInterrupt);
	try {
		return await work(controller.signal);
	} finally {
		process.off('SIGINT', onInterrupt);
	}
}

/**
 * A checker's run (`probe`, `watch`): when it can't check at all — the database unreachable or
 * busy, the schema behind, a bug — it says so on stderr (and as a JSON document with --json) and
 * exits with the "could not check" code, never with a health code. Usage and configuration
 * errors keep exit 2 (thrown on to main).
 */
export async function asChecker(io: Io, json: boolean, work: () => Promise<number>): Promise<number> {
	try {
		return await work();
	} catch (error) {
		// A provider name that does not exist is the caller's mistake (usage), not a check that failed.
		if (error instanceof NotFoundError) throw new UsageError(error.message, error.hint);
		const unchecked = uncheckedFrom(error);
		if (!unchecked) throw error;
		io.stderr.write(`eval752: could not check — ${errorLine(unchecked)}\n`);
		if (json) printJson(io.stdout, {state: 'unchecked', exitCode: unchecked.exitCode, cause: unchecked.cause, reason: unchecked.message, hint: unchecked.hint ?? null});
		return unchecked.exitCode;
	}
}

/**
 * Probing needs the key that wrote the stored API keys: with a wrong, retired or missing one
 * every probe would fail, so nothing is probed and nothing is stored. Returns the exit code to
 * stop with (6), after saying why; undefined when the key is fine.
 */
export async function refuseWithoutKey(ctx: ServiceContext, io: Io, json: boolean): Promise<number | undefined> {
	const blocked = keyBlocksProbing(checkEncryptionKey(ctx));
	if (!blocked) return undefined;
	io.stderr.write(`eval752: nothing probed — ${errorLine(blocked)}\n`);
	if (json) printJson(io.stdout, {state: 'wrong-key', exitCode: EXIT_KEY, reason: blocked.message, hint: blocked.hint});
	return EXIT_KEY;
}

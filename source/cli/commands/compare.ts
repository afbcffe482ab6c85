import {consume} from '../../lib/stream.js';
import {openApp} from '../../app.js';
import {aliasOverview, runComparison, type CompareResult, type CompareTarget} from '../../services/compare.js';
import {normaliseAlias} from '../../domain/model.js';
import {UsageError, ValidationError} from '../../errors.js';
import {parse} from '../args.js';
import {columns, printJson, table} from '../format.js';
import type {Command} from '../command.js';
import {latencyBar} from '../../domain/latency-bar.js';
import {milliseconds as ms} from '../../lib/metrics.js';

function label(target: Pick<CompareTarget, 'providerName' | 'modelName'>): string {
	return `${target.providerName}/${target.modelName}`;
}

/**
 * The stable `--json` shape (version 1): {version, runId, alias, prompt, status ('finished' |
 * 'cancelled'), wallMs, drift: string[], results: [{index, provider, providerId, model, outcome
 * ('ok' | 'failed' | 'cancelled'), errorClass, message, hint, ttftMs, totalMs, outputTokens,
 * tokensPerSecond, excerpt, outputTokensEstimated}]}. Fields are added, never renamed or removed, within a version.
 */
function jsonResult(result: CompareResult) {
	return {
		index: result.index,
		provider: result.providerName,
		providerId: result.providerId,
		model: result.modelName,
		outcome: result.outcome,
		errorClass: result.errorClass,
		message: result.message,
		hint: result.hint,
		ttftMs: result.ttftMs,
		totalMs: result.totalMs,
		outputTokens: result.outputTokens,
		tokensPerSecond: result.tokensPerSecond === null ? null : Math.round(result.tokensPerSecond * 10) / 10,
		excerpt: result.excerpt,
		outputTokensEstimated: result.outputTokensEstimated,
	};
}

export const command: Command = {
	name: 'compare',
	summary: 'run one prompt on every provider serving an alias',
	help: `Usage: eval752 compare <alias> [--prompt P] [--json]

Runs one prompt (the smoke_prompt setting unless --prompt is given) on every enabled provider and
model with the alias, all at once. Each provider's rate limits (rpm, rps, concurrency; concurrency
defaults to the default_concurrency setting) are enforced by eval752 for these requests, and the
models of one provider share them. Each provider's first active key is used; no retries.

Progress lines appear as they happen (started, first token, finished or failed with the error
class), then a table: provider, model, outcome, time to first token, total time, output tokens,
tokens per second and a latency bar scaled to the slowest. With --json the progress goes to stderr
and stdout carries one JSON document:
  {version: 1, runId, alias, prompt, status, wallMs, drift: [...],
   results: [{index, provider, providerId, model, outcome, errorClass, message, hint,
              ttftMs, totalMs, outputTokens, tokensPerSecond, excerpt, outputTokensEstimated}]}
  (outputTokensEstimated: the provider reported no usage; the table then shows ~ before the
  count and the rate)

The run and its results are stored (comparison_runs, comparison_results) with one compare.run
audit row. Ctrl+C cancels every request; the run is stored as cancelled.

Options:
  --prompt P   the prompt to send instead of the smoke_prompt setting
  --json       the result as JSON

Exit codes: 0 every target answered, 1 any failed or the run was cancelled, 2 usage error.
`,
	async run(args, io) {
		const {values, positionals} = parse('compare', args, {prompt: {type: 'string'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'alias'});
		let alias: string;
		try {
			alias = normaliseAlias(positionals[0]!);
		} catch (error) {
			// A malformed alias is a mistake on the command line, not a failed comparison.
			if (error instanceof ValidationError) throw new UsageError(`compare: ${error.message}`, 'eval752 aliases list shows the aliases');
			throw error;
		}
		const json = values.json === true;
		const progress = json ? io.stderr : io.stdout;
		const app = await openApp(io, {onProgress: (message) => io.stderr.write(`${message}\n`)});
		const controller = new AbortController();
		const onSigint = () => controller.abort();
		process.on('SIGINT', onSigint);
		try {
			const drift = (await aliasOverview(app.ctx)).find((entry) => entry.alias === alias)?.drift.map((flag) => flag.text) ?? [];
			let targets: readonly CompareTarget[] = [];
			const end = await consume(runComparison(app.ctx, alias, {prompt: values.prompt}, controller.signal), (event) => {
				switch (event.type) {
					case 'run-started':
						targets = event.targets;
						progress.write(`Comparing ${event.alias} on ${targets.length} target${targets.length === 1 ? '' : 's'}${drift.length > 0 ? ` (capability drift: ${drift.join(', ')})` : ''}\n`);
						break;
					case 'started':
						progress.write(`[${event.index + 1}] ${label(targets[event.index]!)} started\n`);
						break;
					case 'delta':
						if (event.ttftMs !== undefined) progress.write(`[${event.index + 1}] ${label(targets[event.index]!)} first token after ${event.ttftMs} ms\n`);
						break;
					case 'finished':
						progress.write(`[${event.index + 1}] ${label(event.result)} finished in ${ms(event.result.totalMs)}\n`);
						break;
					case 'failed':
						progress.write(`[${event.index + 1}] ${label(event.result)} ${event.result.outcome === 'cancelled' ? 'cancelled' : `failed: ${event.result.errorClass} — ${event.result.message ?? ''}`}\n`);
						break;
				}
			});
			const allOk = end.status === 'finished' && end.results.every((result) => result.outcome === 'ok');
			if (json) {
				printJson(io.stdout, {version: 1, runId: end.runId, alias, prompt: values.prompt ?? null, status: end.status, wallMs: end.wallMs, drift, results: end.results.map(jsonResult)});
				return allOk ? 0 : 1;
			}
			const slowest = Math.max(0, ...end.results.map((result) => result.totalMs ?? 0));
			const rows = end.results.map((result) => [
				result.providerName,
				result.modelName,
				result.outcome === 'ok' ? 'ok' : (result.errorClass ?? result.outcome),
				ms(result.ttftMs),
				ms(result.totalMs),
				result.outputTokens === null ? '—' : `${result.outputTokensEstimated ? '~' : ''}${result.outputTokens}`,
				result.tokensPerSecond === null ? '—' : `${result.outputTokensEstimated ? '~' : ''}${result.tokensPerSecond.toFixed(1)}`,
				latencyBar(result.totalMs, slowest),
			]);
			io.stdout.write('\n' + table(['PROVIDER', 'MODEL', 'OUTCOME', 'TTFT', 'TOTAL', 'TOKENS', 'TOK/S', 'LATENCY'], rows, columns(io.stdout)));
			io.stdout.write(`\n${end.status === 'cancelled' ? 'Cancelled' : 'Finished'} in ${end.wallMs} ms (run ${end.runId}).\n`);
			for (const result of end.results.filter((entry) => entry.outcome === 'failed' && entry.hint)) {
				io.stdout.write(`${result.providerName}/${result.modelName}: ${result.hint}\n`);
			}
			return allOk ? 0 : 1;
		} finally {
			process.off('SIGINT', onSigint);
			await app.close();
		}
	},
};

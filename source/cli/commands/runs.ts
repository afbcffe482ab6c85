import {describeRateHeaders} from '../../domain/observed-limits.js';
import {UsageError} from '../../errors.js';
import {milliseconds as ms, rate, tokensText} from '../../lib/metrics.js';
import {DEFAULT_RUNS_LIMIT, getRun, listRuns, MAX_RUNS_LIMIT, type RunDetail, type RunKind, type RunListItem} from '../../services/runs.js';
import {intFlag, parse} from '../args.js';
import {age, columns, printJson, table} from '../format.js';
import {dispatch, withContext, type Subcommand, type Command} from '../command.js';

function outcomeText(item: RunListItem): string {
	if (item.kind === 'compare') return item.status === 'finished' ? `${item.ok}/${item.targets} ok` : `${item.status} (${item.ok}/${item.targets} ok)`;
	return item.outcome === 'failed' ? `failed (${item.errorClass ?? 'error'})` : item.outcome;
}

export function runItemJson(item: RunListItem) {
	if (item.kind === 'compare') {
		return {kind: 'compare', id: item.id, at: item.at.toISOString(), alias: item.alias, status: item.status, targets: item.targets, ok: item.ok, failed: item.failed, slowestMs: item.slowestMs, actor: item.actor};
	}
	return {
		kind: 'smoke',
		id: item.id,
		at: item.at.toISOString(),
		provider: item.provider,
		model: item.model,
		probeKind: item.probeKind,
		outcome: item.outcome,
		errorClass: item.errorClass,
		ttftMs: item.ttftMs,
		totalMs: item.totalMs,
		inputTokens: item.inputTokens,
		outputTokens: item.outputTokens,
		outputTokensEstimated: item.tokensEstimated,
		key: item.keyHint,
		actor: item.actor,
	};
}

const list: Subcommand = async (args, io) => {
	const {values} = parse('runs list', args, {provider: {type: 'string'}, alias: {type: 'string'}, kind: {type: 'string'}, n: {type: 'string', short: 'n'}, json: {type: 'boolean'}}, {max: 0});
	if (values.kind !== undefined && values.kind !== 'smoke' && values.kind !== 'compare') throw new UsageError('runs list: --kind must be smoke or compare', 'eval752 runs --help');
	if (values.provider !== undefined && values.alias !== undefined) throw new UsageError('runs list: --provider and --alias exclude each other', 'eval752 runs --help');
	const limit = intFlag('runs list', 'n', values.n, {min: 1, max: MAX_RUNS_LIMIT}) ?? DEFAULT_RUNS_LIMIT;
	return withContext(io, async (ctx) => {
		const items = await listRuns(ctx, {provider: values.provider, alias: values.alias, kind: values.kind as RunKind | undefined, limit});
		if (values.json) printJson(io.stdout, items.map(runItemJson));
		else if (items.length === 0) io.stdout.write('No runs yet — eval752 smoke PROVIDER, eval752 probe --all or eval752 compare ALIAS make some\n');
		else {
			const now = new Date();
			io.stdout.write(
				table(
					['AGE', 'KIND', 'WHAT', 'OUTCOME', 'TIME', 'TOKENS', 'ID'],
					items.map((item) =>
						item.kind === 'compare'
							? [age(item.at, now), 'compare', `alias ${item.alias}`, outcomeText(item), ms(item.slowestMs), '—', item.id]
							: [
									age(item.at, now),
									item.probeKind,
									`${item.provider} · ${item.model}`,
									outcomeText(item),
									ms(item.totalMs),
									tokensText({inputTokens: item.inputTokens, outputTokens: item.outputTokens, estimated: item.tokensEstimated}),
									item.id,
								],
					),
					columns(io.stdout),
				),
			);
		}
		return 0;
	});
};

export function runDetailJson(detail: RunDetail) {
	if (detail.kind === 'smoke') {
		const run = detail.run;
		return {
			kind: 'smoke',
			id: run.id,
			provider: run.providerName,
			providerId: run.providerId,
			model: run.modelName,
			key: run.keyHint,
			probeKind: run.probeKind,
			startedAt: run.startedAt.toISOString(),
			finishedAt: run.finishedAt?.toISOString() ?? null,
			outcome: run.outcome,
			error: run.errorClass === null ? null : {class: run.errorClass, message: run.errorMessage, hint: run.hint},
			metrics: {ttftMs: run.ttftMs, totalMs: run.totalMs, inputTokens: run.inputTokens, outputTokens: run.outputTokens, outputTokensEstimated: run.tokensEstimated, tokensPerSecond: run.tokensPerSecond},
			excerpt: run.excerpt,
			rateHeaders: run.rateHeaders,
			actor: run.actor,
		};
	}
	return {
		kind: 'compare',
		id: detail.run.id,
		alias: detail.run.alias,
		prompt: detail.run.prompt,
		startedAt: detail.run.startedAt.toISOString(),
		finishedAt: detail.run.finishedAt?.toISOString() ?? null,
		status: detail.run.status,
		actor: detail.run.actor,
		targets: detail.results.map((result) => ({
			provider: result.providerName,
			providerId: result.providerId,
			model: result.modelName,
			outcome: result.outcome,
			error: result.errorClass === null ? null : {class: result.errorClass, message: result.errorMessage, hint: result.hint},
			metrics: {ttftMs: result.ttftMs, totalMs: result.totalMs, outputTokens: result.outputTokens, tokensPerSecond: result.tokensPerSecond},
			answer: result.excerpt,
		})),
	};
}

function indent(text: string): string {
	return text
		.split('\n')
		.map((line) => `    ${line}`)
		.join('\n');
}

export function renderRunDetail(detail: RunDetail): string {
	const out: string[] = [];
	if (detail.kind === 'smoke') {
		const run = detail.run;
		out.push(`smoke run     ${run.id}`);
		out.push(`provider      ${run.providerName} · model ${run.modelName} · key ${run.keyHint ?? 'none'}`);
		out.push(`probe         ${run.probeKind}`);
		out.push(`when          ${run.startedAt.toISOString()} by ${run.actor}`);
		out.push(`outcome       ${run.outcome === 'failed' ? `failed (${run.errorClass ?? 'error'})` : run.outcome}`);
		out.push(`metrics       ttft ${ms(run.ttftMs)} · total ${ms(run.totalMs)} · ${tokensText({inputTokens: run.inputTokens, outputTokens: run.outputTokens, estimated: run.tokensEstimated})}${run.tokensPerSecond === null ? '' : ` · ${rate(run.tokensPerSecond, run.tokensEstimated)}`}`);
		if (run.errorMessage) out.push(`error         ${run.errorMessage}`);
		if (run.hint) out.push(`try           ${run.hint}`);
		if (run.rateHeaders) out.push(`provider said ${describeRateHeaders(run.rateHeaders).join('; ')} (rate-limit headers of this response)`);
		out.push('answer');
		out.push(run.excerpt ? indent(run.excerpt) : '    (none)');
		return out.join('\n') + '\n';
	}
	const run = detail.run;
	out.push(`comparison    ${run.id}`);
	out.push(`alias         ${run.alias} · ${run.status} · ${run.startedAt.toISOString()} by ${run.actor}`);
	out.push('prompt');
	out.push(indent(run.prompt));
	for (const result of detail.results) {
		out.push('');
		out.push(`── ${result.providerName} · ${result.modelName}: ${result.outcome === 'failed' ? `failed (${result.errorClass ?? 'error'})` : result.outcome}`);
		out.push(`   ttft ${ms(result.ttftMs)} · total ${ms(result.totalMs)} · ${tokensText({outputTokens: result.outputTokens})}${result.tokensPerSecond === null ? '' : ` · ${rate(result.tokensPerSecond)}`}`);
		if (result.errorMessage) out.push(`   error: ${result.errorMessage}`);
		if (result.hint) out.push(`   try: ${result.hint}`);
		if (result.excerpt) out.push(indent(result.excerpt));
	}
	return out.join('\n') + '\n';
}

const show: Subcommand = async (args, io) => {
	const {values, positionals} = parse('runs show', args, {json: {type: 'boolean'}}, {min: 1, max: 1, names: 'RUN_ID'});
	return withContext(io, async (ctx) => {
		const detail = await getRun(ctx, positionals[0]!);
		if (values.json) printJson(io.stdout, runDetailJson(detail));
		else io.stdout.write(renderRunDetail(detail));
		return 0;
	});
};

export const command: Command = {
	name: 'runs',
	summary: 'list and show stored smoke, probe and comparison runs',
	help: `Usage: eval752 runs list [--provider PROVIDER | --alias ALIAS] [--kind smoke|compare]
                        [-n N] [--json]
       eval752 runs show RUN_ID [--json]

list   the newest runs first (default ${DEFAULT_RUNS_LIMIT}, at most ${MAX_RUNS_LIMIT}): smoke runs (every probe kind: models, chat,
       stream) and comparison runs. --provider: its smoke runs and the comparisons it took part
       in; --alias: its comparisons and the smoke runs of the models serving it now.
show   one run by id: a smoke run with its probe, metrics, tokens spent, error, hint, the
       rate-limit headers the provider sent and the answer excerpt; a comparison with every
       target's stored answer, metrics, error and hint. Hints are worded now for the stored error
       class; answers are stored as sanitised, redacted excerpts (the first 500 characters).

JSON (--json):
  list   [{kind: "smoke", id, at, provider, model, probeKind, outcome, errorClass, ttftMs, totalMs,
           inputTokens, outputTokens, outputTokensEstimated, key, actor}
          | {kind: "compare", id, at, alias, status, targets, ok, failed, slowestMs, actor}]
  show   {kind: "smoke", id, provider, providerId, model, key, probeKind, startedAt, finishedAt,
          outcome, error: null | {class, message, hint}, metrics: {…}, excerpt, rateHeaders, actor}
         | {kind: "compare", id, alias, prompt, startedAt, finishedAt, status, actor,
            targets: [{provider, providerId, model, outcome, error, metrics, answer}]}

Exit codes: 0 done, 1 no such run or provider, 2 usage.

Examples:
  eval752 runs list --provider groq -n 50
  eval752 runs list --alias chat --kind compare --json | jq '.[0].id'
  eval752 runs show 5f0c…
`,
	run: (args, io) => dispatch('runs', args, io, {list, ls: list, show}),
};

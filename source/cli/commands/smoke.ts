import {openApp} from '../../app.js';
import {probeKindDescriptions, type ProbeKind} from '../../domain/probe.js';
import {UsageError} from '../../errors.js';
import type {ServiceContext} from '../../services/context.js';
import {planSmokeBatch, runSmoke, runSmokeBatch, type SmokeOutcome} from '../../services/smoke.js';
import {consume} from '../../lib/stream.js';
import {parse} from '../args.js';
import {printJson} from '../format.js';
import type {Io} from '../io.js';
import type {Command} from '../command.js';
import {EXIT_CANCELLED, parseProbeFlag, resultJson, summaryLine, withInterrupt, type Result} from '../run-output.js';

/** The error of a run that did not pass, for stderr: class and message, then what to try. */
function errorLines(outcome: SmokeOutcome): string {
	if (outcome.outcome === 'ok') return '';
	const head = outcome.outcome === 'cancelled' ? `eval752: cancelled: ${outcome.model} — the run is stored as cancelled` : `eval752: ${outcome.errorClass ?? 'error'}: ${outcome.message ?? 'the smoke test fails'}`;
	return `${head}\n${outcome.hint && outcome.outcome !== 'cancelled' ? `  try: ${outcome.hint}\n` : ''}`;
}

function exitCode(results: readonly Result[]): number {
	if (results.some((result) => result.outcome === 'cancelled')) return EXIT_CANCELLED;
	return results.every((result) => result.outcome === 'ok') ? 0 : 1;
}

/** Tracks whether the streamed text ended its line, so the summary starts on its own. */
class StreamWriter {
	#openLine = false;
	constructor(private readonly io: Io) {}
	text(text: string): void {
		this.io.stdout.write(text);
		this.#openLine = !text.endsWith('\n');
	}
	line(text: string): void {
		this.endLine();
		this.io.stdout.write(`${text}\n`);
	}
	endLine(): void {
		if (this.#openLine) this.io.stdout.write('\n');
		this.#openLine = false;
	}
}

async function smokeOne(ctx: ServiceContext, io: Io, target: {provider: string; model?: string; key?: string; probe?: ProbeKind}, json: boolean): Promise<number> {
	const out = new StreamWriter(io);
	const outcome = await withInterrupt(io, json, (signal) =>
		consume(runSmoke(ctx, target, signal), (event) => {
			if (json) return;
			if (event.type === 'started' && event.attempt > 1) {
				out.endLine();
				io.stderr.write(`eval752: retrying ${event.provider} · ${event.model} (attempt ${event.attempt})\n`);
			} else if (event.type === 'delta') out.text(event.text);
		}),
	);
	if (json) printJson(io.stdout, resultJson(outcome, {provider: outcome.provider, keyHint: outcome.keyHint, probeKind: outcome.probeKind}));
	else {
		out.line(summaryLine(outcome));
		io.stderr.write(errorLines(outcome));
	}
	return exitCode([outcome]);
}

async function smokeAll(ctx: ServiceContext, io: Io, target: {provider: string; key?: string; probe?: ProbeKind}, json: boolean): Promise<number> {
	const batch = await planSmokeBatch(ctx, target);
	// One model at a time: its tokens can stream as they come. Several at once would interleave
	// into nonsense, so they get a line when they start and their summary when they end. A
	// `models` batch is one request for all models: nothing streams.
	const streaming = batch.concurrency <= 1 && batch.kind !== 'models';
	const out = new StreamWriter(io);
	const count = batch.models.length;
	if (!json) out.line(`Probing ${count} model${count === 1 ? '' : 's'} of ${batch.provider.name} with the ${batch.kind} probe (${batch.limits})`);
	let started = 0;
	const results = await withInterrupt(io, json, (signal) =>
		runSmokeBatch(ctx, batch, signal, {
			onStart: (model) => {
				started++;
				if (json) return;
				out.line(streaming ? `── ${model}` : `started ${model} (${started} of ${count})`);
			},
			onEvent: (_model, event) => {
				if (json || !streaming) return;
				if (event.type === 'delta') out.text(event.text);
			},
			onOutcome: (outcome) => {
				if (json) return;
				out.line(summaryLine(outcome));
				io.stderr.write(errorLines(outcome));
			},
		}),
	);
	const keyHint = batch.prepared.chosen?.key.displayHint ?? null;
	if (json) printJson(io.stdout, results.map((result) => resultJson(result, {provider: batch.provider.name, keyHint, probeKind: batch.kind})));
	else {
		const tally = (outcome: Result['outcome']) => results.filter((result) => result.outcome === outcome).length;
		const skipped = results.filter((result) => result.runId === null).length;
		out.line(`${count} model${count === 1 ? '' : 's'}: ${tally('ok')} ok, ${tally('failed')} failed, ${tally('cancelled')} cancelled${skipped > 0 ? ` (${skipped} never started)` : ''}`);
	}
	return exitCode(results);
}

export const command: Command = {
	name: 'smoke',
	summary: 'probe a provider with the exact model (models, chat or stream)',
	help: `Usage: eval752 smoke PROVIDER [--model MODEL] [--key KEY] [--probe KIND] [--json]
       eval752 smoke PROVIDER --all-models [--key KEY] [--probe KIND] [--json]

Checks PROVIDER with the exact model. The check is the provider's probe kind (eval752 providers
edit PROVIDER --probe KIND sets it), or the one --probe asks for:
  models   ${probeKindDescriptions.models}
  chat     ${probeKindDescriptions.chat}
  stream   ${probeKindDescriptions.stream}
A stream probe on a provider without the streaming capability sends one non-streaming request.
The answer (chat, stream) goes to stdout as it arrives, with escape sequences and echoes of the
key removed; then one summary line with the tokens spent:
  ok · PROVIDER · MODEL · key sk-…a1b2 · stream · ttft 312 ms · total 845 ms · 19 tokens (12 in, 7 out) · 13.2 tok/s
  ok · PROVIDER · MODEL · key sk-…a1b2 · models probe · total 96 ms · 0 tokens
("~7 tokens out" when the provider reports no usage, or usage that can't be true — negative, or
more than the budget and the text could hold — and the count is an estimate from the answer's
characters, about four a token; "—" when unknown). tok/s only when the answer streamed over at
least 10 ms; "stream asked, answered as one JSON body (not streamed)" when the server ignored
the request to stream (its time to first token is then its total).
On failure stderr says the error class (auth, permission, quota, rate_limited, model_not_found,
bad_request, context, server, timeout, network, protocol), the message and a "try:" hint.
Every run is stored with the rate-limit headers the provider sent (eval752 status shows them),
audited, and sets the key's last validation — except a cancelled run, which leaves the key's
validation as it was. Timeout, retries, max tokens, probe_max_tokens and temperature come from
eval752 settings.

Options:
  --model MODEL   the model id to send, verbatim (default: the provider's first configured model)
  --key KEY       key id or its first 4+ characters (default: the first active key by priority)
  --probe KIND    models, chat or stream (default: the provider's probe kind)
  --all-models    every configured model of PROVIDER, paced by a client-side limiter from the
                  provider's rate limits (rpm, rps, concurrency; concurrency defaults to the
                  default_concurrency setting) — enforced by eval752 for its own requests.
                  With concurrency 1 each answer streams in turn; otherwise one line per model
                  when it starts and its summary line when it ends. A models probe is one
                  request for all the models.
  --json          no streamed text: one JSON object (an array of them for --all-models)

Ctrl+C cancels: the request is closed, the run is stored as cancelled; press it again to quit
without waiting.

Exit codes: 0 ok (every model, for --all-models), 1 a run failed, 2 usage or configuration
error, 130 cancelled with Ctrl+C.

JSON shape (--json), per run:
  {"runId": uuid | null (null: never started, the batch was cancelled first),
   "provider": name, "model": model id, "key": "sk-…a1b2" | null (keyless local server),
   "probeKind": "models" | "chat" | "stream", "streamed": boolean (server-sent events arrived),
   "outcome": "ok" | "failed" | "cancelled",
   "error": null | {"class": string, "message": string, "hint": string},
   "metrics": {"ttftMs": number | null, "totalMs": number | null, "inputTokens": number | null,
               "outputTokens": number | null, "outputTokensEstimated": boolean,
               "usageImplausible": boolean, "tokensPerSecond": number | null},
   "excerpt": the first 500 characters of the answer, sanitised ("" unless ok),
   "rateHeaders": null | {header: value} (x-ratelimit-*, anthropic-ratelimit-*, retry-after)}

Examples:
  eval752 smoke openai --model gpt-4o-mini
  eval752 smoke groq --probe models --all-models
  eval752 smoke groq --all-models --json | jq '.[] | select(.outcome != "ok")'
`,
	async run(args: readonly string[], io: Io) {
		const {values, positionals} = parse(
			'smoke',
			args,
			{model: {type: 'string'}, key: {type: 'string'}, probe: {type: 'string'}, 'all-models': {type: 'boolean'}, json: {type: 'boolean'}},
			{min: 1, max: 1, names: 'PROVIDER'},
		);
		if (values['all-models'] && values.model !== undefined) throw new UsageError('smoke: --model and --all-models exclude each other', 'eval752 smoke --help');
		const provider = positionals[0]!;
		const json = values.json ?? false;
		const probe = parseProbeFlag('smoke', values.probe);
		const app = await openApp(io, {onProgress: (message) => io.stderr.write(`${message}\n`)});
		try {
			if (values['all-models']) return await smokeAll(app.ctx, io, {provider, key: values.key, probe}, json);
			return await smokeOne(app.ctx, io, {provider, model: values.model, key: values.key, probe}, json);
		} finally {
			await app.close();
		}
	},
};

import {openApp} from '../../app.js';
import {probeKindDescriptions, type ProbeKind} from '../../domain/probe.js';
import {UsageError} from '../../errors.js';
import {exitCodeHelp} from '../../services/check-outcome.js';
import {DEFAULT_PARALLEL, MAX_PARALLEL, probeProviders, selectProviders, type ProbeRound} from '../../services/probe.js';
import {DEFAULT_MAX_AGE_MS, formatDuration, parseDuration} from '../../services/status.js';
import {parse} from '../args.js';
import {printJson, width} from '../format.js';
import type {Io} from '../io.js';
import type {Command} from '../command.js';
import {asChecker, EXIT_CANCELLED, parallelFlag, parseProbeFlag, refuseWithoutKey, roundJson, summaryLine, withInterrupt} from '../run-output.js';

/** `name  state — reason` per provider, wrapped at the width. */
export function healthLines(round: ProbeRound, max: number): string[] {
	const lines: string[] = [];
	for (const provider of round.report.providers) {
		const line = `  ${provider.name}  ${provider.health.state} — ${provider.health.reason}`;
		lines.push(width(line) <= max ? line : `  ${provider.name}\n    ${provider.health.state} — ${provider.health.reason}`);
	}
	return lines;
}

export function parseSelection(command: string, positionals: readonly string[], all: boolean | undefined): {all?: boolean; names?: string[]} {
	if (all && positionals.length > 0) throw new UsageError(`${command}: give --all or provider names, not both`, `eval752 ${command} --help`);
	if (!all && positionals.length === 0) throw new UsageError(`${command}: name the providers to probe, or give --all`, `eval752 ${command} --help`);
	return all ? {all: true} : {names: [...positionals]};
}

export const command: Command = {
	name: 'probe',
	summary: 'probe many providers at once within their limits; exit with the health verdict',
	help: `Usage: eval752 probe (--all | PROVIDER…) [--kind KIND] [--parallel N] [--max-age DURATION] [--json]

Probes each provider named (or every enabled one with --all) on every configured model, with its
own probe kind or the one --kind gives:
  models   ${probeKindDescriptions.models}
  chat     ${probeKindDescriptions.chat}
  stream   ${probeKindDescriptions.stream}
Each provider is paced by its own client-side limits (rpm, rps, concurrency — concurrency
defaulting to the default_concurrency setting), enforced by eval752 for its own requests;
--parallel providers are probed at a time. Every run is stored and audited like a smoke test,
with the rate-limit headers the provider sent. A provider without models or without an active
key is reported and not probed. Then one line per provider with its health (see eval752 status
--help for the rules) and the exit code of the health model.

Options:
  --all                every enabled provider
  --kind KIND          models, chat or stream for every provider (default: each provider's own)
  --parallel N         providers probed at the same time, 1–${MAX_PARALLEL} (default ${DEFAULT_PARALLEL})
  --max-age DURATION   how long a probe counts for the verdict (default ${formatDuration(DEFAULT_MAX_AGE_MS)})
  --json               one JSON object: {startedAt, finishedAt, cancelled, state, exitCode,
                       counts, probes: [{provider, kind, skipped: reason | null,
                       runs: [run as smoke --json]}], providers: [status as status --json]}

Exit codes (the health of the providers probed, as eval752 status; ${EXIT_CANCELLED} cancelled with Ctrl+C).
Nothing is probed with a wrong, retired or missing ENCRYPTION_KEY (exit 6), and a probe that
could not run at all (the database unreachable or busy) is never reported as a provider failing:
${exitCodeHelp()}

Examples:
  eval752 probe --all --kind models
  eval752 probe groq openai --json | jq '.providers[] | {name, health}'
`,
	async run(args: readonly string[], io: Io) {
		const {values, positionals} = parse('probe', args, {
			all: {type: 'boolean'},
			kind: {type: 'string'},
			parallel: {type: 'string'},
			'max-age': {type: 'string'},
			json: {type: 'boolean'},
		});
		const selection = parseSelection('probe', positionals, values.all);
		const kind: ProbeKind | undefined = parseProbeFlag('probe', values.kind, 'kind');
		const parallel = parallelFlag('probe', values.parallel);
		const maxAgeMs = values['max-age'] === undefined ? DEFAULT_MAX_AGE_MS : parseDuration(values['max-age'], '--max-age', 'probe');
		const json = values.json ?? false;
		return asChecker(io, json, async () => {
			const app = await openApp(io, {onProgress: (message) => io.stderr.write(`${message}\n`)});
			try {
				const refused = await refuseWithoutKey(app.ctx, io, json);
				if (refused !== undefined) return refused;
				const providers = await selectProviders(app.ctx, selection);
				if (providers.length === 0) {
					if (json) printJson(io.stdout, {probes: [], providers: [], state: 'healthy', exitCode: 0});
					else io.stdout.write('No enabled providers to probe — add one: eval752 providers add --name NAME --type TYPE\n');
					return 0;
				}
				const round = await withInterrupt(io, json, (signal) =>
					probeProviders(app.ctx, providers, {kind, parallel, maxAgeMs}, signal, {
						onOutcome: (_provider, outcome) => {
							if (json) return;
							io.stdout.write(`${summaryLine(outcome)}\n`);
							if (outcome.outcome === 'failed') io.stderr.write(`  ${outcome.provider}: ${outcome.errorClass ?? 'error'}: ${outcome.message ?? ''}\n  try: ${outcome.hint ?? ''}\n`);
						},
						onProviderDone: (probe) => {
							if (!json && probe.skipped) io.stdout.write(`skipped · ${probe.provider} · ${probe.skipped}\n`);
						},
					}),
				);
				if (json) printJson(io.stdout, roundJson(round));
				else {
					const max = Math.min(io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : 120, 120);
					io.stdout.write(['', 'Health:', ...healthLines(round, max), ''].join('\n'));
				}
				return round.cancelled ? EXIT_CANCELLED : round.report.exitCode;
			} finally {
				await app.close();
			}
		});
	},
};

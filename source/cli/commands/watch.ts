import {sleep} from '../../lib/abortable.js';
import {hostname} from 'node:os';
import {openApp} from '../../app.js';
import {probeKindDescriptions} from '../../domain/probe.js';
import {isUserError} from '../../errors.js';
import {log} from '../../log.js';
import {DEFAULT_PARALLEL, MAX_PARALLEL, MIN_GAP_FRACTION, preloadClient, watchRound, type ProbeRound} from '../../services/probe.js';
import {recentRunPoints, runSparkline} from '../../services/runs.js';
import {formatDuration, parseDuration} from '../../services/status.js';
import type {ServiceContext} from '../../services/context.js';
import {parse} from '../args.js';
import {age, table, truncate} from '../format.js';
import {writeControl, type Io} from '../io.js';
import type {Command} from '../command.js';
import {exitCodeHelp} from '../../services/check-outcome.js';
import {holderGone} from '../../services/connection.js';
import {asChecker, EXIT_CANCELLED, parallelFlag, parseProbeFlag, refuseWithoutKey, roundJson} from '../run-output.js';

/** Default --every. */
export const DEFAULT_EVERY_MS = 5 * 60_000;

/** Points in the TREND column. */
const TREND_POINTS = 12;

/** Cursor to the start of the line `lines` up, then clear from there to the end of the screen. */
function redrawFrom(lines: number): string {
	return `\u001b[${lines}F\u001b[0J`;
}

function clock(date: Date): string {
	return date.toTimeString().slice(0, 8);
}

async function roundLines(ctx: ServiceContext, round: ProbeRound, options: {everyMs: number; number: number; next: Date; max: number; once: boolean}): Promise<string[]> {
	const ids = round.report.providers.map((provider) => provider.id);
	const points = await recentRunPoints(ctx, ids, TREND_POINTS);
	const probed = round.probes.filter((probe) => probe.skipped === null).length;
	const elsewhere = round.probes.filter((probe) => probe.skipped?.startsWith('probed this interval')).length;
	const head = options.once
		? `eval752 watch · one round at ${clock(round.startedAt)}`
		: `eval752 watch · every ${formatDuration(options.everyMs)} · round ${options.number} at ${clock(round.startedAt)} · next ${clock(options.next)} · Ctrl+C stops`;
	const rows = round.report.providers.map((provider) => {
		const last = provider.health.last;
		return [
			provider.name,
			provider.health.state,
			`${provider.health.models.ok}/${provider.health.models.total}`,
			last ? `${last.outcome === 'failed' ? `✕ ${last.errorClass ?? 'failed'}` : 'ok'} · ${last.probeKind}` : 'never',
			last ? age(last.at, round.finishedAt) : '—',
			last?.totalMs == null ? '—' : `${last.totalMs} ms`,
			runSparkline(points.get(provider.id) ?? [], TREND_POINTS),
		];
	});
	const body = rows.length === 0 ? ['No enabled providers to watch.'] : table(['PROVIDER', 'HEALTH', 'OK/MODELS', 'LAST PROBE', 'AGE', 'LATENCY', 'TREND'], rows, options.max).trimEnd().split('\n');
	const counts = round.report.counts;
	const tally = (['healthy', 'degraded', 'failing', 'unknown'] as const).map((state) => `${counts[state]} ${state}`).join(' · ');
	const foot = `${tally} · probed ${probed}${elsewhere > 0 ? `, ${elsewhere} by another watcher` : ''}`;
	// Never wider than the terminal: a wrapped line would throw off the redraw's line count.
	return [head, ...body, foot].map((line) => truncate(line, options.max));
}

export const command: Command = {
	name: 'watch',
	summary: 'keep probing on a schedule; a live status table or one JSON line a round',
	help: `Usage: eval752 watch [--every DURATION] [--all | PROVIDER…] [--kind KIND] [--parallel N]
                     [--max-age DURATION] [--json] [--once]

Probes the providers (every enabled one unless names are given) once per interval, as
eval752 probe does — each with its own probe kind or --kind, paced by its own client-side limits:
  models   ${probeKindDescriptions.models}
  chat     ${probeKindDescriptions.chat}
  stream   ${probeKindDescriptions.stream}
and redraws a compact table in place after each round: health, models that pass, the last
probe, its age and latency, and a trend of the last ${TREND_POINTS} runs (blocks by latency, ✕ a
failure, · a cancelled run). Not on a terminal, each round is printed below the last.

Several watch processes against one shared server never probe the same provider twice in one
interval: time is cut into windows of --every on the server's clock, and a provider is probed by
whichever watcher claims its lease row first in a window (the others show it as probed by
another watcher). Every run is stored and audited like a smoke test.

Ctrl+C or SIGTERM stops cleanly: requests in flight are closed (their runs are stored as
cancelled, which is no verdict) and watch exits 0; press Ctrl+C again to quit at once.

Options:
  --every DURATION     the interval, like 30s, 5m or 1h (default ${formatDuration(DEFAULT_EVERY_MS)}, at least 1s)
  --all                every enabled provider (the default when no names are given)
  --kind KIND          models, chat or stream for every provider (default: each provider's own)
  --parallel N         providers probed at the same time, 1–${MAX_PARALLEL} (default ${DEFAULT_PARALLEL})
  --max-age DURATION   how long a probe counts for the health shown (default: 3 intervals)
  --json               one JSON line per round: {"round", "startedAt", "finishedAt",
                       "cancelled", "state", "exitCode", "counts", "probes", "providers"}
                       (as eval752 probe --json)
  --once               one round, then exit with its health verdict (as eval752 probe)

While it runs, watch holds the embedded database and shares it: the other eval752 commands of
this user reach it through watch (see the README).

Exit codes: 0 stopped with Ctrl+C or SIGTERM (${EXIT_CANCELLED} when --once is cancelled); with --once the
round's verdict; when the first round could not run at all (the database unreachable or busy, a
wrong key), the "could not check" code — never a provider verdict:
${exitCodeHelp()}

Examples:
  eval752 watch --every 5m
  eval752 watch --every 1m --kind models --json >> /var/log/eval752-watch.jsonl
  eval752 watch --once --kind models; echo "verdict $?"
`,
	async run(args: readonly string[], io: Io) {
		const {values, positionals} = parse('watch', args, {
			every: {type: 'string'},
			all: {type: 'boolean'},
			kind: {type: 'string'},
			parallel: {type: 'string'},
			'max-age': {type: 'string'},
			json: {type: 'boolean'},
			once: {type: 'boolean'},
		});
		const once = values.once ?? false;
		const everyMs = values.every === undefined ? DEFAULT_EVERY_MS : parseDuration(values.every, '--every', 'watch');
		const kind = parseProbeFlag('watch', values.kind, 'kind');
		const parallel = parallelFlag('watch', values.parallel);
		const maxAgeMs = values['max-age'] === undefined ? 3 * everyMs : parseDuration(values['max-age'], '--max-age', 'watch');
		const selection = positionals.length > 0 && !values.all ? {names: [...positionals]} : {all: true};
		const json = values.json ?? false;
		const tty = Boolean(io.stdout.isTTY) && !json;

		return asChecker(io, json, async () => {
			const open = () => openApp(io, {share: !once, onProgress: (message) => io.stderr.write(`${message}\n`)});
			let app = await open();
			const controller = new AbortController();
			const stop = () => {
				if (!json) io.stderr.write('\neval752: stopping watch — Ctrl+C again to quit at once\n');
				controller.abort();
			};
			// `once`: a second Ctrl+C falls back to Node's default and ends the process at once.
			process.once('SIGINT', stop);
			process.once('SIGTERM', stop);
			const holder = `${app.ctx.actor} on ${hostname()} pid ${process.pid}`;
			let drawn = 0;
			try {
				const refused = await refuseWithoutKey(app.ctx, io, json);
				if (refused !== undefined) return refused;
				await preloadClient();
				for (let number = 1; !controller.signal.aborted; number++) {
					let round: ProbeRound;
					try {
						round = await watchRound(app.ctx, {selection, intervalMs: everyMs, holder, kind, parallel, maxAgeMs}, controller.signal);
					} catch (error) {
						// The first round decides whether watch can work at all (asChecker says why it can't).
						if (number === 1 || once) throw error;
						if (holderGone(app.ctx, error)) {
							// The dashboard this watch reached the embedded database through has quit: open it again
							// (now this watch holds it, or joins whoever does) and go on with the next round.
							io.stderr.write(`eval752: the eval752 with pid ${app.ctx.db.heldBy} that shared the embedded database has closed; opening it again\n`);
							await app.close().catch(() => undefined);
							app = await open();
						}
						// A later round that fails (the database restarting, say) is reported; the next one tries again.
						log.warn('watch round failed', {round: number, error: error instanceof Error ? error.message : String(error)});
						io.stderr.write(`eval752: round ${number} fails: ${isUserError(error) ? error.message : error instanceof Error ? error.message : String(error)}\n`);
						if (!(await sleep((Math.floor(Date.now() / everyMs) + 1) * everyMs - Date.now(), controller.signal))) break;
						continue;
					}
					// The next round starts just after a window boundary, and late enough that the claims of
					// this round no longer block it (a lease is held for nine tenths of an interval).
					const next = new Date(Math.max(Math.floor(Date.now() / everyMs) + 1, Math.ceil((round.startedAt.getTime() + MIN_GAP_FRACTION * everyMs) / everyMs)) * everyMs + 25);
					if (json) io.stdout.write(`${JSON.stringify({round: number, ...roundJson(round)})}\n`);
					else {
						const max = Math.max(40, (tty && io.stdout.columns ? io.stdout.columns : 120) - 1);
						const lines = await roundLines(app.ctx, round, {everyMs, number, next, max, once});
						if (tty && drawn > 0) writeControl(io.stdout, redrawFrom(drawn));
						io.stdout.write(`${lines.join('\n')}\n${tty ? '' : '\n'}`);
						drawn = lines.length;
					}
					if (once) return round.cancelled ? EXIT_CANCELLED : round.report.exitCode;
					if (round.cancelled) break;
					if (!(await sleep(next.getTime() - Date.now(), controller.signal))) break;
				}
				return 0;
			} finally {
				process.off('SIGINT', stop);
				process.off('SIGTERM', stop);
				await app.close();
			}
		});
	},
};

import {openApp} from '../../app.js';
import {UsageError} from '../../errors.js';
import {healthExitCodes} from '../../services/health.js';
import {DEFAULT_MAX_AGE_MS, formatDuration, parseDuration, providerStatus, type ProviderStatus, type StatusReport} from '../../services/status.js';
import {parse} from '../args.js';
import {age, columns, printJson, table, truncate, width} from '../format.js';
import type {Io} from '../io.js';
import {providerStatusJson} from '../health-json.js';
import {renderOpenMetrics} from '../openmetrics.js';
import type {Command} from '../command.js';

/** The JSON a script reads; its shape is documented in --help and kept stable. */
export function statusJson(report: StatusReport): unknown {
	return {
		state: report.state,
		exitCode: report.exitCode,
		healthy: report.state === 'healthy',
		checkedAt: report.checkedAt.toISOString(),
		maxAgeSeconds: Math.round(report.maxAgeMs / 1000),
		counts: report.counts,
		providers: report.providers.map((provider) => providerStatusJson(provider, report.checkedAt)),
	};
}

function lastProbeCell(provider: ProviderStatus): string {
	const last = provider.health.last;
	if (!last) return 'never';
	return `${last.outcome === 'failed' ? `failed (${last.errorClass ?? '?'})` : 'ok'} · ${last.probeKind}`;
}

/** Greedy word wrap: wording like "enforced by eval752 for its own requests" must survive whole, never cut with "…". */
function wrap(text: string, indent: string, max: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		const next = line === '' ? word : `${line} ${word}`;
		if (line !== '' && width(indent + next) > max) {
			lines.push(indent + line);
			line = word;
		} else line = next;
	}
	lines.push(indent + line);
	return lines;
}

/** `name  text`, or the name and then the text wrapped on indented lines when both don't fit the width. */
function labelled(name: string, text: string, max: number): string {
	const line = `  ${name}  ${text}`;
	if (width(line) <= max) return line;
	return [`  ${truncate(name, max - 2)}`, ...wrap(text, '    ', max)].join('\n');
}

/** What to run next: the exact command for one provider that needs it when it fits, else the general form. */
function nextStep(attention: readonly ProviderStatus[], max: number): string {
	const only = attention.length === 1 ? attention[0]! : undefined;
	const keyless = only?.health.reason === 'no active key';
	const specific = only && (keyless ? `try: eval752 keys add ${only.name} --from-stdin` : `try: eval752 probe ${only.name}`);
	if (specific && width(specific) <= max) return specific;
	return 'try: eval752 probe --all (eval752 keys add PROVIDER for one without a key)';
}

export function renderStatus(report: StatusReport, max: number): string {
	if (report.providers.length === 0) return 'No providers yet — add one: eval752 providers add --name NAME --type TYPE\n';
	const now = report.checkedAt;
	const rows = report.providers.map((provider) => [
		provider.name,
		provider.health.state,
		`${provider.keys.active}/${provider.keys.disabled}`,
		`${provider.health.models.ok}/${provider.health.models.total}`,
		lastProbeCell(provider),
		provider.health.last ? age(provider.health.last.at, now) : '—',
		provider.health.last?.totalMs == null ? '—' : `${provider.health.last.totalMs} ms`,
	]);
	const out: string[] = [table(['PROVIDER', 'HEALTH', 'KEYS A/D', 'OK/MODELS', 'LAST PROBE', 'AGE', 'LATENCY'], rows, max).trimEnd(), ''];

	const attention = report.providers.filter((provider) => provider.health.state !== 'healthy' && provider.health.state !== 'disabled');
	if (attention.length > 0) {
		out.push('Health:');
		for (const provider of attention) out.push(labelled(provider.name, `${provider.health.state} — ${provider.health.reason}`, max));
		out.push('');
	}
	const noted = report.providers.filter((provider) => provider.health.notes.length > 0 && provider.enabled);
	if (noted.length > 0) {
		out.push('Notes:');
		for (const provider of noted) for (const note of provider.health.notes) out.push(labelled(provider.name, note, max));
		out.push('');
	}
	out.push(...wrap("Rate limits — declared: what eval752 paces its own requests by; observed: what the provider's response headers said, and when (never enforced):", '', max));
	for (const provider of report.providers) {
		out.push(labelled(provider.name, `declared: ${provider.limits}`, max));
		if (provider.observed) out.push(...wrap(`observed: ${provider.observedText}`, '    ', max));
	}
	out.push('');

	const enabled = report.providers.filter((provider) => provider.enabled).length;
	const disabled = report.counts.disabled;
	const others = (['degraded', 'failing', 'unknown'] as const).filter((state) => report.counts[state] > 0).map((state) => `${report.counts[state]} ${state}`);
	out.push(
		`${report.counts.healthy} of ${enabled} enabled provider${enabled === 1 ? '' : 's'} healthy${others.length > 0 ? `, ${others.join(', ')}` : ''}` +
			`${disabled > 0 ? ` (${disabled} disabled, not checked)` : ''}; probes count for ${formatDuration(report.maxAgeMs)}.`,
	);
	if (attention.length > 0) out.push(nextStep(attention, max));
	return out.join('\n') + '\n';
}

export const formats = ['text', 'json', 'openmetrics'] as const;

export const command: Command = {
	name: 'status',
	summary: 'every provider at a glance; exit 0 healthy, 1 failing, 3 degraded, 4 unknown',
	help: `Usage: eval752 status [--max-age DURATION] [--json | --format text|json|openmetrics]

Every provider: its health, keys (active/disabled), models that pass, the last probe (outcome,
kind, age, latency), the client-side rate limits eval752 applies to its own requests, and beside
them the rate-limit headers the provider itself last sent (labelled with when; never enforced).
Reads stored results only: it never decrypts a key and never calls a provider — run
eval752 probe (or eval752 smoke) for a fresh result.

Health is judged from the probes of the key that serves traffic (the first active key by
priority) on the configured models, as fresh as --max-age; a cancelled run is no verdict:
  healthy    every model probed within --max-age passes
  degraded   some of them fail and others pass (one model of five failing, say)
  failing    no active key where the family needs one; every model probed fails; or one fails
             in a way that breaks them all (auth, quota, network, a wrong base URL)
  unknown    no models, or no probe within --max-age (a provider never probed is unknown)
  disabled   switched off: listed, never judged
A rotation candidate or a retired key that failed is a note, never the provider failing.

Options:
  --max-age DURATION   how long a probe counts, like 30m, 24h or 7d (default ${formatDuration(DEFAULT_MAX_AGE_MS)})
  --json               the report as JSON (shape below); the same as --format json
  --format FORMAT      text (default), json, or openmetrics: health, latency and age per provider
                       in the Prometheus/OpenMetrics text format, for node_exporter's textfile
                       collector (write to a .prom file: eval752 status --format openmetrics >
                       /var/lib/node_exporter/eval752.prom.$$ && mv … eval752.prom)

Exit codes (the worst enabled provider decides; disabled ones never count):
  ${healthExitCodes.healthy}  every enabled provider is healthy (also when there are none)
  ${healthExitCodes.failing}  at least one is failing
  ${healthExitCodes.degraded}  none failing; at least one degraded
  ${healthExitCodes.unknown}  none failing or degraded; at least one unknown
  2  usage or configuration error

JSON shape (--json):
  {"state": "healthy" | "degraded" | "failing" | "unknown", "exitCode": number,
   "healthy": boolean, "checkedAt": ISO time, "maxAgeSeconds": number,
   "counts": {"healthy", "degraded", "failing", "unknown", "disabled": number},
   "providers": [{"id", "name", "type", "enabled": boolean,
     "probeKind": "models" | "chat" | "stream",
     "health": "healthy" | "degraded" | "failing" | "unknown" | "disabled", "reason": string,
     "notes": [string], "keys": {"active": number, "disabled": number},
     "models": {"total", "ok", "failing", "stale", "untested": number,
       "each": [{"model", "state": "ok" | "failing" | "stale" | "untested", "outcome", "errorClass",
                 "probeKind", "at", "ageSeconds", "latencyMs"}]},
     "lastProbe": null | {"model", "outcome": "ok" | "failed", "errorClass": string | null,
       "probeKind", "at": ISO time, "ageSeconds": number, "latencyMs": number | null},
     "rateLimits": {"rpm", "rps", "concurrency": number | null},
     "limits": "rpm 60 · concurrency 2 — enforced by eval752 for its own requests"
               | "no limits set",
     "observedLimits": null | {"source": string, "saidAt": ISO time, "ageSeconds": number,
       "probeKind", "runId", "headers": {name: value}, "text": string}}]}

Examples:
  eval752 status
  eval752 status --max-age 7d --json | jq '.providers[] | select(.health != "healthy")'
  eval752 status --max-age 10m; [ $? -eq 4 ] && echo "nothing probed lately"
`,
	async run(args: readonly string[], io: Io) {
		const {values} = parse('status', args, {json: {type: 'boolean'}, format: {type: 'string'}, 'max-age': {type: 'string'}}, {max: 0});
		const maxAgeMs = values['max-age'] === undefined ? DEFAULT_MAX_AGE_MS : parseDuration(values['max-age']);
		const format = values.format ?? (values.json ? 'json' : 'text');
		if (!(formats as readonly string[]).includes(format)) throw new UsageError(`status: --format must be one of ${formats.join(', ')}`, 'eval752 status --help');
		if (values.json && format !== 'json') throw new UsageError('status: --json and --format exclude each other', 'eval752 status --help');
		const app = await openApp(io, {readOnly: true, onProgress: (message) => io.stderr.write(`${message}\n`)});
		try {
			const report = await providerStatus(app.ctx, {maxAgeMs});
			if (format === 'json') printJson(io.stdout, statusJson(report));
			else if (format === 'openmetrics') io.stdout.write(renderOpenMetrics(report));
			else io.stdout.write(renderStatus(report, Math.min(columns(io.stdout), 120)));
			return report.exitCode;
		} finally {
			await app.close();
		}
	},
};

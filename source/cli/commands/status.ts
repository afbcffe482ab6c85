import {openApp, type App} from '../../app.js';
import {UsageError} from '../../errors.js';
import {exitCodeHelp, uncheckedFrom, type Unchecked} from '../../services/check-outcome.js';
import {DEFAULT_MAX_AGE_MS, formatDuration, keyBlocks, parseDuration, providerStatus, type ProviderStatus, type StatusReport} from '../../services/status.js';
import {parse} from '../args.js';
import {age, columns, errorLine, printJson, table, truncate, width} from '../format.js';
import type {Io} from '../io.js';
import {providerStatusJson} from '../health-json.js';
import {renderOpenMetrics} from '../openmetrics.js';
import type {Command} from '../command.js';

/** The JSON a script reads; its shape is documented in --help and kept stable. */
export function statusJson(report: StatusReport): unknown {
	const keyBad = keyBlocks(report.key);
	return {
		state: keyBad ? 'wrong-key' : report.state,
		exitCode: report.exitCode,
		healthy: !keyBad && report.state === 'healthy',
		health: report.state,
		key: report.key ? {status: report.key.status, message: report.key.message, hint: report.key.hint} : null,
		checkedAt: report.checkedAt.toISOString(),
		maxAgeSeconds: Math.round(report.maxAgeMs / 1000),
		counts: report.counts,
		providers: report.providers.map((provider) => providerStatusJson(provider, report.checkedAt)),
	};
}

/** The document `status --json` prints when it could not check at all. */
export function uncheckedJson(unchecked: Unchecked, now: Date): unknown {
	return {state: unchecked.state, exitCode: unchecked.exitCode, healthy: false, cause: unchecked.cause, reason: unchecked.message, hint: unchecked.hint ?? null, checkedAt: now.toISOString()};
}

/** OpenMetrics when nothing could be checked: one sample that says so, and why (a scrape never reads silence as health). */
export function uncheckedOpenMetrics(unchecked: Unchecked): string {
	return [
		'# HELP eval752_status_checked 1 when eval752 could check the providers, 0 when it could not (cause says why).',
		'# TYPE eval752_status_checked gauge',
		`eval752_status_checked{cause="${unchecked.cause}"} 0`,
		'# EOF',
		'',
	].join('\n');
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

/** The key check as the first lines on-call reads, when it is anything but ok. */
function keyLines(report: StatusReport, max: number): string[] {
	const key = report.key;
	if (!key || key.status === 'ok') return [];
	if (key.status === 'missing') return [...wrap(key.message ?? '', '', max), ''];
	return [
		...wrap(`WRONG KEY: ${key.message ?? ''} — every probe would fail (exit ${report.exitCode})`, '', max),
		...(key.hint ? wrap(`try: ${key.hint}`, '', max) : []),
		'',
	];
}

export function renderStatus(report: StatusReport, max: number): string {
	if (report.providers.length === 0) return [...keyLines(report, max), 'No providers yet — add one: eval752 providers add --name NAME --type TYPE', ''].join('\n');
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
	const out: string[] = [...keyLines(report, max), table(['PROVIDER', 'HEALTH', 'KEYS A/D', 'OK/MODELS', 'LAST PROBE', 'AGE', 'LATENCY'], rows, max).trimEnd(), ''];

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
	summary: 'every provider at a glance; exit 0 healthy, 1 failing, 3 degraded, 4 unknown, 5 could not check, 6 wrong key, 7 busy',
	help: `Usage: eval752 status [--max-age DURATION] [--json | --format text|json|openmetrics]

Every provider: its health, keys (active/disabled), models that pass, the last probe (outcome,
kind, age, latency), the client-side rate limits eval752 applies to its own requests, and beside
them the rate-limit headers the provider itself last sent (labelled with when; never enforced).
Reads stored results only: it never decrypts a key and never calls a provider — run
eval752 probe (or eval752 smoke) for a fresh result. It does check the encryption key, as every
command's start does: the canary decrypts, every stored API key is under a key id that
ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS holds, the audit head's MAC verifies (no provider key is
decrypted for that). A wrong key — or a retired one, or a rotation left unfinished — is its own
state (exit 6): every probe would fail. Without ENCRYPTION_KEY the key is not checked and the
health decides.

When it could not check at all — the database unreachable, the embedded database held by another
eval752 that does not share it, a schema that is behind — it says so on stderr and exits 5 (or 7
for the busy embedded database), never with a health code; --json then prints
{"state": "unchecked", "exitCode", "healthy": false, "cause": "unreachable" | "busy" | "schema"
| "error", "reason": string, "hint": string | null, "checkedAt"}.

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

Exit codes (the worst enabled provider decides; disabled ones never count), stable, and the
monitoring state each maps to (Nagios plugins: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN — their
numbers differ from ours, so map them; the README has a wrapper):
${exitCodeHelp()}

JSON shape (--json):
  {"state": "healthy" | "degraded" | "failing" | "unknown" | "wrong-key", "exitCode": number,
   "healthy": boolean, "health": the providers' worst state (as "state" without the key),
   "key": {"status": "ok" | "wrong" | "missing", "message", "hint": string | null},
   "checkedAt": ISO time, "maxAgeSeconds": number,
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
  eval752 status >/dev/null; case $? in 0) exit 0;; 3|4) exit 1;; 1|6) exit 2;; *) exit 3;; esac
`,
	async run(args: readonly string[], io: Io) {
		const {values} = parse('status', args, {json: {type: 'boolean'}, format: {type: 'string'}, 'max-age': {type: 'string'}}, {max: 0});
		const maxAgeMs = values['max-age'] === undefined ? DEFAULT_MAX_AGE_MS : parseDuration(values['max-age']);
		const format = values.format ?? (values.json ? 'json' : 'text');
		if (!(formats as readonly string[]).includes(format)) throw new UsageError(`status: --format must be one of ${formats.join(', ')}`, 'eval752 status --help');
		if (values.json && format !== 'json') throw new UsageError('status: --json and --format exclude each other', 'eval752 status --help');
		let app: App | undefined;
		try {
			app = await openApp(io, {readOnly: true, onProgress: (message) => io.stderr.write(`${message}\n`)});
			const report = await providerStatus(app.ctx, {maxAgeMs});
			if (format === 'json') printJson(io.stdout, statusJson(report));
			else if (format === 'openmetrics') io.stdout.write(renderOpenMetrics(report));
			else io.stdout.write(renderStatus(report, Math.min(columns(io.stdout), 120)));
			return report.exitCode;
		} catch (error) {
			const unchecked = uncheckedFrom(error);
			if (!unchecked) throw error;
			io.stderr.write(`eval752: could not check — ${errorLine(unchecked)}\n`);
			if (format === 'json') printJson(io.stdout, uncheckedJson(unchecked, new Date()));
			else if (format === 'openmetrics') io.stdout.write(uncheckedOpenMetrics(unchecked));
			return unchecked.exitCode;
		} finally {
			await app?.close();
		}
	},
};

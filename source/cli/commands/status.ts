import {openApp} from '../../app.js';
import {DEFAULT_MAX_AGE_MS, formatDuration, parseDuration, providerStatus, type ProviderStatus, type StatusReport} from '../../services/status.js';
import {parse} from '../args.js';
import {age, columns, printJson, table, truncate, width} from '../format.js';
import type {Io} from '../io.js';
import type {Command} from '../registry.js';

/** The JSON a script reads; its shape is documented in --help and kept stable. */
export function statusJson(report: StatusReport): unknown {
	return {
		healthy: report.healthy,
		checkedAt: report.checkedAt.toISOString(),
		maxAgeSeconds: Math.round(report.maxAgeMs / 1000),
		providers: report.providers.map((provider) => ({
			id: provider.id,
			name: provider.name,
			type: provider.type,
			enabled: provider.enabled,
			health: provider.health,
			problems: provider.problems,
			keys: provider.keys,
			models: provider.models,
			lastSmoke: provider.lastSmoke && {
				outcome: provider.lastSmoke.outcome,
				errorClass: provider.lastSmoke.errorClass,
				model: provider.lastSmoke.model,
				at: provider.lastSmoke.at.toISOString(),
				ageSeconds: Math.round(provider.lastSmoke.ageMs / 1000),
				latencyMs: provider.lastSmoke.totalMs,
			},
			rateLimits: provider.rateLimits,
			limits: provider.limits,
		})),
	};
}

function healthCell(provider: ProviderStatus): string {
	return provider.health === 'unhealthy' ? 'UNHEALTHY' : provider.health;
}

function smokeCell(provider: ProviderStatus): string {
	const smoke = provider.lastSmoke;
	if (!smoke) return 'never';
	return smoke.outcome === 'failed' ? `failed (${smoke.errorClass ?? '?'})` : smoke.outcome;
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

/** What to run next: the exact command for one unhealthy provider when it fits, else the general form. */
function nextStep(unhealthy: readonly ProviderStatus[], max: number): string {
	const only = unhealthy.length === 1 ? unhealthy[0]! : undefined;
	const keyless = only?.problems.includes('no active key') ?? false;
	const specific = only && (keyless ? `try: eval752 keys add ${only.name} --from-stdin` : `try: eval752 smoke ${only.name} --all-models`);
	if (specific && width(specific) <= max) return specific;
	return 'try: eval752 smoke PROVIDER --all-models (eval752 keys add PROVIDER if keyless)';
}

export function renderStatus(report: StatusReport, max: number): string {
	if (report.providers.length === 0) return 'No providers yet — add one: eval752 providers add --name NAME --type TYPE\n';
	const now = report.checkedAt;
	const rows = report.providers.map((provider) => [
		provider.name,
		healthCell(provider),
		`${provider.keys.active}/${provider.keys.disabled}`,
		String(provider.models),
		smokeCell(provider),
		provider.lastSmoke ? age(provider.lastSmoke.at, now) : '—',
		provider.lastSmoke?.totalMs == null ? '—' : `${provider.lastSmoke.totalMs} ms`,
	]);
	const out: string[] = [table(['PROVIDER', 'HEALTH', 'KEYS A/D', 'MODELS', 'LAST SMOKE', 'AGE', 'LATENCY'], rows, max).trimEnd(), ''];

	const unhealthy = report.providers.filter((provider) => provider.health === 'unhealthy');
	if (unhealthy.length > 0) {
		out.push('Problems:');
		for (const provider of unhealthy) out.push(labelled(provider.name, provider.problems.join('; '), max));
		out.push('');
	}
	out.push('Client-side rate limits:');
	for (const provider of report.providers) out.push(labelled(provider.name, provider.limits, max));
	out.push('');

	const enabled = report.providers.filter((provider) => provider.enabled);
	const healthy = enabled.length - unhealthy.length;
	const disabled = report.providers.length - enabled.length;
	out.push(
		`${healthy} of ${enabled.length} enabled provider${enabled.length === 1 ? '' : 's'} healthy` +
			`${disabled > 0 ? ` (${disabled} disabled, not checked)` : ''}; smoke tests count for ${formatDuration(report.maxAgeMs)}.`,
	);
	if (unhealthy.length > 0) out.push(nextStep(unhealthy, max));
	return out.join('\n') + '\n';
}

export const command: Command = {
	name: 'status',
	summary: 'every provider at a glance; exit 1 when any is unhealthy',
	help: `Usage: eval752 status [--max-age DURATION] [--json]

Every provider: enabled or not, keys (active/disabled), models, the last smoke test (outcome,
error class, age, latency) and the client-side rate limits eval752 applies to its own requests
(never a provider-side limit or a budget). Reads stored results only: it never decrypts a key
and never calls a provider — run eval752 smoke for a fresh result.

An enabled provider is unhealthy when its last smoke test failed, is older than --max-age,
never happened, or when it has no active key and its family needs one. A cancelled run is no
verdict: the last finished or failed one counts.
Disabled providers are listed but never make the status unhealthy.

Options:
  --max-age DURATION   how long a smoke test counts, like 30m, 24h or 7d (default ${formatDuration(DEFAULT_MAX_AGE_MS)})
  --json               the report as JSON (shape below)

Exit codes: 0 every enabled provider is healthy (also when there are none), 1 any enabled
provider is unhealthy, 2 usage or configuration error.

JSON shape (--json):
  {"healthy": boolean, "checkedAt": ISO time, "maxAgeSeconds": number,
   "providers": [{"id", "name", "type", "enabled": boolean,
     "health": "healthy" | "unhealthy" | "disabled", "problems": [string],
     "keys": {"active": number, "disabled": number}, "models": number,
     "lastSmoke": null | {"outcome": "ok" | "failed", "errorClass": string | null,
       "model", "at": ISO time, "ageSeconds": number, "latencyMs": number | null},
     "rateLimits": {"rpm", "rps", "concurrency": number | null},
     "limits": "rpm 60 · concurrency 2 — enforced by eval752 for its own requests" | "no limits set"}]}

Examples:
  eval752 status
  eval752 status --max-age 7d --json | jq '.providers[] | select(.health == "unhealthy")'
`,
	async run(args: readonly string[], io: Io) {
		const {values} = parse('status', args, {json: {type: 'boolean'}, 'max-age': {type: 'string'}}, {max: 0});
		const maxAgeMs = values['max-age'] === undefined ? DEFAULT_MAX_AGE_MS : parseDuration(values['max-age']);
		const app = await openApp(io, {readOnly: true, onProgress: (message) => io.stderr.write(`${message}\n`)});
		try {
			const report = await providerStatus(app.ctx, {maxAgeMs});
			if (values.json) printJson(io.stdout, statusJson(report));
			else io.stdout.write(renderStatus(report, Math.min(columns(io.stdout), 120)));
			return report.healthy ? 0 : 1;
		} finally {
			await app.close();
		}
	},
};

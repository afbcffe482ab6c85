import {parseHeaderLine, type Provider} from '../../domain/provider.js';
import {cleartextRisk} from '../../domain/destination.js';
import type {Io} from '../io.js';
import {UsageError, ValidationError} from '../../errors.js';
import {listKeys} from '../../services/keys.js';
import {listModels} from '../../services/models.js';
import {createProvider, deleteProvider, describeDeclaredLimits, getProvider, listProviders, providerSummary, setProviderEnabled, updateProvider, type ProviderSummary} from '../../services/providers.js';
import {providerHealth} from '../../services/health.js';
import {recentRunPoints, runSparkline} from '../../services/runs.js';
import {DEFAULT_MAX_AGE_MS, formatDuration} from '../../services/status.js';
import {defaultCapabilities} from '../../domain/families.js';
import {describeObservedLimits} from '../../domain/observed-limits.js';
import {probeKindDescriptions} from '../../domain/probe.js';
import {healthJson} from '../health-json.js';
import {expectVersion, parse} from '../args.js';
import {age, columns, printJson, table} from '../format.js';
import {dispatch, withContext, type Command, type Subcommand} from '../command.js';

function headersFrom(lines: readonly string[] | undefined): Record<string, string> | undefined {
	if (!lines || lines.length === 0) return undefined;
	const headers: Record<string, string> = {};
	for (const line of lines) {
		const {name, value} = parseHeaderLine(line);
		if (Object.keys(headers).some((existing) => existing.toLowerCase() === name.toLowerCase())) throw new ValidationError({extraHeaders: `Header ${name} is given twice`});
		headers[name] = value;
	}
	return headers;
}


function smokeText(summary: ProviderSummary): string {
	const smoke = summary.lastSmoke;
	if (!smoke) return 'never';
	return `${smoke.outcome}${smoke.errorClass ? ` (${smoke.errorClass})` : ''} ${age(smoke.at)} ago`;
}

function describe(provider: Provider): string {
	const headers = Object.entries(provider.extraHeaders);
	return [
		`name          ${provider.name}`,
		`id            ${provider.id}`,
		`type          ${provider.type}`,
		`base URL      ${provider.baseUrl}`,
		`enabled       ${provider.enabled ? 'yes' : 'no'}`,
		`capabilities  ${provider.capabilities.join(', ') || 'none'}`,
		`probe         ${provider.probeKind} — ${probeKindDescriptions[provider.probeKind]}`,
		`rate limits   ${describeDeclaredLimits(provider.rateLimits)}`,
		`headers       ${headers.length > 0 ? headers.map(([name, value]) => `${name}: ${value}`).join('; ') : 'none'}`,
		`version       ${provider.version} (changed ${age(provider.updatedAt)} ago by ${provider.updatedBy ?? 'unknown'})`,
	].join('\n') + '\n';
}

/** Points in the `providers show` sparkline. */
const SHOW_POINTS = 20;

const fieldFlags = {
	name: {type: 'string'},
	type: {type: 'string'},
	'base-url': {type: 'string'},
	capabilities: {type: 'string'},
	rpm: {type: 'string'},
	rps: {type: 'string'},
	concurrency: {type: 'string'},
	header: {type: 'string', multiple: true},
	probe: {type: 'string'},
	json: {type: 'boolean'},
} as const;

/** Only the flags given become fields: an edit changes nothing else. */
function fieldsFromFlags(values: {name?: string; type?: string; 'base-url'?: string; capabilities?: string; rpm?: string; rps?: string; concurrency?: string; probe?: string}): Record<string, unknown> {
	const input: Record<string, unknown> = {};
	if (values.probe !== undefined) input['probeKind'] = values.probe;
	if (values.name !== undefined) input['name'] = values.name;
	if (values.type !== undefined) input['type'] = values.type;
	if (values['base-url'] !== undefined) input['baseUrl'] = values['base-url'];
	if (values.capabilities !== undefined) input['capabilities'] = values.capabilities;
	const rates: Record<string, unknown> = {};
	if (values.rpm !== undefined) rates['rpm'] = values.rpm;
	if (values.rps !== undefined) rates['rps'] = values.rps;
	if (values.concurrency !== undefined) rates['concurrency'] = values.concurrency;
	if (Object.keys(rates).length > 0) input['rateLimits'] = rates;
	return input;
}

/** Plain http:// to another machine is saved (a self-hosted server) and said loudly, on stderr, as it is saved. */
function warnCleartext(io: Io, provider: Provider): void {
	const risk = cleartextRisk(provider.type, provider.baseUrl);
	if (risk) io.stderr.write(`eval752: warning: ${risk.message}; ${risk.hint}\n`);
}

const list: Subcommand = async (args, io) => {
	const {values} = parse('providers list', args, {json: {type: 'boolean'}}, {max: 0});
	return withContext(io, async (ctx) => {
		const providers = await listProviders(ctx);
		if (values.json) printJson(io.stdout, providers);
		else if (providers.length === 0) io.stdout.write('No providers yet — add one with eval752 providers add --name NAME --type TYPE\n');
		else {
			io.stdout.write(
				table(
					['NAME', 'TYPE', 'ENABLED', 'KEYS', 'MODELS', 'LAST SMOKE', 'BASE URL'],
					providers.map((p) => [p.name, p.type, p.enabled ? 'yes' : 'no', `${p.keysActive}/${p.keysTotal}`, String(p.models), smokeText(p), p.baseUrl]),
					columns(io.stdout),
				),
			);
		}
		return 0;
	});
};

const show: Subcommand = async (args, io) => {
	const {values, positionals} = parse('providers show', args, {json: {type: 'boolean'}}, {min: 1, max: 1, names: 'PROVIDER'});
	return withContext(io, async (ctx) => {
		const summary = await providerSummary(ctx, positionals[0]!);
		const keys = await listKeys(ctx, summary.id);
		const models = await listModels(ctx, summary.id);
		const now = new Date();
		const health = providerHealth(summary, {now, maxAgeMs: DEFAULT_MAX_AGE_MS});
		const points = (await recentRunPoints(ctx, [summary.id], SHOW_POINTS)).get(summary.id) ?? [];
		const {keysActive: _a, keysTotal: _t, models: _m, lastSmoke: _l, servingKey: _s, modelRuns: _r, keyFailures: _f, observedLimits, ...provider} = summary;
		if (values.json) {
			printJson(io.stdout, {
				provider,
				keys,
				models,
				health: healthJson(health),
				observedLimits: observedLimits && {
					source: 'rate-limit headers of a probe response: what the provider said, not enforced by eval752',
					saidAt: observedLimits.at.toISOString(),
					probeKind: observedLimits.probeKind,
					runId: observedLimits.runId,
					headers: observedLimits.headers,
					text: describeObservedLimits(observedLimits, now),
				},
				recentRuns: points.map((point) => ({at: point.at.toISOString(), outcome: point.outcome, errorClass: point.errorClass, totalMs: point.totalMs, probeKind: point.probeKind, model: point.modelName})),
			});
		} else {
			io.stdout.write(describe(provider));
			io.stdout.write(`observed      ${describeObservedLimits(observedLimits, now)} (eval752 enforces only the limits above, for its own requests)\n`);
			io.stdout.write(`keys          ${keys.length === 0 ? 'none' : keys.map((key) => `${key.displayHint} ${key.status}${key.label ? ` (${key.label})` : ''}`).join(', ')}\n`);
			io.stdout.write(`models        ${models.length === 0 ? 'none' : models.map((model) => model.modelName + (model.alias ? ` → ${model.alias}` : '')).join(', ')}\n`);
			io.stdout.write(`health        ${health.state} — ${health.reason} (probes count for ${formatDuration(DEFAULT_MAX_AGE_MS)})\n`);
			for (const note of health.notes) io.stdout.write(`              ${note}\n`);
			io.stdout.write(`last runs     ${points.length === 0 ? 'none' : `${runSparkline(points)} (oldest to newest, ${points.length} run${points.length === 1 ? '' : 's'}; ✕ failed, · cancelled)`}\n`);
		}
		return 0;
	});
};

const add: Subcommand = async (args, io) => {
	const {values} = parse('providers add', args, {...fieldFlags, disabled: {type: 'boolean'}}, {max: 0});
	if (values.name === undefined) throw new UsageError('providers add: --name is required', 'eval752 providers add --help');
	if (values.type === undefined) throw new UsageError('providers add: --type is required', 'eval752 providers add --help');
	// The dashboard's form starts from the same set, so a provider added either way looks alike.
	const input: Record<string, unknown> = {capabilities: [...defaultCapabilities], ...fieldsFromFlags(values)};
	const headers = headersFrom(values.header);
	if (headers) input['extraHeaders'] = headers;
	if (values.disabled) input['enabled'] = false;
	return withContext(io, async (ctx) => {
		const provider = await createProvider(ctx, input);
		if (values.json) printJson(io.stdout, provider);
		else io.stdout.write(`Provider ${provider.name} created (${provider.type}, ${provider.baseUrl}, id ${provider.id})\n`);
		warnCleartext(io, provider);
		return 0;
	});
};

const edit: Subcommand = async (args, io) => {
	const {values, positionals} = parse(
		'providers edit',
		args,
		{...fieldFlags, 'clear-headers': {type: 'boolean'}, 'expect-version': {type: 'string'}},
		{min: 1, max: 1, names: 'PROVIDER'},
	);
	const expected = expectVersion('providers edit', values['expect-version']);
	const patch = fieldsFromFlags(values);
	return withContext(io, async (ctx) => {
		const provider = await getProvider(ctx, positionals[0]!);
		if (values['clear-headers'] || values.header) {
			// `Name: value` sets a header, `Name:` removes it; --clear-headers starts from none.
			const headers: Record<string, string> = values['clear-headers'] ? {} : {...provider.extraHeaders};
			for (const line of values.header ?? []) {
				const {name, value} = parseHeaderLine(line);
				for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
				if (value !== '') headers[name] = value;
			}
			patch['extraHeaders'] = headers;
		}
		if (Object.keys(patch).length === 0) throw new UsageError('providers edit: nothing to change — give at least one field flag', 'eval752 providers edit --help');
		const updated = await updateProvider(ctx, provider.id, expected ?? provider.version, patch);
		if (values.json) printJson(io.stdout, updated);
		else io.stdout.write(`Provider ${updated.name} updated (version ${updated.version})\n`);
		if (patch['baseUrl'] !== undefined || patch['type'] !== undefined) warnCleartext(io, updated);
		return 0;
	});
};

const remove: Subcommand = async (args, io) => {
	const {values, positionals} = parse('providers rm', args, {yes: {type: 'boolean'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'PROVIDER'});
	return withContext(io, async (ctx) => {
		const provider = await getProvider(ctx, positionals[0]!);
		await deleteProvider(ctx, provider.id, {force: values.yes ?? false});
		if (values.json) printJson(io.stdout, {deleted: provider.id, name: provider.name});
		else io.stdout.write(`Provider ${provider.name} deleted, with its keys and models\n`);
		return 0;
	});
};

function toggle(enabled: boolean): Subcommand {
	const name = enabled ? 'providers enable' : 'providers disable';
	return async (args, io) => {
		const {values, positionals} = parse(name, args, {'expect-version': {type: 'string'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'PROVIDER'});
		const expected = expectVersion(name, values['expect-version']);
		return withContext(io, async (ctx) => {
			const provider = await getProvider(ctx, positionals[0]!);
			const updated = await setProviderEnabled(ctx, provider.id, enabled, expected);
			if (values.json) printJson(io.stdout, updated);
			else io.stdout.write(`Provider ${updated.name} ${enabled ? 'enabled' : 'disabled'}\n`);
			return 0;
		});
	};
}

export const command: Command = {
	name: 'providers',
	summary: 'list, show, add, edit, remove, enable and disable providers',
	help: `Usage: eval752 providers [list] [--json]          (list is the default)
       eval752 providers show PROVIDER [--json]
       eval752 providers add --name NAME --type TYPE [--base-url URL] [--capabilities a,b]
                             [--rpm N] [--rps N] [--concurrency N] [--header 'Name: value']…
                             [--probe models|chat|stream] [--disabled] [--json]
       eval752 providers edit PROVIDER [same field flags] [--clear-headers] [--expect-version N] [--json]
       eval752 providers rm PROVIDER [--yes] [--json]
       eval752 providers enable|disable PROVIDER [--expect-version N] [--json]

PROVIDER is a provider's name (any case) or id.

Fields:
  --name NAME           1–64 characters; letters of any script, digits, spaces, punctuation;
                        unique regardless of case
  --type TYPE           openai, azure-openai, anthropic, gemini, mistral, groq, together, deepseek,
                        openrouter, xai, fireworks, ollama, vllm, lmstudio, openai-compatible
  --base-url URL        http(s) only, with a host right after the // (http:///v1 is refused);
                        no credentials, query string, fragment or backslash; a trailing slash
                        is dropped. Defaults to the family's URL (azure-openai and
                        openai-compatible have none). In edit, '' goes back to the default.
                        Plain http:// to a public vendor's family (openai … fireworks,
                        azure-openai) is refused unless the host is this machine; to a
                        self-hosted family (ollama, vllm, lmstudio, openai-compatible) on another
                        machine it is saved with a warning on stderr. Keys go only to this URL's
                        origin: a provider that answers with a redirect fails its probe
                        ("redirect", naming where it points) and no key follows it.
  --capabilities a,b    system_prompt, json_mode, reasoning, image_input, tools, streaming
                        (without streaming, probes send one non-streaming request; with
                        reasoning, a chat probe gets the whole probe_max_tokens budget). add
                        without it: ${defaultCapabilities.join(',')}, as in the dashboard's form;
                        '' for none
  --probe KIND          the check eval752 smoke, probe and watch run unless told otherwise:
                        models (GET /models, 0 tokens), chat (a few tokens, non-streaming) or
                        stream (the full smoke test; the default)
  --rpm/--rps/--concurrency N
                        positive whole numbers, or '' for no limit; eval752 paces only its own
                        requests by them
  --header 'Name: value'
                        a non-secret extra header (repeatable). Names that look like they carry a
                        secret (Authorization, Proxy-Authorization, api-key, …-Key, …Token…,
                        …Secret…, X-Bearer, Cookie, …Password…, …Session…) are refused: store the
                        value as a key instead (eval752 keys add). In edit, 'Name:' removes one;
                        --clear-headers removes all.
  --expect-version N    refuse if someone changed the provider since you read version N; the
                        refusal says who changed which fields and when, and the version to give
                        to put your values over theirs (only the flags you give are applied)
  --yes                 rm: also delete a provider that still has active keys (they go with it)

JSON (--json):
  list      [{id, name, type, baseUrl, capabilities, rateLimits: {rpm, rps, concurrency},
             extraHeaders, enabled, probeKind, version, createdAt, updatedAt, updatedBy,
             keysActive, keysTotal, models,
             lastSmoke: {outcome, errorClass, at, totalMs, model, probeKind} | null,
             servingKey: {id, displayHint, label} | null,
             modelRuns: [{model, run: {outcome, errorClass, at, totalMs, probeKind} | null}],
             keyFailures: [{keyId, displayHint, label, status, errorClass, model, at}],
             observedLimits: {at, headers, runId, probeKind} | null}]
  show      {provider: {…as above without the summary fields}, keys: [key, …], models: [model, …],
             health: {state, reason, notes, models, lastProbe} (as eval752 status --json),
             observedLimits: null | {source, saidAt, probeKind, runId, headers, text},
             recentRuns: [{at, outcome, errorClass, totalMs, probeKind, model}]}
  add, edit, enable, disable   the provider {id, name, type, …, version, …}
  rm        {deleted: id, name}
  Times are ISO 8601 strings.

Exit codes: 0 done, 1 refused or failed (the message says why), 2 usage (including a value the
rules above refuse).

Examples:
  eval752 providers add --name groq --type groq --rpm 30
  eval752 providers add --name gateway --type openai-compatible --base-url http://gw:8080/v1 --header 'X-Team: evals'
  eval752 providers edit groq --rpm '' --capabilities tools,streaming
  eval752 providers edit groq --probe models
`,
	run: (args, io) => dispatch('providers', args, io, {list, ls: list, show, add, edit, rm: remove, enable: toggle(true), disable: toggle(false)}, {bare: 'list'}),
};

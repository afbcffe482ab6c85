import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Input, Io} from '../source/cli/io.js';
import {width} from '../source/lib/text.js';
import {main} from '../source/cli/main.js';
import {KeyRing} from '../source/crypto/index.js';
import type {ProviderType} from '../source/domain/families.js';
import type {RateLimits} from '../source/domain/provider.js';
import {addKey, setKeyStatus} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider, deleteProvider, listProviders, setProviderEnabled} from '../source/services/providers.js';
import {runSmoke} from '../source/services/smoke.js';
import {startRotation, validateRotation} from '../source/services/rotate.js';
import {parseDuration, providerStatus} from '../source/services/status.js';
import {runCli, type CliResult} from './support/cli.js';
import {testContext, type TestContext} from './support/context.js';
import {createServerDatabase, dropServerDatabase, testServerUrl} from './support/db.js';
import {mockErrors, startMockProvider, type MockProvider} from './support/mock-provider.js';

/**
 * `eval752 status` as a cron job or an on-call operator reads it: one line per provider with the
 * health model's verdict, the reasons spelled out, the declared limits in words that claim
 * nothing more and beside them what the provider itself said, and an exit code per state:
 * 0 healthy, 1 failing, 3 degraded, 4 unknown.
 */

let tc: TestContext;
let mock: MockProvider;
let work: string;
let env: NodeJS.ProcessEnv;
let counter = 0;

beforeAll(async () => {
	tc = await testContext();
	mock = await startMockProvider();
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-status-'));
	env = {ENCRYPTION_KEY: tc.keyHex, EVAL752_LOG_FILE: path.join(work, 'eval752.log'), EVAL752_DATA_DIR: path.join(work, 'data')};
});

afterAll(async () => {
	await mock?.close();
	await tc?.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

// Status reports every provider: each test starts from none.
afterEach(async () => {
	for (const provider of await listProviders(tc.ctx)) await deleteProvider(tc.ctx, provider.id, {force: true});
	mock.setDefault({kind: 'stream', text: 'pong'});
});

function status(args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = env): Promise<CliResult> {
	return runCli(['status', ...args], {database: tc.t.db, env: extraEnv});
}

/** A provider on the mock with one active key and its models, made through the services. */
async function provider(
	base: string,
	options: {type?: ProviderType; rateLimits?: Partial<RateLimits>; key?: boolean; models?: string[]} = {},
): Promise<{name: string; id: string; keyId: string | null}> {
	const name = `${base}${++counter}`;
	const created = await createProvider(tc.ctx, {name, type: options.type ?? 'openai', baseUrl: mock.baseUrl, rateLimits: options.rateLimits ?? {}});
	const key = options.key === false ? null : await addKey(tc.ctx, name, {secret: `sk-status${counter}-${'x'.repeat(8)}${Date.now()}`, label: 'ci'});
	for (const modelName of options.models ?? ['mock-small']) await addModel(tc.ctx, name, {modelName});
	return {name, id: created.id, keyId: key?.id ?? null};
}

async function smokeNow(name: string, model?: string): Promise<void> {
	for await (const event of runSmoke(tc.ctx, {provider: name, model}, new AbortController().signal)) void event;
}

/** A run as an older eval752 (or another operator, days ago) left it, with the provider's key. */
async function insertRun(
	p: {id: string; name: string; keyId: string | null},
	options: {outcome: 'ok' | 'failed' | 'cancelled'; errorClass?: string; hoursAgo: number; totalMs?: number; model?: string; keyId?: string | null},
): Promise<void> {
	const at = new Date(Date.now() - options.hoursAgo * 3_600_000);
	const keyId = options.keyId === undefined ? p.keyId : options.keyId;
	await tc.ctx.db.sql`
		insert into smoke_runs (provider_id, provider_name, key_row_id, model_name, started_at, finished_at, outcome, error_class, total_ms, actor)
		values (${p.id}, ${p.name}, ${keyId}, ${options.model ?? 'mock-small'}, ${at}, ${at}, ${options.outcome}, ${options.errorClass ?? null}, ${options.totalMs ?? 420}, 'someone@else')`;
}

/** The table row of a provider, split into cells (two or more spaces apart). */
function row(stdout: string, name: string): string[] {
	const line = stdout.split('\n').find((entry) => entry.startsWith(`${name} `));
	expect(line, `a row for ${name}`).toBeDefined();
	return line!.split(/ {2,}/);
}

describe('eval752 status', () => {
	it('a freshly probed provider is healthy → exit 0, with its limits worded as eval752-only pacing', async () => {
		const p = await provider('alpha', {rateLimits: {rpm: 60, concurrency: 2}});
		await smokeNow(p.name);

		const result = await status();

		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const cells = row(result.stdout, p.name);
		expect(cells.slice(0, 5)).toEqual([p.name, 'healthy', '1/0', '1/1', 'ok · stream']);
		expect(cells[5]).toMatch(/^\d+s$/);
		expect(cells[6]).toMatch(/^\d+ ms$/);
		expect(result.stdout).toContain(`  ${p.name}  declared: rpm 60 · concurrency 2 — enforced by eval752 for its own requests`);
		expect(result.stdout).not.toMatch(/provider-side|budget/i);
		expect(result.stdout).not.toContain('Health:');
		expect(result.stdout).toContain('1 of 1 enabled provider healthy; probes count for 24h.');
	});

	it('a failed probe → exit 1 (failing), the reason and what to run next', async () => {
		const good = await provider('alpha');
		await smokeNow(good.name);
		const bad = await provider('bravo');
		mock.setDefault(mockErrors.unauthorized('full'));
		await smokeNow(bad.name);

		const result = await status();

		expect(result.code).toBe(1);
		expect(row(result.stdout, bad.name).slice(0, 5)).toEqual([bad.name, 'failing', '1/0', '0/1', 'failed (auth) · stream']);
		expect(row(result.stdout, good.name)[1]).toBe('healthy');
		expect(result.stdout).toContain(`Health:\n  ${bad.name}  failing — the key is rejected (auth on mock-small)\n`);
		expect(result.stdout).toContain('1 of 2 enabled providers healthy, 1 failing');
		expect(result.stdout).toContain(`try: eval752 probe ${bad.name}\n`);
	});

	it('a cancelled run is no verdict: the last finished one decides', async () => {
		const fine = await provider('charlie');
		await insertRun(fine, {outcome: 'ok', hoursAgo: 2});
		await insertRun(fine, {outcome: 'cancelled', hoursAgo: 1});
		const broken = await provider('delta');
		await insertRun(broken, {outcome: 'failed', errorClass: 'server', hoursAgo: 2});
		await insertRun(broken, {outcome: 'cancelled', hoursAgo: 1});

		const result = await status();

		expect(row(result.stdout, fine.name)[1]).toBe('healthy');
		expect(row(result.stdout, broken.name).slice(1, 5)).toEqual(['failing', '1/0', '0/1', 'failed (server) · stream']);
		expect(result.code).toBe(1);
	});

	it('a probe older than --max-age is no evidence → unknown, exit 4; a longer --max-age accepts it', async () => {
		const p = await provider('charlie');
		await insertRun(p, {outcome: 'ok', hoursAgo: 72, totalMs: 812});

		const stale = await status();
		expect(stale.code).toBe(4);
		expect(row(stale.stdout, p.name)).toEqual([p.name, 'unknown', '1/0', '0/1', 'ok · stream', '3d', '812 ms']);
		expect(stale.stdout).toContain(`  ${p.name}  unknown — last probe 3d ago, older than 24h`);

		const week = await status(['--max-age', '7d']);
		expect(week.code).toBe(0);
		expect(row(week.stdout, p.name)[1]).toBe('healthy');
		expect(week.stdout).toContain('probes count for 7d.');

		const hour = await status(['--max-age', '30m']);
		expect(hour.code).toBe(4);
		expect(hour.stdout).toContain('older than 30m');
	});

	it('no active key on a family that needs one → failing, exit 1, even with a fresh passing run; a keyless local family is fine', async () => {
		const p = await provider('echo');
		await insertRun(p, {outcome: 'ok', hoursAgo: 1});
		await setKeyStatus(tc.ctx, p.keyId!, 'disabled');
		const local = await provider('ollama', {type: 'ollama', key: false});
		await smokeNow(local.name);

		const result = await status();

		expect(result.code).toBe(1);
		expect(row(result.stdout, p.name).slice(0, 3)).toEqual([p.name, 'failing', '0/1']);
		expect(result.stdout).toContain(`  ${p.name}  failing — no active key\n`);
		expect(result.stdout).toContain(`try: eval752 keys add ${p.name} --from-stdin\n`);
		expect(row(result.stdout, local.name).slice(0, 5)).toEqual([local.name, 'healthy', '0/0', '1/1', 'ok · stream']);
	});

	it('a disabled provider is listed but never judged', async () => {
		const good = await provider('alpha');
		await smokeNow(good.name);
		const off = await provider('foxtrot');
		await setProviderEnabled(tc.ctx, off.id, false);

		const result = await status();

		expect(result.code).toBe(0);
		expect(row(result.stdout, off.name).slice(0, 5)).toEqual([off.name, 'disabled', '1/0', '0/1', 'never']);
		expect(result.stdout).toContain('1 of 1 enabled provider healthy (1 disabled, not checked)');
	});

	it('case 40: a failed rotation candidate or one failing model never reports the provider as failing; a provider never tested is unknown, not unhealthy', async () => {
		// A rotation whose new key the provider rejects: the old key still serves and passes.
		const rotated = await provider('golf');
		await smokeNow(rotated.name);
		const rejected = `sk-rejected-${'y'.repeat(12)}${Date.now()}`;
		mock.setDefault((request) => (request.headers['authorization'] === `Bearer ${rejected}` ? mockErrors.unauthorized('full')(request) : {kind: 'stream', text: 'pong'}));
		const rotation = await startRotation(tc.ctx, rotated.id, {secret: rejected, label: 'candidate'});
		const validation = validateRotation(tc.ctx, rotation, {}, new AbortController().signal);
		let step = await validation.next();
		while (!step.done) step = await validation.next();
		expect(step.value.ok).toBe(false);
		expect(step.value.parked).toBe(true);
		// The newest run of the provider is the candidate's failure…
		expect((await listProviders(tc.ctx)).find((entry) => entry.id === rotated.id)!.lastSmoke).toMatchObject({outcome: 'failed', errorClass: 'auth'});

		// …one model of five fails…
		const five = await provider('hotel', {models: ['m1', 'm2', 'm3', 'm4', 'm5']});
		for (const model of ['m1', 'm2', 'm3', 'm4']) await insertRun(five, {outcome: 'ok', hoursAgo: 1, model});
		await insertRun(five, {outcome: 'failed', errorClass: 'model_not_found', hoursAgo: 1, model: 'm5'});

		const degraded = await status();
		expect(row(degraded.stdout, rotated.name).slice(0, 2)).toEqual([rotated.name, 'healthy']);
		expect(degraded.stdout).toMatch(new RegExp(`Notes:\\n  ${rotated.name}\\s+key sk-…\\w{4} \\(candidate, disabled\\) failed its last validation \\(auth on mock-small\\) \\d+s ago; it serves no traffic\\n`));
		expect(row(degraded.stdout, five.name).slice(0, 4)).toEqual([five.name, 'degraded', '1/0', '4/5']);
		expect(degraded.stdout).toContain(`  ${five.name}  degraded — 1 of 5 models failing: m5 (model_not_found)`);
		expect(degraded.stdout).not.toMatch(/failing —/);
		expect(degraded.code).toBe(3);

		// …and a provider never tested is unknown (exit 4 once nothing is degraded).
		await deleteProvider(tc.ctx, five.id, {force: true});
		const never = await provider('india');
		const unknown = await status(['--json']);
		const report = JSON.parse(unknown.stdout) as {state: string; exitCode: number; providers: Array<{name: string; health: string; reason: string; notes: string[]}>};
		expect(unknown.code).toBe(4);
		expect(report).toMatchObject({state: 'unknown', exitCode: 4});
		expect(report.providers.find((entry) => entry.name === never.name)).toMatchObject({health: 'unknown', reason: 'never probed'});
		expect(report.providers.find((entry) => entry.name === rotated.name)).toMatchObject({health: 'healthy', reason: '1 of 1 model ok'});
		expect(report.providers.find((entry) => entry.name === rotated.name)!.notes).toHaveLength(1);
		expect(unknown.stdout).not.toMatch(/unhealthy/i);
	});

	it('--json has the documented shape', async () => {
		const good = await provider('alpha', {rateLimits: {rps: 2}});
		await smokeNow(good.name);
		const bad = await provider('bravo');
		mock.setDefault(mockErrors.modelNotFound());
		await smokeNow(bad.name);
		const never = await provider('delta', {key: false});

		const result = await status(['--json', '--max-age', '2h']);

		expect(result.code).toBe(1);
		const report = JSON.parse(result.stdout) as {healthy: boolean; state: string; exitCode: number; checkedAt: string; maxAgeSeconds: number; counts: Record<string, number>; providers: Array<Record<string, unknown>>};
		expect(Object.keys(report).sort()).toEqual(['checkedAt', 'counts', 'exitCode', 'health', 'healthy', 'key', 'maxAgeSeconds', 'providers', 'state']);
		expect(report).toMatchObject({healthy: false, state: 'failing', health: 'failing', key: {status: 'ok', message: null, hint: null}, exitCode: 1, maxAgeSeconds: 7200, counts: {healthy: 1, degraded: 0, failing: 2, unknown: 0, disabled: 0}});
		expect(new Date(report.checkedAt).toISOString()).toBe(report.checkedAt);
		expect(report.providers.map((entry) => entry['name'])).toEqual([good.name, bad.name, never.name]);
		for (const entry of report.providers) {
			expect(Object.keys(entry).sort()).toEqual(['enabled', 'health', 'id', 'keys', 'lastProbe', 'limits', 'models', 'name', 'notes', 'observedLimits', 'probeKind', 'rateLimits', 'reason', 'type']);
		}
		const [first, second, third] = report.providers;
		expect(first).toMatchObject({id: good.id, type: 'openai', enabled: true, probeKind: 'stream', health: 'healthy', reason: '1 of 1 model ok', notes: [], keys: {active: 1, disabled: 0}, rateLimits: {rpm: null, rps: 2, concurrency: null}, limits: 'rps 2 — enforced by eval752 for its own requests', observedLimits: null});
		expect(first!['models']).toMatchObject({total: 1, ok: 1, failing: 0, stale: 0, untested: 0, each: [{model: 'mock-small', state: 'ok', outcome: 'ok', errorClass: null, probeKind: 'stream'}]});
		expect(Object.keys(first!['lastProbe'] as object).sort()).toEqual(['ageSeconds', 'at', 'errorClass', 'latencyMs', 'model', 'outcome', 'probeKind']);
		expect(second).toMatchObject({health: 'failing', reason: 'every model fails: mock-small (model_not_found)', lastProbe: {outcome: 'failed', errorClass: 'model_not_found'}});
		expect(third).toMatchObject({health: 'failing', reason: 'no active key', lastProbe: null, keys: {active: 0, disabled: 0}, limits: 'no limits set'});
	});

	it('shows what the provider said about its limits beside the declared ones, labelled with when, in text and JSON', async () => {
		const p = await provider('kilo', {rateLimits: {rpm: 60}});
		mock.setDefault({kind: 'stream', text: 'pong', headers: {'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-limit-tokens': '150000', 'x-ratelimit-remaining-tokens': '149990'}});
		await smokeNow(p.name);
		const [stored] = await tc.ctx.db.sql<{rate_headers: Record<string, string>}[]>`select rate_headers from smoke_runs where provider_id = ${p.id}`;
		expect(stored!.rate_headers).toEqual({'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-limit-tokens': '150000', 'x-ratelimit-remaining-tokens': '149990'});

		const text = await status();
		expect(text.stdout).toContain(`  ${p.name}  declared: rpm 60 — enforced by eval752 for its own requests\n`);
		// Wrapped to the width: read as one text.
		const flat = text.stdout.replace(/\s+/g, ' ');
		expect(flat).toMatch(/observed: provider said \d+s ago \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, stream probe\): requests 59 of 60 left \(resets 1s\); tokens 149990 of 150000 left/);
		expect(flat).toContain("observed: what the provider's response headers said, and when (never enforced)");

		const json = JSON.parse((await status(['--json'])).stdout) as {providers: Array<{observedLimits: Record<string, unknown>}>};
		expect(json.providers[0]!.observedLimits).toMatchObject({
			source: 'rate-limit headers of a probe response: what the provider said, not enforced by eval752',
			probeKind: 'stream',
			headers: {'x-ratelimit-remaining-requests': '59'},
		});
		expect(new Date(json.providers[0]!.observedLimits['saidAt'] as string).getTime()).toBeLessThanOrEqual(Date.now());

		const shown = await runCli(['providers', 'show', p.name], {database: tc.t.db, env});
		expect(shown.stdout).toMatch(/observed {6}provider said \d+s ago .*requests 59 of 60 left .*\(eval752 enforces only the limits above, for its own requests\)/);
		const shownJson = JSON.parse((await runCli(['providers', 'show', p.name, '--json'], {database: tc.t.db, env})).stdout) as {observedLimits: {headers: Record<string, string>}};
		expect(shownJson.observedLimits.headers['x-ratelimit-remaining-tokens']).toBe('149990');
	});

	it('--format openmetrics: valid exposition with health, latency and age per provider, label values escaped', async () => {
		const odd = await provider('we"ird\\name ');
		await smokeNow(odd.name);
		const never = await provider('lima');

		const result = await status(['--format', 'openmetrics']);
		expect(result.code).toBe(4);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines.at(-1)).toBe('# EOF');
		const families = new Map<string, string>();
		for (const line of lines.slice(0, -1)) {
			const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
			if (meta) {
				if (meta[1] === 'TYPE') families.set(meta[2]!, meta[3]!);
				continue;
			}
			// name{label="value",…} number — values with \\, \" and \n escaped, nothing else special.
			const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|[+-]Inf)$/.exec(line);
			expect(sample, line).not.toBeNull();
			expect(families.get(sample![1]!), `TYPE before ${line}`).toBe('gauge');
		}
		const escaped = odd.name.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
		expect(result.stdout).toContain(`eval752_provider_health{provider="${escaped}",type="openai",state="healthy"} 1\n`);
		expect(result.stdout).toContain(`eval752_provider_health{provider="${escaped}",type="openai",state="unknown"} 0\n`);
		expect(result.stdout).toMatch(new RegExp(`eval752_provider_probe_latency_seconds\\{provider="${escaped.replace(/[\\"]/g, '\\$&')}",type="openai",model="mock-small",probe="stream",outcome="ok"\\} \\d+(\\.\\d+)?\\n`));
		expect(result.stdout).toMatch(new RegExp(`eval752_provider_probe_age_seconds\\{provider="${escaped.replace(/[\\"]/g, '\\$&')}",type="openai"\\} \\d+(\\.\\d+)?\\n`));
		expect(result.stdout).toContain(`eval752_provider_health{provider="${never.name}",type="openai",state="unknown"} 1\n`);
		// Never probed: no latency or age sample at all, rather than a zero that reads as fresh.
		expect(result.stdout).not.toContain(`eval752_provider_probe_age_seconds{provider="${never.name}"`);
		expect(result.stdout).toMatch(/^eval752_status_generated_timestamp_seconds \d+(\.\d+)?$/m);

		expect((await status(['--format', 'yaml'])).code).toBe(2);
		expect((await status(['--format', 'text', '--json'])).code).toBe(2);
	});

	it('reads at 80 columns: no line wider, long names and limits wrap onto their own line', async () => {
		const p = await provider('the-shared-gateway-for-the-evaluation-team-in-eu-west-', {rateLimits: {rpm: 3500, rps: 50, concurrency: 16}});
		await insertRun(p, {outcome: 'failed', errorClass: 'rate_limited', hoursAgo: 1});
		const stdout = new (class {
			text = '';
			readonly isTTY = true;
			readonly columns = 80;
			write(chunk: string) {
				this.text += chunk;
				return true;
			}
		})();
		const stdin = new PassThrough();
		stdin.end();
		const io: Io = {stdout, stderr: {write: () => true}, stdin: stdin as unknown as Input, env: {EVAL752_ACTOR: 'tester@test', ...env}, cwd: process.cwd(), database: tc.t.db};

		expect(await main(['status'], io)).toBe(1);

		for (const line of stdout.text.split('\n')) expect(width(line), line).toBeLessThanOrEqual(80);
		expect(stdout.text).toContain(`  ${p.name}\n    declared: rpm 3500 · rps 50 · concurrency 16 — enforced by eval752 for its\n    own requests\n`);
		expect(stdout.text).toContain(`  ${p.name}\n    failing — every model fails: mock-small (rate_limited)\n`);
		expect(stdout.text).toContain(`\ntry: eval752 probe ${p.name}\n`);
	});

	it('never decrypts: it runs without ENCRYPTION_KEY, and with no providers says how to add one', async () => {
		const empty = await status([], {EVAL752_LOG_FILE: env['EVAL752_LOG_FILE'], EVAL752_DATA_DIR: env['EVAL752_DATA_DIR']});
		expect(empty).toMatchObject({code: 0, stderr: ''});
		expect(empty.stdout).toBe('ENCRYPTION_KEY is not set, so the key is not checked and nothing can be probed\n\nNo providers yet — add one: eval752 providers add --name NAME --type TYPE\n');

		const p = await provider('golf');
		await smokeNow(p.name);
		const keyless = await status([], {EVAL752_LOG_FILE: env['EVAL752_LOG_FILE'], EVAL752_DATA_DIR: env['EVAL752_DATA_DIR']});
		expect(keyless.code).toBe(0);
		expect(row(keyless.stdout, p.name)[1]).toBe('healthy');
	});

	it('a bad --max-age or an extra argument is a usage error (exit 2)', async () => {
		for (const bad of ['24', '0h', '1.5h', '1y', '9999999d', '367d', 'x']) {
			const result = await status(['--max-age', bad]);
			expect(result.code, bad).toBe(2);
			expect(result.stderr).toBe('eval752: status: --max-age must be a duration like 30m, 24h or 7d (from 1s to 366d) — eval752 status --help\n');
		}
		for (const odd of ['', '-3d']) {
			const result = await status(['--max-age', odd]);
			expect(result.code, odd).toBe(2);
			expect(result.stderr).toMatch(/^eval752: status: .*--max-age.* — eval752 status --help\n$/);
		}
		expect((await status(['extra'])).code).toBe(2);
		expect(parseDuration('90s')).toBe(90_000);
		expect(parseDuration('7d')).toBe(7 * 86_400_000);
	});

	it('--help documents the states, the exit code of each, the formats and the JSON shape', async () => {
		const help = await runCli(['status', '--help']);
		expect(help.code).toBe(0);
		for (const text of [
			'--max-age DURATION',
			'default 24h',
			'--json',
			'--format FORMAT',
			'openmetrics',
			'  0  healthy           every enabled provider is healthy (also when there are none) (Nagios OK)',
			'  1  failing           at least one enabled provider is failing (Nagios CRITICAL)',
			'  2  usage             usage or configuration error',
			'  3  degraded          none failing; at least one degraded (Nagios WARNING)',
			'  4  unknown           none failing or degraded; at least one not probed within --max-age (Nagios WARNING)',
			'  5  unchecked         could not check: the database is unreachable',
			'  6  wrong-key         ENCRYPTION_KEY can not open the stored API keys',
			'  7  unchecked (busy)  could not check: another eval752 holds the embedded database',
			'"state": "unchecked"',
			'"key": {"status": "ok" | "wrong" | "missing"',
			'"health": "healthy" | "degraded" | "failing" | "unknown" | "disabled"',
			'"observedLimits": null |',
			'enforced by eval752 for its own requests',
			'A rotation candidate or a retired key that failed is a note',
		]) {
			expect(help.stdout).toContain(text);
		}
	});

	it('the service judges from the clock it is given', async () => {
		const p = await provider('hotel');
		await insertRun(p, {outcome: 'ok', hoursAgo: 0});
		const now = new Date();
		expect((await providerStatus(tc.ctx, {now})).state).toBe('healthy');
		const tomorrow = new Date(now.getTime() + 25 * 3_600_000);
		const later = await providerStatus(tc.ctx, {now: tomorrow});
		expect(later).toMatchObject({state: 'unknown', exitCode: 4});
		expect(later.providers[0]!.health.reason).toMatch(/^last probe 1d ago, older than 24h$/);
	});
});

describe('when status could not check, or the key is wrong: its own exit codes, never a provider verdict', () => {
	it('a database that refuses connections → exit 5, "unchecked" with the reason on stderr and in --json', async () => {
		const unreachable = {...env, DATABASE_URL: 'postgres://eval752@127.0.0.1:1/nowhere'};
		const text = await runCli(['status'], {env: unreachable});
		expect(text.code).toBe(5);
		expect(text.stdout).toBe('');
		expect(text.stderr).toBe("eval752: could not check — Can't reach PostgreSQL at 127.0.0.1:1/nowhere: connection refused — check DATABASE_URL and that the server is running\n");

		const json = await runCli(['status', '--json'], {env: unreachable});
		expect(json.code).toBe(5);
		const document = JSON.parse(json.stdout) as Record<string, unknown>;
		expect(document).toMatchObject({state: 'unchecked', exitCode: 5, healthy: false, cause: 'unreachable', reason: "Can't reach PostgreSQL at 127.0.0.1:1/nowhere: connection refused", hint: 'check DATABASE_URL and that the server is running'});
		expect(new Date(document['checkedAt'] as string).toISOString()).toBe(document['checkedAt']);

		const metrics = await runCli(['status', '--format', 'openmetrics'], {env: unreachable});
		expect(metrics.code).toBe(5);
		expect(metrics.stdout).toContain('eval752_status_checked{cause="unreachable"} 0\n# EOF\n');

		// probe and watch --once say the same, with the same code.
		for (const args of [['probe', '--all'], ['watch', '--once']]) {
			const result = await runCli(args, {env: unreachable});
			expect(result.code, args.join(' ')).toBe(5);
			expect(result.stderr).toContain('eval752: could not check — Can\'t reach PostgreSQL');
		}
		const probeJson = await runCli(['probe', '--all', '--json'], {env: unreachable});
		expect(JSON.parse(probeJson.stdout)).toMatchObject({state: 'unchecked', exitCode: 5, cause: 'unreachable'});
	});

	it('an embedded directory held by another process that does not share it → exit 7 (busy), naming the pid', async () => {
		const dir = fs.mkdtempSync(path.join(work, 'locked-'));
		const holder = spawn('sleep', ['60']);
		try {
			const lock = path.join(dir, 'pgdata.lock');
			fs.mkdirSync(lock, {mode: 0o700});
			const owner = path.join(lock, `owner-${holder.pid}-0123456789abcdef`);
			fs.writeFileSync(owner, `${holder.pid}\n${os.hostname()}\n`, {mode: 0o600});
			const then = new Date(Date.now() - 5 * 60_000);
			fs.utimesSync(owner, then, then);
			const locked = {EVAL752_DATA_DIR: dir, EVAL752_LOG_FILE: env['EVAL752_LOG_FILE'], ENCRYPTION_KEY: tc.keyHex};
			const text = await runCli(['status'], {env: locked});
			expect(text.code).toBe(7);
			expect(text.stderr).toContain(`eval752: could not check — The embedded database at ${path.join(dir, 'pgdata')} is in use by pid ${holder.pid}, and it does not share it — wait for that eval752 to finish, or close it`);
			const json = await runCli(['status', '--json'], {env: locked});
			expect(JSON.parse(json.stdout)).toMatchObject({state: 'unchecked', exitCode: 7, cause: 'busy'});
			expect((await runCli(['probe', '--all'], {env: locked})).code).toBe(7);
		} finally {
			holder.kill();
		}
	});

	it('a wrong ENCRYPTION_KEY → exit 6 ("wrong-key"), though every provider is healthy; probe refuses before it stores anything', async () => {
		const p = await provider('india');
		await smokeNow(p.name);
		expect((await status()).code).toBe(0);
		const wrong = {...env, ENCRYPTION_KEY: randomBytes(32).toString('hex')};

		const text = await status([], wrong);
		expect(text.code).toBe(6);
		expect(text.stdout.split('\n\n')[0]!.replace(/\n/g, ' ')).toMatch(/^WRONG KEY: ENCRYPTION_KEY \(key id \w+\) did not write this data \(key id \w+\) — every probe would fail \(exit 6\) try: set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS$/);
		expect(row(text.stdout, p.name)[1]).toBe('healthy');

		const json = JSON.parse((await status(['--json'], wrong)).stdout) as Record<string, unknown>;
		expect(json).toMatchObject({state: 'wrong-key', exitCode: 6, healthy: false, health: 'healthy', key: {status: 'wrong'}});

		const runsBefore = await tc.ctx.db.sql`select count(*)::int as n from smoke_runs`;
		const probed = await runCli(['probe', '--all'], {database: tc.t.db, env: wrong});
		expect(probed.code).toBe(6);
		expect(probed.stderr).toMatch(/^eval752: nothing probed — ENCRYPTION_KEY \(key id \w+\) did not write this data \(key id \w+\) — set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS\n$/);
		expect((await runCli(['watch', '--once'], {database: tc.t.db, env: wrong})).code).toBe(6);
		expect(await tc.ctx.db.sql`select count(*)::int as n from smoke_runs`).toEqual(runsBefore);
	});

	it('a rotation left unfinished — stored keys under a key id no longer configured → exit 6 too, without decrypting a provider key', async () => {
		// Its own database: the newer key signs the audit head here, which the file's key could not verify after.
		const own = await testContext();
		const ownEnv = {...env, ENCRYPTION_KEY: own.keyHex};
		try {
			const created = await createProvider(own.ctx, {name: 'juliet', type: 'openai', baseUrl: mock.baseUrl});
			await addKey(own.ctx, created.id, {secret: `sk-older-${'x'.repeat(16)}`, label: 'older'});
			// A master-key rotation: a second key wrote one more secret (and its canary); then only the old key is configured again.
			const newer = randomBytes(32);
			const rotated = {...own.ctx, keys: {status: 'ok' as const, ring: KeyRing.from(newer, [Buffer.from(own.keyHex, 'hex')])}};
			await addKey(rotated, created.id, {secret: `sk-newer-${'y'.repeat(16)}`, label: 'newer'});
			const newerId = KeyRing.from(newer, []).currentId;
			const status = (args: string[], extra = ownEnv) => runCli(['status', ...args], {database: own.t.db, env: extra});

			const result = await status(['--json']);
			expect(result.code).toBe(6);
			const json = JSON.parse(result.stdout) as {state: string; key: {status: string; message: string; hint: string}};
			expect(json.state).toBe('wrong-key');
			expect(json.key).toEqual({
				status: 'wrong',
				message: `1 stored secret is under key id ${newerId}, which is not configured: a master-key rotation is unfinished`,
				hint: 'configure that key too (as ENCRYPTION_KEY if it is the new key, in ENCRYPTION_KEY_PREVIOUS if it is an old one), then run eval752 rekey',
			});
			const text = await status([]);
			expect(text.stdout.split('\n\n')[0]!.replace(/\n/g, ' ')).toBe(
				`WRONG KEY: 1 stored secret is under key id ${newerId}, which is not configured: a master-key rotation is unfinished — every probe would fail (exit 6) try: configure that key too (as ENCRYPTION_KEY if it is the new key, in ENCRYPTION_KEY_PREVIOUS if it is an old one), then run eval752 rekey`,
			);
			// With that key configured as a previous one, all is well again (exit 4: nothing probed yet).
			const both = {...ownEnv, ENCRYPTION_KEY_PREVIOUS: newer.toString('hex')};
			expect((await status([], both)).code).toBe(4);
		} finally {
			await own.t.drop();
		}
	});

	it.runIf(testServerUrl !== undefined)('a server whose schema is behind → exit 5, cause "schema", naming the migrations', async () => {
		const url = await createServerDatabase();
		try {
			const result = await runCli(['status', '--json'], {env: {...env, DATABASE_URL: url}});
			expect(result.code).toBe(5);
			expect(JSON.parse(result.stdout)).toMatchObject({state: 'unchecked', exitCode: 5, cause: 'schema', hint: 'run eval752 migrate (once, by whoever upgrades eval752 for the team)'});
			expect(result.stderr).toMatch(/^eval752: could not check — The database at .* needs \d+ migrations \(00001_initial/);
		} finally {
			await dropServerDatabase(url);
		}
	});

	it('probe of a provider that does not exist is a usage error (2), not "could not check" and not "failing"', async () => {
		const result = await runCli(['probe', 'no-such-provider'], {database: tc.t.db, env});
		expect(result.code).toBe(2);
	});
});

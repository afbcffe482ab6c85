import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Input, Io} from '../source/cli/io.js';
import {width} from '../source/lib/text.js';
import {main} from '../source/cli/main.js';
import type {ProviderType} from '../source/domain/families.js';
import type {RateLimits} from '../source/domain/provider.js';
import {addKey, setKeyStatus} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider, deleteProvider, listProviders, setProviderEnabled} from '../source/services/providers.js';
import {runSmoke} from '../source/services/smoke.js';
import {parseDuration, providerStatus} from '../source/services/status.js';
import {runCli, type CliResult} from './support/cli.js';
import {testContext, type TestContext} from './support/context.js';
import {mockErrors, startMockProvider, type MockProvider} from './support/mock-provider.js';

/**
 * `eval752 status` as a cron job or an on-call operator reads it: one line per provider, the
 * problems spelled out, the client-side limits in words that claim nothing more, and an exit
 * code that is 1 exactly when an enabled provider cannot be vouched for.
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

/** A provider on the mock with one active key and one model, made through the services. */
async function provider(base: string, options: {type?: ProviderType; rateLimits?: Partial<RateLimits>; key?: boolean} = {}): Promise<{name: string; id: string; keyId: string | null}> {
	const name = `${base}${++counter}`;
	const created = await createProvider(tc.ctx, {name, type: options.type ?? 'openai', baseUrl: mock.baseUrl, rateLimits: options.rateLimits ?? {}});
	const key = options.key === false ? null : await addKey(tc.ctx, name, {secret: `sk-status${counter}-${'x'.repeat(8)}${Date.now()}`, label: 'ci'});
	await addModel(tc.ctx, name, {modelName: 'mock-small'});
	return {name, id: created.id, keyId: key?.id ?? null};
}

async function smokeNow(name: string): Promise<void> {
	for await (const event of runSmoke(tc.ctx, {provider: name}, new AbortController().signal)) void event;
}

/** A run as an older eval752 (or another operator, days ago) left it. */
async function insertRun(providerId: string, name: string, options: {outcome: 'ok' | 'failed' | 'cancelled'; errorClass?: string; hoursAgo: number; totalMs?: number}): Promise<void> {
	const at = new Date(Date.now() - options.hoursAgo * 3_600_000);
	await tc.ctx.db.sql`
		insert into smoke_runs (provider_id, provider_name, model_name, started_at, finished_at, outcome, error_class, total_ms, actor)
		values (${providerId}, ${name}, 'mock-small', ${at}, ${at}, ${options.outcome}, ${options.errorClass ?? null}, ${options.totalMs ?? 420}, 'someone@else')`;
}

/** The table row of a provider, split into cells (two or more spaces apart). */
function row(stdout: string, name: string): string[] {
	const line = stdout.split('\n').find((entry) => entry.startsWith(`${name} `));
	expect(line, `a row for ${name}`).toBeDefined();
	return line!.split(/ {2,}/);
}

describe('eval752 status', () => {
	it('a freshly smoke-tested provider is healthy → exit 0, with its limits worded as eval752-only pacing', async () => {
		const p = await provider('alpha', {rateLimits: {rpm: 60, concurrency: 2}});
		await smokeNow(p.name);

		const result = await status();

		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const cells = row(result.stdout, p.name);
		expect(cells.slice(0, 5)).toEqual([p.name, 'healthy', '1/0', '1', 'ok']);
		expect(cells[5]).toMatch(/^\d+s$/);
		expect(cells[6]).toMatch(/^\d+ ms$/);
		expect(result.stdout).toContain(`  ${p.name}  rpm 60 · concurrency 2 — enforced by eval752 for its own requests`);
		expect(result.stdout).not.toMatch(/provider-side|budget/i);
		expect(result.stdout).not.toContain('Problems:');
		expect(result.stdout).toContain('1 of 1 enabled provider healthy; smoke tests count for 24h.');
	});

	it('a failed last smoke test → exit 1, naming the error class', async () => {
		const good = await provider('alpha');
		await smokeNow(good.name);
		const bad = await provider('bravo');
		mock.setDefault(mockErrors.unauthorized('full'));
		await smokeNow(bad.name);

		const result = await status();

		expect(result.code).toBe(1);
		expect(row(result.stdout, bad.name).slice(0, 5)).toEqual([bad.name, 'UNHEALTHY', '1/0', '1', 'failed (auth)']);
		expect(row(result.stdout, good.name)[1]).toBe('healthy');
		expect(result.stdout).toContain(`Problems:\n  ${bad.name}  last smoke test failed (auth)\n`);
		expect(result.stdout).toContain('1 of 2 enabled providers healthy');
		expect(result.stdout).toContain(`try: eval752 smoke ${bad.name} --all-models\n`);
	});

	it('a cancelled run is no verdict: the last finished one decides, healthy or not', async () => {
		const fine = await provider('charlie');
		await insertRun(fine.id, fine.name, {outcome: 'ok', hoursAgo: 2});
		await insertRun(fine.id, fine.name, {outcome: 'cancelled', hoursAgo: 1});
		const broken = await provider('delta');
		await insertRun(broken.id, broken.name, {outcome: 'failed', errorClass: 'server', hoursAgo: 2});
		await insertRun(broken.id, broken.name, {outcome: 'cancelled', hoursAgo: 1});

		const result = await status();

		expect(row(result.stdout, fine.name)[1]).toBe('healthy');
		expect(row(result.stdout, broken.name).slice(1, 5)).toEqual(['UNHEALTHY', '1/0', '1', 'failed (server)']);
		expect(result.code).toBe(1);
	});

	it('a last smoke test older than --max-age is stale → exit 1; a longer --max-age accepts it', async () => {
		const p = await provider('charlie');
		await insertRun(p.id, p.name, {outcome: 'ok', hoursAgo: 72, totalMs: 812});

		const stale = await status();
		expect(stale.code).toBe(1);
		expect(row(stale.stdout, p.name)).toEqual([p.name, 'UNHEALTHY', '1/0', '1', 'ok', '3d', '812 ms']);
		expect(stale.stdout).toContain(`  ${p.name}  last smoke test is older than 24h`);

		const week = await status(['--max-age', '7d']);
		expect(week.code).toBe(0);
		expect(row(week.stdout, p.name)[1]).toBe('healthy');
		expect(week.stdout).toContain('smoke tests count for 7d.');

		const hour = await status(['--max-age', '30m']);
		expect(hour.code).toBe(1);
		expect(hour.stdout).toContain('older than 30m');
	});

	it('a provider never smoke-tested → exit 1', async () => {
		const p = await provider('delta');
		const result = await status();
		expect(result.code).toBe(1);
		expect(row(result.stdout, p.name)).toEqual([p.name, 'UNHEALTHY', '1/0', '1', 'never', '—', '—']);
		expect(result.stdout).toContain(`  ${p.name}  never smoke-tested`);
	});

	it('no active key on a family that needs one → exit 1, even with a fresh passing run; a keyless local family is fine', async () => {
		const p = await provider('echo');
		await insertRun(p.id, p.name, {outcome: 'ok', hoursAgo: 1});
		await setKeyStatus(tc.ctx, p.keyId!, 'disabled');
		const local = await provider('ollama', {type: 'ollama', key: false});
		await smokeNow(local.name);

		const result = await status();

		expect(result.code).toBe(1);
		expect(row(result.stdout, p.name).slice(0, 5)).toEqual([p.name, 'UNHEALTHY', '0/1', '1', 'ok']);
		expect(result.stdout).toContain(`  ${p.name}  no active key\n`);
		expect(result.stdout).toContain(`try: eval752 keys add ${p.name} --from-stdin\n`);
		expect(row(result.stdout, local.name).slice(0, 5)).toEqual([local.name, 'healthy', '0/0', '1', 'ok']);
	});

	it('a disabled provider is listed but never makes the status unhealthy', async () => {
		const good = await provider('alpha');
		await smokeNow(good.name);
		const off = await provider('foxtrot');
		await setProviderEnabled(tc.ctx, off.id, false);

		const result = await status();

		expect(result.code).toBe(0);
		expect(row(result.stdout, off.name).slice(0, 5)).toEqual([off.name, 'disabled', '1/0', '1', 'never']);
		expect(result.stdout).toContain('1 of 1 enabled provider healthy (1 disabled, not checked)');
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
		const report = JSON.parse(result.stdout) as {healthy: boolean; checkedAt: string; maxAgeSeconds: number; providers: Array<Record<string, unknown>>};
		expect(Object.keys(report).sort()).toEqual(['checkedAt', 'healthy', 'maxAgeSeconds', 'providers']);
		expect(report).toMatchObject({healthy: false, maxAgeSeconds: 7200});
		expect(new Date(report.checkedAt).toISOString()).toBe(report.checkedAt);
		expect(report.providers.map((entry) => entry['name'])).toEqual([good.name, bad.name, never.name]);
		for (const entry of report.providers) {
			expect(Object.keys(entry).sort()).toEqual(['enabled', 'health', 'id', 'keys', 'lastSmoke', 'limits', 'models', 'name', 'problems', 'rateLimits', 'type']);
		}
		const [first, second, third] = report.providers;
		expect(first).toMatchObject({id: good.id, type: 'openai', enabled: true, health: 'healthy', problems: [], keys: {active: 1, disabled: 0}, models: 1, rateLimits: {rpm: null, rps: 2, concurrency: null}, limits: 'rps 2 — enforced by eval752 for its own requests'});
		expect(Object.keys(first!['lastSmoke'] as object).sort()).toEqual(['ageSeconds', 'at', 'errorClass', 'latencyMs', 'model', 'outcome']);
		expect(first!['lastSmoke']).toMatchObject({outcome: 'ok', errorClass: null, model: 'mock-small'});
		expect(second).toMatchObject({health: 'unhealthy', problems: ['last smoke test failed (model_not_found)'], lastSmoke: {outcome: 'failed', errorClass: 'model_not_found'}});
		expect(third).toMatchObject({health: 'unhealthy', problems: ['no active key', 'never smoke-tested'], lastSmoke: null, keys: {active: 0, disabled: 0}, limits: 'no limits set'});
	});

	it('reads at 80 columns: no line wider, long names and limits wrap onto their own line', async () => {
		const p = await provider('the-shared-gateway-for-the-evaluation-team-in-eu-west-', {rateLimits: {rpm: 3500, rps: 50, concurrency: 16}});
		await insertRun(p.id, p.name, {outcome: 'failed', errorClass: 'rate_limited', hoursAgo: 30});
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
		expect(stdout.text).toContain(`  ${p.name}\n    rpm 3500 · rps 50 · concurrency 16 — enforced by eval752 for its own\n    requests\n`);
		expect(stdout.text).toContain(`  ${p.name}\n    last smoke test failed (rate_limited); last smoke test is older than 24h\n`);
		// The exact command would not fit: the general form does.
		expect(stdout.text).toContain('\ntry: eval752 smoke PROVIDER --all-models (eval752 keys add PROVIDER if keyless)\n');
	});

	it('never decrypts: it runs without ENCRYPTION_KEY, and with no providers says how to add one', async () => {
		const empty = await status([], {EVAL752_LOG_FILE: env['EVAL752_LOG_FILE'], EVAL752_DATA_DIR: env['EVAL752_DATA_DIR']});
		expect(empty).toMatchObject({code: 0, stderr: ''});
		expect(empty.stdout).toBe('No providers yet — add one: eval752 providers add --name NAME --type TYPE\n');

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

	it('--help documents the rules, the exit codes and the JSON shape', async () => {
		const help = await runCli(['status', '--help']);
		expect(help.code).toBe(0);
		for (const text of ['--max-age DURATION', 'default 24h', '--json', 'Exit codes: 0', '1 any enabled', '"health": "healthy" | "unhealthy" | "disabled"', '"lastSmoke": null |', 'enforced by eval752 for its own requests', 'Disabled providers']) {
			expect(help.stdout).toContain(text);
		}
	});

	it('the service judges from the clock it is given', async () => {
		const p = await provider('hotel');
		await insertRun(p.id, p.name, {outcome: 'ok', hoursAgo: 0});
		const now = new Date();
		expect((await providerStatus(tc.ctx, {now})).healthy).toBe(true);
		const tomorrow = new Date(now.getTime() + 25 * 3_600_000);
		const later = await providerStatus(tc.ctx, {now: tomorrow});
		expect(later.healthy).toBe(false);
		expect(later.providers[0]!.problems).toEqual(['last smoke test is older than 24h']);
	});
});

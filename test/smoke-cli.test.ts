import {consume} from '../source/lib/stream.js';
import {randomInt} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest';
import type {Input, Io} from '../source/cli/io.js';
import {main} from '../source/cli/main.js';
import {setLogFile} from '../source/log.js';
import type {RateLimits} from '../source/domain/provider.js';
import type {ProviderType} from '../source/domain/families.js';
import {addKey} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider} from '../source/services/providers.js';
import {setSetting} from '../source/services/settings.js';
import {runSmoke, type SmokeOutcome} from '../source/services/smoke.js';
import {runCli, type CliResult} from './support/cli.js';
import {testContext, type TestContext} from './support/context.js';
import {createGate, escapeCases, mockErrors, startMockProvider, unterminatedOscCase, type BehaviourSource, type MockProvider} from './support/mock-provider.js';

/**
 * `eval752 smoke` as an operator runs it, against the local mock provider, on a real database:
 * what reaches stdout and stderr, what is stored in `smoke_runs`, the key's last validation and
 * the audit log — and that the key never leaks anywhere, whatever the provider echoes back.
 */

let tc: TestContext;
let mock: MockProvider;
let work: string;
let logPath: string;
let env: NodeJS.ProcessEnv;

/** A realistic key: a vendor prefix then 40 random letters and digits (its display hint shows only `sk-…` and 4). */
function newSecret(): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	return `sk-${Array.from({length: 40}, () => alphabet[randomInt(alphabet.length)]).join('')}`;
}

/** Every run of 8 characters of the secret: what the redactor promises never to let through. */
function fragments(secret: string, size = 8): string[] {
	return Array.from({length: secret.length - size + 1}, (_, index) => secret.slice(index, index + size));
}

function leaksIn(text: string, secret: string): string[] {
	return fragments(secret).filter((fragment) => text.includes(fragment));
}

/** Every text, jsonb and array column of every table, as text (the ciphertext column aside: it is the one place the secret lives). */
async function storedText(): Promise<Array<{where: string; value: string}>> {
	const sql = tc.ctx.db.sql;
	const columns = await sql<{table_name: string; column_name: string}[]>`
		select table_name, column_name from information_schema.columns
		where table_schema = current_schema() and data_type in ('text', 'jsonb', 'json', 'character varying', 'ARRAY')
		order by table_name, column_name`;
	const out: Array<{where: string; value: string}> = [];
	for (const {table_name: table, column_name: column} of columns) {
		if (table === 'provider_keys' && column === 'ciphertext') continue;
		const rows = await sql<{value: string | null}[]>`select ${sql(column)}::text as value from ${sql(table)}`;
		for (const row of rows) if (row.value !== null) out.push({where: `${table}.${column}`, value: row.value});
	}
	return out;
}

async function expectNoLeak(secret: string, result: CliResult): Promise<void> {
	expect(leaksIn(result.stdout, secret), 'stdout').toEqual([]);
	expect(leaksIn(result.stderr, secret), 'stderr').toEqual([]);
	const stored = await storedText();
	expect(stored.some((entry) => entry.where === 'audit_log.details')).toBe(true);
	for (const entry of stored) expect(leaksIn(entry.value, secret), entry.where).toEqual([]);
	const logged = fs.readFileSync(logPath, 'utf8');
	expect(logged).toContain('smoke attempt');
	expect(leaksIn(logged, secret), 'log file').toEqual([]);
}

interface Built {
	readonly name: string;
	readonly keyId: string;
	readonly secret: string;
}

let counter = 0;
/**
 * A provider pointing at the mock, with one active key and its models, made through the services.
 * It has the streaming capability unless told otherwise: these tests are about the stream.
 */
async function provider(options: {type?: ProviderType; models?: string[]; rateLimits?: Partial<RateLimits>; server?: MockProvider; capabilities?: string[]} = {}): Promise<Built> {
	const name = `mock${++counter}`;
	const secret = newSecret();
	await createProvider(tc.ctx, {name, type: options.type ?? 'openai', baseUrl: (options.server ?? mock).baseUrl, rateLimits: options.rateLimits ?? {}, capabilities: options.capabilities ?? ['streaming']});
	const key = await addKey(tc.ctx, name, {secret, label: 'ci'});
	for (const modelName of options.models ?? ['mock-small']) await addModel(tc.ctx, name, {modelName});
	return {name, keyId: key.id, secret};
}

interface RunRow {
	id: string;
	provider_name: string;
	key_row_id: string | null;
	model_name: string;
	outcome: string;
	error_class: string | null;
	ttft_ms: number | null;
	total_ms: number | null;
	output_tokens: number | null;
	tokens_per_s: number | null;
	excerpt: string | null;
	error_message: string | null;
	actor: string;
}

async function runs(providerName: string): Promise<RunRow[]> {
	return tc.ctx.db.sql<RunRow[]>`select * from smoke_runs where provider_name = ${providerName} order by started_at, id`;
}

async function keyValidation(keyId: string): Promise<{at: Date | null; validation: Record<string, unknown> | null}> {
	const [row] = await tc.ctx.db.sql<{last_validated_at: Date | null; last_validation: Record<string, unknown> | null}[]>`
		select last_validated_at, last_validation from provider_keys where id = ${keyId}`;
	return {at: row!.last_validated_at, validation: row!.last_validation};
}

async function auditRows(): Promise<Array<{seq: string; action: string; details: Record<string, unknown>}>> {
	return tc.ctx.db.sql<Array<{seq: string; action: string; details: Record<string, unknown>}>>`select seq, action, details from audit_log order by seq`;
}

function smoke(args: readonly string[]): Promise<CliResult> {
	return runCli(['smoke', ...args], {database: tc.t.db, env});
}

/** Output that a test can watch while the command still runs. */
class LiveOutput {
	text = '';
	readonly isTTY = false;
	#waiters: Array<{test: (text: string) => boolean; resolve: () => void}> = [];
	write(chunk: string): boolean {
		this.text += chunk;
		for (const waiter of this.#waiters.filter((entry) => entry.test(this.text))) {
			this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
			waiter.resolve();
		}
		return true;
	}
	waitFor(needle: string): Promise<void> {
		if (this.text.includes(needle)) return Promise.resolve();
		return new Promise((resolve) => this.#waiters.push({test: (text) => text.includes(needle), resolve}));
	}
}

/** `eval752 <argv>` in-process, returned while it runs: stdout can be watched mid-stream. */
function startSmoke(args: readonly string[]): {stdout: LiveOutput; stderr: LiveOutput; done: Promise<CliResult>} {
	const stdout = new LiveOutput();
	const stderr = new LiveOutput();
	const stdin = new PassThrough();
	stdin.end();
	const io: Io = {stdout, stderr, stdin: stdin as unknown as Input, env: {EVAL752_ACTOR: 'tester@test', ...env}, cwd: process.cwd(), database: tc.t.db};
	const done = main(['smoke', ...args], io).then((code) => ({code, stdout: stdout.text, stderr: stderr.text}));
	return {stdout, stderr, done};
}

const ESCAPE_OR_C1 = /[\u001b\u0080-\u009f]/;

beforeAll(async () => {
	tc = await testContext();
	mock = await startMockProvider();
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-smoke-'));
	logPath = path.join(work, 'eval752.log');
	setLogFile(logPath);
	env = {ENCRYPTION_KEY: tc.keyHex, EVAL752_LOG_FILE: logPath, EVAL752_DATA_DIR: path.join(work, 'data')};
});

/** A mock of the test's own, for counters (maxInFlight) that no other test has touched. */
const ownServers: MockProvider[] = [];
async function ownServer(): Promise<MockProvider> {
	const server = await startMockProvider();
	ownServers.push(server);
	return server;
}

afterEach(async () => {
	await Promise.all(ownServers.splice(0).map((server) => server.close()));
});

afterAll(async () => {
	setLogFile(undefined);
	await mock?.close();
	await tc?.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

beforeEach(() => {
	mock.setDefault({kind: 'stream', text: 'Hello from the mock provider.', chunkDelayMs: 5});
});

describe('eval752 smoke: a passing run', () => {
	it('streams the answer, prints one summary line, stores the run with metrics, validates the key and writes one audit row', async () => {
		const p = await provider({models: ['mock-large', 'mock-small']});
		const auditBefore = (await auditRows()).length;

		const result = await smoke([p.name, '--model', 'mock-large']);

		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const lines = result.stdout.split('\n');
		expect(lines[0]).toBe('Hello from the mock provider.');
		expect(lines[1]).toMatch(new RegExp(`^ok · ${p.name} · mock-large · key sk-…${p.secret.slice(-4)} · stream · ttft \\d+ ms · total \\d+ ms · \\d+ tokens \\(\\d+ in, 5 out\\) · \\d+\\.\\d tok/s$`));
		expect(lines.slice(2)).toEqual(['']);
		// The exact model asked for is the model sent.
		expect((mock.chatRequests.at(-1)!.body as {model: string}).model).toBe('mock-large');

		const [run, ...more] = await runs(p.name);
		expect(more).toEqual([]);
		expect(run).toMatchObject({model_name: 'mock-large', outcome: 'ok', error_class: null, output_tokens: 5, key_row_id: p.keyId, excerpt: 'Hello from the mock provider.', error_message: null, actor: 'tester@test'});
		expect(run!.ttft_ms).toBeGreaterThanOrEqual(0);
		expect(run!.total_ms).toBeGreaterThanOrEqual(run!.ttft_ms!);
		expect(run!.tokens_per_s).toBeGreaterThan(0);

		const key = await keyValidation(p.keyId);
		expect(key.validation).toMatchObject({outcome: 'ok', errorClass: null, message: null, model: 'mock-large'});
		expect(key.at).toBeInstanceOf(Date);

		const audit = (await auditRows()).slice(auditBefore);
		expect(audit.map((row) => row.action)).toEqual(['smoke.run']);
		expect(audit[0]!.details).toMatchObject({provider: p.name, model: 'mock-large', outcome: 'ok', errorClass: null, keyId: p.keyId, key: `sk-…${p.secret.slice(-4)}`, outputTokens: 5});
		await expectNoLeak(p.secret, result);
	});

	it('uses the first configured model when none is given, and sends a model id exactly as typed', async () => {
		const p = await provider({models: ['mock-b', 'mock-a']});
		expect((await smoke([p.name])).code).toBe(0);
		expect((mock.chatRequests.at(-1)!.body as {model: string}).model).toBe('mock-a');

		const unusual = 'meta-llama/Llama-3.1-8B-Instruct:free';
		const result = await smoke([p.name, '--model', unusual]);
		expect(result.code).toBe(0);
		expect((mock.chatRequests.at(-1)!.body as {model: string}).model).toBe(unusual);
		expect((await runs(p.name)).map((run) => run.model_name)).toEqual(['mock-a', unusual]);
	});

	it('through the service: the same row, validation and single audit row, and the outcome handed back', async () => {
		const p = await provider();
		const auditBefore = (await auditRows()).length;
		const types: string[] = [];
		const outcome: SmokeOutcome = await consume(runSmoke(tc.ctx, {provider: p.name, model: 'mock-small'}, new AbortController().signal), (event) => types.push(event.type));

		expect(types).toEqual(['started', 'delta', 'delta', 'delta', 'delta', 'delta', 'usage', 'finished']);
		expect(outcome).toMatchObject({provider: p.name, model: 'mock-small', outcome: 'ok', errorClass: null, keyHint: `sk-…${p.secret.slice(-4)}`, excerpt: 'Hello from the mock provider.'});
		const [run] = await runs(p.name);
		expect(run).toMatchObject({id: outcome.runId, outcome: 'ok', output_tokens: 5, ttft_ms: outcome.metrics.ttftMs, total_ms: outcome.metrics.totalMs});
		expect((await keyValidation(p.keyId)).validation).toMatchObject({outcome: 'ok', model: 'mock-small'});
		expect((await auditRows()).slice(auditBefore).map((row) => row.action)).toEqual(['smoke.run']);
	});

	it('--json prints one object of the documented shape and no streamed text', async () => {
		const p = await provider();
		const result = await smoke([p.name, '--json']);
		expect(result.code).toBe(0);
		const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
		expect(Object.keys(parsed).sort()).toEqual(['error', 'excerpt', 'key', 'metrics', 'model', 'outcome', 'probeKind', 'provider', 'rateHeaders', 'runId', 'streamed']);
		expect(parsed).toMatchObject({provider: p.name, model: 'mock-small', key: `sk-…${p.secret.slice(-4)}`, outcome: 'ok', error: null, excerpt: 'Hello from the mock provider.'});
		expect(Object.keys(parsed['metrics'] as object).sort()).toEqual(['inputTokens', 'outputTokens', 'outputTokensEstimated', 'tokensPerSecond', 'totalMs', 'ttftMs', 'usageImplausible']);
		expect(parsed['metrics']).toMatchObject({outputTokens: 5, outputTokensEstimated: false});
		const [run] = await runs(p.name);
		expect(parsed['runId']).toBe(run!.id);
	});
});

describe('eval752 smoke: failing runs keep the key secret', () => {
	const cases: Array<{name: string; behaviour: BehaviourSource; errorClass: string}> = [
		{name: '401 echoing the full key', behaviour: mockErrors.unauthorized('full'), errorClass: 'auth'},
		{name: '401 echoing a 10-character fragment', behaviour: mockErrors.unauthorized('fragment'), errorClass: 'auth'},
		{name: '404 unknown model', behaviour: mockErrors.modelNotFound(), errorClass: 'model_not_found'},
		{name: '429 insufficient quota', behaviour: mockErrors.insufficientQuota(), errorClass: 'quota'},
		{name: '500 server error (after the retries)', behaviour: mockErrors.serverError(), errorClass: 'server'},
	];

	it.each(cases)('$name → class $errorClass, exit 1, and no trace of the key anywhere', async ({behaviour, errorClass}) => {
		const p = await provider();
		mock.setDefault(behaviour);
		const auditBefore = (await auditRows()).length;

		const result = await smoke([p.name]);

		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(new RegExp(`^failed \\(${errorClass}\\) · ${p.name} · mock-small · key sk-…${p.secret.slice(-4)} · stream · ttft — · total \\d+ ms · — tokens · — tok/s\\n$`));
		const stderr = result.stderr.split('\n');
		// A 500 is worth another attempt: the max_retries setting (2) decides how many.
		const retries = stderr.filter((line) => line.startsWith('eval752: retrying '));
		expect(retries).toEqual(errorClass === 'server' ? [`eval752: retrying ${p.name} · mock-small (attempt 2)`, `eval752: retrying ${p.name} · mock-small (attempt 3)`] : []);
		const [head, tryLine, ...rest] = stderr.slice(retries.length);
		expect(head).toMatch(new RegExp(`^eval752: ${errorClass}: .*${p.name}`));
		expect(tryLine).toMatch(/^ {2}try: \S/);
		expect(rest).toEqual(['']);

		const [run, ...more] = await runs(p.name);
		expect(more).toEqual([]);
		expect(run).toMatchObject({outcome: 'failed', error_class: errorClass, key_row_id: p.keyId, excerpt: ''});
		expect(run!.error_message).toBe(head!.replace(`eval752: ${errorClass}: `, ''));
		expect((await keyValidation(p.keyId)).validation).toMatchObject({outcome: 'failed', errorClass, model: 'mock-small'});
		const audit = (await auditRows()).slice(auditBefore);
		expect(audit.map((row) => row.action)).toEqual(['smoke.run']);
		expect(audit[0]!.details).toMatchObject({outcome: 'failed', errorClass});
		await expectNoLeak(p.secret, result);
	});

	it('the provider sees the key it was given (so the echoes above were real)', async () => {
		const p = await provider();
		mock.setDefault(mockErrors.unauthorized('full'));
		await smoke([p.name]);
		expect(mock.chatRequests.at(-1)!.headers['authorization']).toBe(`Bearer ${p.secret}`);
		const [run] = await runs(p.name);
		expect(run!.error_message).toContain('[redacted]');
	});
});

describe('eval752 smoke: counted tokens', () => {
	it('a provider that reports no usage gets ~ before its token count and its rate, and 1 token in the singular', async () => {
		const p = await provider();
		// Nine characters: about three tokens.
		mock.setDefault({kind: 'stream', tokens: ['pong ', 'pong'], chunkDelayMs: 150, usage: false});
		const result = await smoke([p.name]);
		expect(result).toMatchObject({code: 0, stderr: ''});
		expect(result.stdout.split('\n')[1]).toMatch(new RegExp(`^ok · ${p.name} · mock-small · key sk-…${p.secret.slice(-4)} · stream · ttft \\d+ ms · total \\d+ ms · ~3 tokens out · ~\\d+\\.\\d tok/s$`));
		mock.setDefault({kind: 'stream', tokens: ['pong'], usage: false});
		expect((await smoke([p.name])).stdout.split('\n')[1]).toMatch(/ · ~1 token out · (— tok\/s|~\d+\.\d tok\/s)$/);
	});
});

describe('eval752 smoke: hints name the provider', () => {
	it('a 500 from an OpenAI-compatible gateway points at that provider, not at the family', async () => {
		const p = await provider({type: 'openai-compatible'});
		mock.setDefault(mockErrors.serverError());
		const result = await smoke([p.name]);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`  try: The problem is on provider ${p.name}'s side: try again later, and check its status page if it lasts\n`);
		expect(result.stderr).not.toContain('OpenAI-compatible');
	});

	it('a 402 names the provider whose account is out of credit', async () => {
		const p = await provider({type: 'openai-compatible'});
		mock.setDefault({kind: 'error', status: 402, body: {error: {message: 'Payment required', type: 'billing'}}});
		const result = await smoke([p.name]);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`  try: The account behind provider ${p.name} is out of credit or quota: check its billing and plan limits\n`);
	});
});

describe('eval752 smoke: hostile output', () => {
	it.each([...escapeCases, unterminatedOscCase()])('$name → no ESC or C1 byte on stdout or in the database, the visible text intact', async (escapeCase) => {
		const p = await provider();
		mock.setDefault({kind: 'stream', tokens: escapeCase.tokens});
		const result = await smoke([p.name]);
		expect(result.code).toBe(0);
		expect(result.stdout).not.toMatch(ESCAPE_OR_C1);
		expect(result.stderr).toBe('');
		for (const visible of escapeCase.visible) expect(result.stdout).toContain(visible);
		for (const hidden of escapeCase.hidden ?? []) expect(result.stdout).not.toContain(hidden);
		const [run] = await runs(p.name);
		expect(run!.excerpt).not.toMatch(ESCAPE_OR_C1);
	});
});

describe('eval752 smoke: streaming and cancelling', () => {
	it('prints the first token while the provider still holds the rest', async () => {
		const p = await provider();
		const gate = createGate();
		mock.script({kind: 'stream', tokens: ['first ', 'second ', 'third'], holdAfterChunks: 1, release: gate.promise});

		const running = startSmoke([p.name]);
		await running.stdout.waitFor('first ');
		expect(running.stdout.text).toBe('first ');
		expect(mock.chatRequests.at(-1)!.chunksWritten).toBe(1);
		gate.open();

		const result = await running.done;
		expect(result.code).toBe(0);
		expect(result.stdout.split('\n')[0]).toBe('first second third');
	});

	it('Ctrl+C mid-stream closes the request, stores a cancelled run, leaves the key validation alone and removes its handler', async () => {
		const p = await provider();
		expect((await smoke([p.name])).code).toBe(0);
		const validated = await keyValidation(p.keyId);
		expect(validated.validation).toMatchObject({outcome: 'ok'});
		const listenersBefore = process.listenerCount('SIGINT');
		const gate = createGate();
		mock.script({kind: 'stream', tokens: ['partial ', 'never sent'], holdAfterChunks: 1, release: gate.promise});

		const running = startSmoke([p.name]);
		await running.stdout.waitFor('partial ');
		expect(process.listenerCount('SIGINT')).toBe(listenersBefore + 1);
		process.emit('SIGINT');
		const result = await running.done;
		gate.open();

		expect(result.code).toBe(130);
		expect(result.stdout).toMatch(new RegExp(`^partial \\ncancelled · ${p.name} · mock-small · key sk-…${p.secret.slice(-4)} · stream · ttft \\d+ ms · total \\d+ ms · `));
		expect(result.stdout).not.toContain('never sent');
		expect(result.stderr).toContain('eval752: cancelled: mock-small — the run is stored as cancelled');
		expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
		const request = mock.chatRequests.at(-1)!;
		await vi.waitFor(() => expect(request.disconnected).toBe(true));

		const last = (await runs(p.name)).at(-1)!;
		expect(last).toMatchObject({outcome: 'cancelled', error_class: 'cancelled', key_row_id: p.keyId});
		expect(await keyValidation(p.keyId)).toEqual(validated);
	});

	it('an abort through the service does the same: a cancelled run, one audit row, the disconnect, the key untouched', async () => {
		const p = await provider();
		const gate = createGate();
		mock.script({kind: 'stream', tokens: ['one ', 'two'], holdAfterChunks: 1, release: gate.promise});
		const controller = new AbortController();
		const auditBefore = (await auditRows()).length;
		const seen: string[] = [];
		const outcome = await consume(runSmoke(tc.ctx, {provider: p.name}, controller.signal), (event) => {
			seen.push(event.type);
			if (event.type === 'delta') controller.abort();
		});
		gate.open();

		expect(seen).toEqual(['started', 'delta', 'failed']);
		expect(outcome).toMatchObject({outcome: 'cancelled', errorClass: 'cancelled'});
		const request = mock.chatRequests.at(-1)!;
		await vi.waitFor(() => expect(request.disconnected).toBe(true));
		expect(await runs(p.name)).toMatchObject([{id: outcome.runId, outcome: 'cancelled', error_class: 'cancelled'}]);
		expect(await keyValidation(p.keyId)).toEqual({at: null, validation: null});
		expect((await auditRows()).slice(auditBefore).map((row) => [row.action, row.details['outcome']])).toEqual([['smoke.run', 'cancelled']]);
	});

	it('a consumer that stops iterating early still leaves a stored (cancelled) run and closes the request', async () => {
		const p = await provider();
		const gate = createGate();
		mock.script({kind: 'stream', tokens: ['one ', 'two'], holdAfterChunks: 1, release: gate.promise});
		for await (const event of runSmoke(tc.ctx, {provider: p.name}, new AbortController().signal)) {
			if (event.type === 'delta') break;
		}
		gate.open();
		const request = mock.chatRequests.at(-1)!;
		await vi.waitFor(() => expect(request.disconnected).toBe(true));
		expect(await runs(p.name)).toMatchObject([{outcome: 'cancelled', error_class: 'cancelled'}]);
	});
});

describe('eval752 smoke --all-models', () => {
	it('with concurrency 1, one request at a time, each answer streamed in turn', async () => {
		const own = await ownServer();
		const p = await provider({models: ['mock-a', 'mock-b', 'mock-c'], rateLimits: {concurrency: 1}, server: own});
		own.setDefault({kind: 'stream', text: 'pong from the mock', chunkDelayMs: 10});

		const result = await smoke([p.name, '--all-models']);

		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(own.maxInFlight).toBe(1);
		expect(own.chatRequests.map((request) => (request.body as {model: string}).model)).toEqual(['mock-a', 'mock-b', 'mock-c']);
		const lines = result.stdout.split('\n');
		expect(lines[0]).toBe(`Probing 3 models of ${p.name} with the stream probe (concurrency 1 — enforced by eval752 for its own requests)`);
		for (const [index, model] of ['mock-a', 'mock-b', 'mock-c'].entries()) {
			expect(lines[1 + index * 3]).toBe(`── ${model}`);
			expect(lines[2 + index * 3]).toBe('pong from the mock');
			expect(lines[3 + index * 3]).toMatch(new RegExp(`^ok · ${p.name} · ${model} · key sk-…`));
		}
		expect(lines.slice(10)).toEqual(['3 models: 3 ok, 0 failed, 0 cancelled', '']);
		expect((await runs(p.name)).map((run) => [run.model_name, run.outcome])).toEqual([
			['mock-a', 'ok'],
			['mock-b', 'ok'],
			['mock-c', 'ok'],
		]);
	});

	it('with concurrency 2 over 4 models, never more than 2 in flight; progress lines; any failure → exit 1; --json array', async () => {
		const own = await ownServer();
		const p = await provider({models: ['mock-a', 'mock-b', 'mock-c', 'mock-d'], rateLimits: {concurrency: 2}, server: own});
		const gate = createGate();
		own.setDefault((request) => ((request.body as {model: string}).model === 'mock-c' ? mockErrors.modelNotFound()(request) : {kind: 'stream', text: 'pong pong', holdAfterChunks: 1, release: gate.promise}));

		const running = startSmoke([p.name, '--all-models']);
		await running.stdout.waitFor('started mock-b (2 of 4)');
		// Both slots are held by streams the server has not finished: the limiter keeps the rest back.
		await vi.waitFor(() => expect(own.chatRequests.map((request) => request.chunksWritten)).toEqual([1, 1]));
		expect(own.chatRequests.map((request) => (request.body as {model: string}).model)).toEqual(['mock-a', 'mock-b']);
		expect(own.inFlight).toBe(2);
		gate.open();
		const result = await running.done;

		expect(result.code).toBe(1);
		expect(own.maxInFlight).toBe(2);
		expect(result.stdout).toContain(`Probing 4 models of ${p.name} with the stream probe (concurrency 2 — enforced by eval752 for its own requests)`);
		for (const model of ['mock-a', 'mock-b', 'mock-c', 'mock-d']) expect(result.stdout).toMatch(new RegExp(`^started ${model} \\(\\d of 4\\)$`, 'm'));
		expect(result.stdout).toMatch(new RegExp(`^failed \\(model_not_found\\) · ${p.name} · mock-c · `, 'm'));
		expect(result.stdout).not.toMatch(/^pong/m);
		expect(result.stdout).toMatch(/4 models: 3 ok, 1 failed, 0 cancelled\n$/);
		expect(result.stderr).toMatch(/^eval752: model_not_found: .*mock-c.*\n {2}try: /);

		const json = await smoke([p.name, '--all-models', '--json']);
		expect(json.code).toBe(1);
		const parsed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
		expect(parsed.map((entry) => [entry['model'], entry['outcome'], (entry['error'] as {class?: string} | null)?.class ?? null])).toEqual([
			['mock-a', 'ok', null],
			['mock-b', 'ok', null],
			['mock-c', 'failed', 'model_not_found'],
			['mock-d', 'ok', null],
		]);
		for (const entry of parsed) expect(Object.keys(entry).sort()).toEqual(['error', 'excerpt', 'key', 'metrics', 'model', 'outcome', 'probeKind', 'provider', 'rateHeaders', 'runId', 'streamed']);
		expect((await runs(p.name)).length).toBe(8);
	});
});

describe('eval752 smoke: settings and usage', () => {
	it('honours the timeout_ms setting end to end: a provider that never answers, then one that stalls mid-stream → timeout', async () => {
		const p = await provider();
		await setSetting(tc.ctx, 'timeout_ms', 1000);
		try {
			mock.script({kind: 'hang'}, {kind: 'stream', tokens: ['half ', 'never'], stallAfterChunks: 1});

			const silent = await smoke([p.name]);
			expect(silent.code).toBe(1);
			expect(silent.stderr).toMatch(new RegExp(`^eval752: timeout: Provider ${p.name} sends nothing within 1 s`));

			const stalled = await smoke([p.name]);
			expect(stalled.code).toBe(1);
			expect(stalled.stdout).toMatch(/^half \nfailed \(timeout\) · /);
			expect(stalled.stderr).toMatch(new RegExp(`^eval752: timeout: Provider ${p.name} stops streaming for more than 1 s`));
		} finally {
			await setSetting(tc.ctx, 'timeout_ms', 60_000);
		}
		expect((await runs(p.name)).map((run) => [run.outcome, run.error_class])).toEqual([
			['failed', 'timeout'],
			['failed', 'timeout'],
		]);
		expect((await keyValidation(p.keyId)).validation).toMatchObject({outcome: 'failed', errorClass: 'timeout'});
	});

	it('refuses bad invocations with exit 2 and stores nothing', async () => {
		const p = await provider();
		const counted = async () => (await tc.ctx.db.sql<{n: number}[]>`select count(*)::int as n from smoke_runs`)[0]!.n;
		const before = await counted();

		const missing = await runCli(['smoke'], {database: tc.t.db, env});
		expect(missing).toMatchObject({code: 2, stdout: ''});
		expect(missing.stderr).toBe('eval752: smoke: missing PROVIDER — eval752 smoke --help\n');

		const both = await smoke([p.name, '--all-models', '--model', 'mock-small']);
		expect(both.code).toBe(2);
		expect(both.stderr).toContain('--model and --all-models exclude each other');

		const spaced = await smoke([p.name, '--model', 'mock small']);
		expect(spaced.code).toBe(2);
		expect(spaced.stderr).toContain("Model name can't contain spaces");

		const escaped = await smoke([p.name, '--model', 'mock\u001b]0;x\u0007']);
		expect(escaped.code).toBe(2);
		expect(escaped.stderr).not.toMatch(ESCAPE_OR_C1);

		const unknown = await smoke(['no-such-provider']);
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toContain('No provider named no-such-provider');

		expect(await counted()).toBe(before);
	});

	it('a provider whose family needs a key and has none active → a clear error, nothing sent', async () => {
		const name = `keyless${++counter}`;
		await createProvider(tc.ctx, {name, type: 'openai', baseUrl: mock.baseUrl});
		await addModel(tc.ctx, name, {modelName: 'mock-small'});
		const sent = mock.chatRequests.length;
		const result = await smoke([name]);
		expect(result.code).toBe(1);
		expect(result.stderr).toBe(`eval752: Provider ${name} has no active key — add one: eval752 keys add ${name} --from-stdin\n`);
		expect(mock.chatRequests.length).toBe(sent);
	});

	it('--help documents the options, the exit codes and the JSON shape', async () => {
		const help = await runCli(['smoke', '--help']);
		expect(help.code).toBe(0);
		for (const text of ['--model MODEL', '--key KEY', '--all-models', '--json', 'Exit codes: 0 ok', '1 a run failed', '2 usage', '130 cancelled', '"runId"', '"outcome": "ok" | "failed" | "cancelled"', '"tokensPerSecond"', 'enforced by eval752 for its own requests']) {
			expect(help.stdout).toContain(text);
		}
	});
});

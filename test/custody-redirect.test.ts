import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {families, providerTypes, type ProviderType} from '../source/domain/families.js';
import {authHeaders} from '../source/providers/families.js';
import {modelsProbe, smoke, type ProviderConnection, type SmokeEvent} from '../source/providers/index.js';
import {DestinationRefused, providerFetch} from '../source/providers/door.js';
import {addKey} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider, getProvider, providerSummary} from '../source/services/providers.js';
import {providerHealth} from '../source/services/health.js';
import {runSmoke} from '../source/services/smoke.js';
import {consume} from '../source/lib/stream.js';
import {ValidationError} from '../source/errors.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {credentialsOf, startCollector, startRedirector, type Collector, type Redirector} from './support/hostile-redirect.js';

/**
 * RELIABILITY 41 and 42 as an attacker plays them: the provider's configured address answers
 * every request with a redirect — 301, 302, 307, 308 — to another port on the same host, or to
 * the same socket under another host name (`localhost` for `127.0.0.1`: another origin). For
 * each of the 15 families, with a key stored, through GET /models, a chat request and a stream:
 * the other origin receives nothing at all (no credential, no request), the configured origin
 * receives the family's own auth header, and the verdict is "redirect", naming the Location
 * origin. A control sends the same redirect through a client that follows it, to prove these
 * servers catch a key when one leaves.
 */

const statuses = [301, 302, 307, 308] as const;
const KEY = 'sk-custody-0123456789abcdefghijklmnopqrstuv';

let redirector: Redirector;
let collector: Collector;
let c: TestContext;

beforeAll(async () => {
	redirector = await startRedirector();
	collector = await startCollector();
	c = await testContext();
});

afterAll(async () => {
	await redirector.close();
	await collector.close();
	await c.t.drop();
});

function connection(type: ProviderType, baseUrl = redirector.baseUrl): ProviderConnection {
	return {id: `p-${type}`, name: `hostile-${type}`, type, baseUrl, extraHeaders: {'X-Team': 'evals'}, capabilities: ['system_prompt', 'streaming']};
}

type Last = Extract<SmokeEvent, {type: 'finished' | 'failed'}>;

async function lastEvent(events: AsyncIterable<SmokeEvent>): Promise<Last> {
	let last: Last | undefined;
	for await (const event of events) if (event.type === 'finished' || event.type === 'failed') last = event;
	return last!;
}

/** The three requests a probe sends: GET /models, one chat completion, one stream. */
function probes(provider: ProviderConnection): Array<[string, () => AsyncIterable<SmokeEvent>]> {
	const signal = new AbortController().signal;
	const base = {provider, apiKey: KEY, model: 'hostile-model', prompt: 'hi', maxOutputTokens: 8, temperature: 0, timeoutMs: 5000, maxRetries: 0};
	return [
		['models', () => modelsProbe({provider, apiKey: KEY, model: 'hostile-model', timeoutMs: 5000, maxRetries: 0}, signal)],
		['chat', () => smoke({...base, stream: false}, signal)],
		['stream', () => smoke({...base, stream: true}, signal)],
	];
}

const destinations = [
	{label: 'the same host, another port', location: () => collector.origin, leaks: () => collector.requests},
	{label: 'another host name for the same loopback socket', location: () => `http://localhost:${redirector.port}`, leaks: () => redirector.leaked},
] as const;

describe('case 41: a base URL that redirects gets no key to follow it, in any family', () => {
	it('control: a client that follows redirects carries Azure’s api-key and Anthropic’s x-api-key to the other origin, and these servers catch it', async () => {
		redirector.redirect(307, collector.origin);
		const before = collector.requests.length;
		const response = await fetch(`${redirector.baseUrl}/models`, {headers: {'api-key': KEY, 'x-api-key': KEY, Authorization: `Bearer ${KEY}`}});
		expect(response.status).toBe(200);
		const caught = collector.requests.slice(before);
		expect(caught).toHaveLength(1);
		// fetch drops Authorization on a cross-origin redirect, but not the other families' headers.
		expect(credentialsOf(caught[0]!)).toEqual({'api-key': KEY, 'x-api-key': KEY});
		collector.requests.length = 0;
	});

	for (const destination of destinations) {
		for (const status of statuses) {
			it(`case 41: ${status} to ${destination.label}: all 15 families × models, chat and stream — nothing reaches the other origin; the verdict is "redirect" naming it`, async () => {
				const location = destination.location();
				redirector.redirect(status, location);
				const seenBefore = redirector.requests.length;
				for (const type of providerTypes) {
					const provider = connection(type);
					for (const [kind, run] of probes(provider)) {
						const last = await lastEvent(run());
						const label = `${type} ${kind} ${status}`;
						expect(last.type, label).toBe('failed');
						if (last.type !== 'failed') continue;
						expect(last.error.class, label).toBe('redirect');
						expect(last.error.message, label).toContain(`redirect to ${location}`);
						expect(last.error.message, label).toContain(`sends keys only to ${redirector.origin}`);
						expect(last.error.hint, label).toMatch(/base URL/);
						expect(`${last.error.message} ${last.error.hint}`, label).not.toContain(KEY.slice(3, 15));
					}
				}
				expect(destination.leaks(), `${status} to ${location}`).toEqual([]);
				// Each family's own header went to the configured origin, and only there: once per request.
				const seen = redirector.requests.slice(seenBefore);
				expect(seen).toHaveLength(providerTypes.length * 3);
				for (const [index, type] of providerTypes.entries()) {
					for (const request of seen.slice(index * 3, index * 3 + 3)) {
						const expected = Object.fromEntries(Object.entries(authHeaders(type, KEY)).map(([name, value]) => [name.toLowerCase(), value]).filter(([name]) => name !== 'anthropic-version'));
						expect(credentialsOf(request), `${type} ${request.path}`).toEqual(expected);
					}
				}
			});
		}
	}

	it('case 41: a redirect to another path of the same origin is not followed either, and says so', async () => {
		redirector.redirect(308, redirector.origin + '/moved');
		const last = await lastEvent(modelsProbe({provider: connection('azure-openai'), apiKey: KEY, model: 'm', timeoutMs: 5000, maxRetries: 0}, new AbortController().signal));
		expect(last.type === 'failed' && last.error.class).toBe('redirect');
		expect(last.type === 'failed' && last.error.message).toContain(`redirect to another path on ${redirector.origin}`);
		expect(redirector.leaked).toEqual([]);
	});

	it('case 41: a request for another origin than the base URL never leaves the door', async () => {
		let sent = 0;
		const door = providerFetch({name: 'p', type: 'anthropic', baseUrl: redirector.baseUrl}, async () => {
			sent++;
			return new Response('');
		});
		await expect(door(`${collector.origin}/v1/models`, {headers: {'x-api-key': KEY}})).rejects.toBeInstanceOf(DestinationRefused);
		await expect(door(`http://localhost:${redirector.port}/v1/models`)).rejects.toMatchObject({kind: 'origin'});
		expect(sent).toBe(0);
	});
});

describe(`case 41: a probe of a stored provider that redirects (${databaseKind})`, () => {
	it('case 41: runSmoke and eval752 smoke store and print the "redirect" verdict with the Location origin; the provider is failing; nothing reached the other origin', async () => {
		redirector.redirect(301, collector.origin);
		collector.requests.length = 0;
		const provider = await createProvider(c.ctx, {name: 'moved-azure', type: 'azure-openai', baseUrl: `${redirector.origin}/openai/v1`, capabilities: ['streaming']});
		await addModel(c.ctx, provider.id, {modelName: 'gpt-4o-deploy'});
		await addKey(c.ctx, provider.id, {secret: KEY, label: 'main'});

		const outcome = await consume(runSmoke(c.ctx, {provider: 'moved-azure', probe: 'stream'}, new AbortController().signal), () => undefined);
		expect(outcome.errorClass).toBe('redirect');
		expect(outcome.message).toContain(`301 redirect to ${collector.origin}`);
		const [run] = await c.ctx.db.sql`select error_class, error_message from smoke_runs where provider_id = ${provider.id}`;
		expect(run).toEqual({error_class: 'redirect', error_message: expect.stringContaining(`redirect to ${collector.origin}`)});

		const cli = await runCli(['smoke', 'moved-azure', '--probe', 'models'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(cli.code).toBe(1);
		expect(cli.stdout + cli.stderr).toMatch(/redirect/);
		expect(cli.stdout + cli.stderr).toContain(collector.origin);
		expect(cli.stdout + cli.stderr).not.toContain(KEY.slice(3, 15));

		const health = providerHealth(await providerSummary(c.ctx, 'moved-azure'), {now: new Date(), maxAgeMs: 60_000});
		expect(health.state).toBe('failing');
		expect(health.reason).toMatch(/redirects elsewhere/);
		expect(collector.requests).toEqual([]);
	});
});

describe(`case 42: plain http:// to a public vendor is refused; to a self-hosted server it is warned about (${databaseKind})`, () => {
	it('case 42: providers add and edit refuse http:// to a public vendor host, name the fix and write nothing', async () => {
		const before = await rowCounts(c.ctx);
		for (const type of providerTypes.filter((family) => families[family].publicVendor)) {
			const error = await createProvider(c.ctx, {name: `clear-${type}`, type, baseUrl: 'http://api.anthropic.com/v1'}).catch((caught: unknown) => caught);
			expect(error, type).toBeInstanceOf(ValidationError);
			expect((error as ValidationError).issues['baseUrl'], type).toBe(`Base URL http://api.anthropic.com is plain http:// to ${families[type].label}, a public service: use https:// (a key never travels in cleartext)`);
		}
		expect(await rowCounts(c.ctx)).toEqual(before);
		const cli = await runCli(['providers', 'add', '--name', 'clear-anthropic', '--type', 'anthropic', '--base-url', 'http://api.anthropic.com/v1'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(cli.code).toBe(2);
		expect(cli.stderr).toMatch(/cleartext/);
		// Loopback is this machine: http there stays allowed for every family (local mocks, tunnels).
		await createProvider(c.ctx, {name: 'tunnel-openai', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1'});
		const edit = await runCli(['providers', 'edit', 'tunnel-openai', '--base-url', 'http://gateway.example.com/v1'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(edit.code).toBe(2);
		expect((await getProvider(c.ctx, 'tunnel-openai')).baseUrl).toBe('http://127.0.0.1:9/v1');
	});

	it('case 42: a row edited behind eval752’s back to http:// for a public vendor sends nothing: the probe says "insecure"', async () => {
		const provider = await createProvider(c.ctx, {name: 'edited-anthropic', type: 'anthropic', capabilities: ['streaming']});
		await addModel(c.ctx, provider.id, {modelName: 'claude-x'});
		await addKey(c.ctx, provider.id, {secret: `${KEY}-anthropic`});
		await c.ctx.db.sql`update providers set base_url = 'http://api.anthropic.com/v1' where id = ${provider.id}`;
		let sent = 0;
		const door = () =>
			providerFetch({name: 'edited-anthropic', type: 'anthropic', baseUrl: 'http://api.anthropic.com/v1'}, async () => {
				sent++;
				return new Response('');
			});
		expect(door).toThrow(DestinationRefused);
		for (const probe of ['models', 'chat', 'stream'] as const) {
			const outcome = await consume(runSmoke(c.ctx, {provider: 'edited-anthropic', probe}, new AbortController().signal), () => undefined);
			expect(outcome.errorClass, probe).toBe('insecure');
			expect(outcome.message, probe).toMatch(/plain http:\/\/ to Anthropic, a public service: the key would travel in cleartext, so nothing was sent/);
		}
		expect(sent).toBe(0);
	});

	it('case 42: http:// to a self-hosted server on another machine is saved, with a loud warning from the CLI, once per save', async () => {
		const add = await runCli(['providers', 'add', '--name', 'gpu-box', '--type', 'vllm', '--base-url', 'http://gpu-box.internal:8000/v1'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(add.code).toBe(0);
		expect(add.stderr.match(/warning:/g)).toHaveLength(1);
		expect(add.stderr).toContain('warning: Base URL http://gpu-box.internal:8000 is plain http:// to another machine: the key and every prompt cross that network in cleartext');
		const quiet = await runCli(['providers', 'add', '--name', 'local-vllm', '--type', 'vllm', '--base-url', 'http://127.0.0.1:8000/v1'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(quiet.code).toBe(0);
		expect(quiet.stderr).toBe('');
		// doctor names both kinds: the self-hosted one as a warning, the public vendor edited to http (above) as a failure.
		const doctor = await runCli(['doctor'], {database: c.ctx.db, env: {ENCRYPTION_KEY: c.keyHex}});
		expect(doctor.stdout).toContain('warn  provider gpu-box: Base URL http://gpu-box.internal:8000 is plain http:// to another machine');
		expect(doctor.stdout).toContain('FAIL  provider edited-anthropic: Base URL http://api.anthropic.com is plain http:// to Anthropic, a public service');
		expect(doctor.stdout).not.toMatch(/provider local-vllm/);
		expect(doctor.code).toBe(1);
	});
});

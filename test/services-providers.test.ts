import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ConflictError, NotFoundError, UserError} from '../source/errors.js';
import {tailAudit} from '../source/services/audit.js';
import {addKey} from '../source/services/keys.js';
import {addModel, listModels} from '../source/services/models.js';
import {createProvider, deleteProvider, getProvider, listProviders, setProviderEnabled, updateProvider} from '../source/services/providers.js';
import type {ServiceContext} from '../source/services/context.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext, expectRefused} from './support/context.js';

let c: TestContext;
let serial = 0;

beforeAll(async () => {
	c = await testContext();
});

afterAll(async () => {
	await c.t.drop();
});

/** A valid provider input with a fresh name; override any field. */
function providerInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	serial++;
	return {name: `provider-${serial}`, type: 'openai', ...overrides};
}

function secret(): string {
	serial++;
	return `sk-test-${serial}-${Math.random().toString(36).slice(2)}abcdefgh`;
}

/** Runs `work`, expects a ValidationError on `field` matching `message`, and proves nothing was written. */
const refused = (work: () => Promise<unknown>, field: string, message: RegExp) => expectRefused(c.ctx, work, field, message);

async function lastAudit(ctx: ServiceContext = c.ctx) {
	const [row] = await tailAudit(ctx, 1);
	return row!;
}

describe(`providers (${databaseKind})`, () => {
	it('creates a provider with the family default base URL and audits it', async () => {
		const provider = await createProvider(c.ctx, {name: '  Groq  ', type: 'groq', capabilities: 'tools, streaming', rateLimits: {rpm: '30'}, extraHeaders: {'X-Team': 'evals'}});
		expect(provider).toMatchObject({
			name: 'Groq',
			type: 'groq',
			baseUrl: 'https://api.groq.com/openai/v1',
			capabilities: ['tools', 'streaming'],
			rateLimits: {rpm: 30, rps: null, concurrency: null},
			extraHeaders: {'X-Team': 'evals'},
			enabled: true,
			version: 1,
			updatedBy: 'tester@test',
		});
		const audit = await lastAudit();
		expect(audit).toMatchObject({action: 'provider.create', targetType: 'provider', targetId: provider.id, actor: 'tester@test'});
		expect(audit.details).toMatchObject({after: {name: 'Groq', baseUrl: 'https://api.groq.com/openai/v1'}});
	});

	it('finds a provider by name in any case or by id', async () => {
		const provider = await createProvider(c.ctx, providerInput({name: 'Mistral-EU', type: 'mistral'}));
		expect((await getProvider(c.ctx, 'mistral-eu')).id).toBe(provider.id);
		expect((await getProvider(c.ctx, provider.id)).name).toBe('Mistral-EU');
		await expect(getProvider(c.ctx, 'nope')).rejects.toThrow(NotFoundError);
	});

	it('refuses a second provider with the same name in another case', async () => {
		await createProvider(c.ctx, providerInput({name: 'deepseek-main', type: 'deepseek'}));
		const before = await rowCounts(c.ctx);
		await expect(createProvider(c.ctx, providerInput({name: 'DeepSeek-Main', type: 'deepseek'}))).rejects.toThrow('A provider named DeepSeek-Main already exists');
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('requires a base URL for families without a default', async () => {
		await refused(() => createProvider(c.ctx, providerInput({type: 'azure-openai'})), 'baseUrl', /required for Azure OpenAI/);
		const gateway = await createProvider(c.ctx, providerInput({type: 'openai-compatible', baseUrl: 'HTTP://Gateway.Internal:8080/v1///'}));
		expect(gateway.baseUrl).toBe('http://gateway.internal:8080/v1');
	});

	it('edits only the given fields, bumps the version and audits before/after of what changed', async () => {
		const provider = await createProvider(c.ctx, providerInput({rateLimits: {rpm: 10, rps: 2}}));
		const updated = await updateProvider(c.as('alice@ops'), provider.id, 1, {rateLimits: {rpm: null}, capabilities: ['json_mode']});
		expect(updated).toMatchObject({version: 2, updatedBy: 'alice@ops', rateLimits: {rpm: null, rps: 2, concurrency: null}, capabilities: ['json_mode'], baseUrl: provider.baseUrl, name: provider.name});
		const audit = await lastAudit();
		expect(audit.action).toBe('provider.update');
		expect(audit.actor).toBe('alice@ops');
		expect(audit.details).toEqual({
			name: provider.name,
			version: 2,
			fields: ['capabilities', 'rateLimits.rpm'],
			before: {rateLimits: {rpm: 10, rps: 2, concurrency: null}, capabilities: []},
			after: {rateLimits: {rpm: null, rps: 2, concurrency: null}, capabilities: ['json_mode']},
		});
		const reset = await updateProvider(c.ctx, provider.id, 2, {baseUrl: ''});
		expect(reset.baseUrl).toBe('https://api.openai.com/v1');
	});

	it('refuses a stale version with a conflict naming who changed it', async () => {
		const provider = await createProvider(c.ctx, providerInput());
		await updateProvider(c.as('alice@ops'), provider.id, 1, {capabilities: ['tools']});
		const before = await rowCounts(c.ctx);
		const error = await updateProvider(c.as('bob@ops'), provider.id, 1, {capabilities: ['reasoning']}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ConflictError);
		expect((error as ConflictError).changedBy).toBe('alice@ops');
		expect((error as Error).message).toMatch(new RegExp(`^Provider ${provider.name} was changed by alice@ops \\d+ s ago: capabilities$`));
		expect(await rowCounts(c.ctx)).toEqual(before);
		expect((await getProvider(c.ctx, provider.id)).capabilities).toEqual(['tools']);
	});

	it('two concurrent edits from the same version: exactly one wins, the other conflicts, nothing is lost', async () => {
		const provider = await createProvider(c.ctx, providerInput({rateLimits: {rpm: 5}}));
		const results = await Promise.allSettled([
			updateProvider(c.as('alice@ops'), provider.id, 1, {rateLimits: {rpm: 60}}),
			updateProvider(c.as('bob@ops'), provider.id, 1, {capabilities: ['tools']}),
		]);
		const won = results.filter((result) => result.status === 'fulfilled');
		const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
		expect(won).toHaveLength(1);
		expect(lost).toHaveLength(1);
		expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
		const winner = (won[0] as PromiseFulfilledResult<{updatedBy: string | null}>).value.updatedBy;
		expect((lost[0]!.reason as ConflictError).changedBy).toBe(winner);
		const after = await getProvider(c.ctx, provider.id);
		expect(after.version).toBe(2);
		// The loser reloads and applies again: both changes are there.
		const loserPatch = winner === 'alice@ops' ? {capabilities: ['tools']} : {rateLimits: {rpm: 60}};
		const final = await updateProvider(c.as(winner === 'alice@ops' ? 'bob@ops' : 'alice@ops'), provider.id, after.version, loserPatch);
		expect(final).toMatchObject({version: 3, rateLimits: {rpm: 60}, capabilities: ['tools']});
		const audits = (await tailAudit(c.ctx, 2)).map((row) => row.action);
		expect(audits).toEqual(['provider.update', 'provider.update']);
	});

	it('enables and disables, refusing a no-op', async () => {
		const provider = await createProvider(c.ctx, providerInput());
		const disabled = await setProviderEnabled(c.ctx, provider.id, false);
		expect(disabled).toMatchObject({enabled: false, version: 2});
		expect(await lastAudit()).toMatchObject({action: 'provider.disable', details: {before: {enabled: true}, after: {enabled: false}}});
		await expect(setProviderEnabled(c.ctx, provider.id, false)).rejects.toThrow(/already disabled/);
		await expect(setProviderEnabled(c.ctx, provider.id, true, 1)).rejects.toThrow(ConflictError);
		expect((await setProviderEnabled(c.ctx, provider.id, true, 2)).enabled).toBe(true);
		expect((await lastAudit()).action).toBe('provider.enable');
	});

	it('refuses to delete a provider with active keys unless forced, and deletes keys and models with it', async () => {
		const provider = await createProvider(c.ctx, providerInput());
		await addKey(c.ctx, provider.name, {secret: secret(), label: 'main'});
		await addModel(c.ctx, provider.name, {modelName: 'gpt-4o-mini'});
		const before = await rowCounts(c.ctx);
		await expect(deleteProvider(c.ctx, provider.id)).rejects.toThrow(`Provider ${provider.name} has 1 active key; deleting it deletes them too`);
		expect(await rowCounts(c.ctx)).toEqual(before);
		await deleteProvider(c.ctx, provider.id, {force: true});
		const after = await rowCounts(c.ctx);
		expect(after).toMatchObject({providers: before['providers']! - 1, provider_keys: before['provider_keys']! - 1, models: before['models']! - 1, audit_log: before['audit_log']! + 1});
		expect(await lastAudit()).toMatchObject({action: 'provider.delete', details: {keysDeleted: 1, modelsDeleted: 1, before: {name: provider.name}}});
		await expect(getProvider(c.ctx, provider.id)).rejects.toThrow(NotFoundError);
		expect(await listModels(c.ctx, provider.id)).toEqual([]);
	});

	it('lists providers by name with key and model counts', async () => {
		const provider = await createProvider(c.ctx, providerInput({name: 'aaa-first'}));
		await addKey(c.ctx, provider.id, {secret: secret()});
		await addKey(c.ctx, provider.id, {secret: secret(), status: 'disabled'});
		await addModel(c.ctx, provider.id, {modelName: 'm1'});
		const list = await listProviders(c.ctx);
		expect(list[0]).toMatchObject({name: 'aaa-first', keysActive: 1, keysTotal: 2, models: 1, lastSmoke: null});
		const names = list.map((p) => p.name.toLowerCase());
		expect(names).toEqual([...names].sort());
	});

	it('refuses every write in a read-only session', async () => {
		const before = await rowCounts(c.ctx);
		await expect(createProvider(c.as('x', {readOnly: true}), providerInput())).rejects.toThrow(/read-only/);
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('a rolled-back mutation leaves no audit row', async () => {
		const provider = await createProvider(c.ctx, providerInput());
		const other = await createProvider(c.ctx, providerInput());
		const before = await rowCounts(c.ctx);
		// The name clash is found by the unique index inside the transaction, after the audit lock.
		await expect(updateProvider(c.ctx, other.id, 1, {name: provider.name.toUpperCase()})).rejects.toThrow(UserError);
		expect(await rowCounts(c.ctx)).toEqual(before);
	});
});

describe(`provider input hardening (${databaseKind})`, () => {
	const long = (n: number) => 'x'.repeat(n);

	it.each([
		['empty', '', /Name is required/],
		['whitespace only', '   ', /Name can't be only spaces/],
		['too long', long(65), /Name is 65 characters long; the limit is 64/],
		['wrong type', 42, /Name must be text/],
		['escape sequence', 'evil\x1b[2Jname', /Name can't contain control or escape characters \(found U\+001B\) — names may use letters of any script/],
		['newline', 'two\nlines', /found U\+000A/],
		['bidi override', 'abc\u202Egpj', /found U\+202E/],
		['zero-width joiner', 'a\u200Db', /found U\+200D/],
		['an id', '0b8e5bc2-6d0f-4c6e-9c7b-1d1f0e3a9a11', /can't look like an id/],
	])('name: %s is refused', async (_case, name, message) => {
		await refused(() => createProvider(c.ctx, providerInput({name})), 'name', message);
	});

	it.each([
		['unicode letters', 'Größe 東京 Ωmega'],
		['SQL metacharacters', `o'brien"; drop table providers; --`],
		['exactly 64 characters', 'é'.repeat(64)],
	])('name: %s is stored exactly', async (_case, name) => {
		const provider = await createProvider(c.ctx, providerInput({name}));
		const [row] = await c.ctx.db.sql<{name: string}[]>`select name from providers where id = ${provider.id}`;
		expect(row!.name).toBe(name);
	});

	it.each([
		['empty', '', /Type is required — one of openai, azure-openai/],
		['whitespace only', '  ', /Type is required/],
		['too long', long(300), /Type must be one of openai/],
		['wrong type', 7, /Type must be text/],
		['unicode', 'öpenai', /Type must be one of .* \(got "öpenai"\)/],
		['SQL metacharacters', `openai'; --`, /Type must be one of/],
		['escape sequence', 'openai\x1b[31m', /Type must be one of [^\x1b]*$/],
	])('type: %s is refused', async (_case, type, message) => {
		await refused(() => createProvider(c.ctx, providerInput({type})), 'type', message);
	});

	it.each([
		['whitespace only', '   ', /Base URL can't be only spaces/],
		['too long', `https://example.com/${long(2100)}`, /limit is 2048/],
		['wrong type', 443, /Base URL must be text/],
		['not a URL', 'api.example.com/v1', /must be a full URL/],
		['another scheme', 'ftp://files.example.com', /must use http:\/\/ or https:\/\/ \(not ftp\)/],
		['javascript scheme', 'javascript:alert(1)', /must use http:\/\/ or https:\/\//],
		['credentials', 'https://user:pw@api.example.com/v1', /can't carry credentials .* put secrets in a key/],
		['query string', 'https://api.example.com/v1?api_key=abc', /can't have a query string/],
		['empty query string', 'https://api.example.com/v1?', /can't have a query string/],
		['fragment', 'https://api.example.com/v1#top', /can't have a fragment/],
		['spaces inside', 'https://api.example.com/v 1', /can't contain spaces/],
		['escape sequence', 'https://api.example.com/\x1b]52;c;AAAA\x07', /control or escape characters \(found U\+001B\)/],
	])('base URL: %s is refused', async (_case, baseUrl, message) => {
		await refused(() => createProvider(c.ctx, providerInput({type: 'openai-compatible', baseUrl})), 'baseUrl', message);
	});

	it.each([
		['a trailing slash', 'https://API.example.com/v1/', 'https://api.example.com/v1'],
		['unicode host', 'https://bücher.example/v1', 'https://xn--bcher-kva.example/v1'],
		['SQL metacharacters in the path', `https://api.example.com/v1';--`, `https://api.example.com/v1';--`],
	])('base URL: %s is normalised and stored', async (_case, baseUrl, stored) => {
		const provider = await createProvider(c.ctx, providerInput({type: 'openai-compatible', baseUrl}));
		const [row] = await c.ctx.db.sql<{base_url: string}[]>`select base_url from providers where id = ${provider.id}`;
		expect(row!.base_url).toBe(stored);
	});

	it.each([
		['too long', long(100), /Capability is unknown — use system_prompt, json_mode/],
		['wrong type', 5, /Capabilities must be a list/],
		['wrong item type', [1], /must be a list of names/],
		['unicode', 'tööls', /Capability "tööls" is unknown/],
		['SQL metacharacters', `tools'; --`, /Capability "tools'; --" is unknown/],
		['escape sequence', 'tools\x1b[2J', /Capability is unknown/],
	])('capabilities: %s is refused', async (_case, capabilities, message) => {
		await refused(() => createProvider(c.ctx, providerInput({capabilities})), 'capabilities', message);
	});

	it('capabilities: empty and whitespace mean none; labels and slugs both work', async () => {
		expect((await createProvider(c.ctx, providerInput({capabilities: ''}))).capabilities).toEqual([]);
		expect((await createProvider(c.ctx, providerInput({capabilities: '  '}))).capabilities).toEqual([]);
		expect((await createProvider(c.ctx, providerInput({capabilities: 'Image input, system-prompt,TOOLS,tools'}))).capabilities).toEqual(['system_prompt', 'image_input', 'tools']);
	});

	for (const limit of ['rpm', 'rps', 'concurrency'] as const) {
		it.each([
			['too large', '1000001'],
			['zero', 0],
			['negative', -5],
			['a fraction', 1.5],
			['wrong type', true],
			['words', 'ten'],
			['unicode digits', '١٢'],
			['SQL metacharacters', '1; drop table providers'],
			['escape sequence', '5\x1b[A'],
		])(`${limit}: %s is refused`, async (_case, value) => {
			await refused(() => createProvider(c.ctx, providerInput({rateLimits: {[limit]: value}})), `rateLimits.${limit}`, /must be a whole number from 1 to 1000000, or empty for no limit/i);
		});

		it(`${limit}: empty and whitespace clear the limit`, async () => {
			const provider = await createProvider(c.ctx, providerInput({rateLimits: {[limit]: ''}}));
			expect(provider.rateLimits[limit]).toBeNull();
			expect((await createProvider(c.ctx, providerInput({rateLimits: {[limit]: '  '}}))).rateLimits[limit]).toBeNull();
		});
	}

	it.each([
		['empty name', {'': 'v'}, /Header name is required/],
		['whitespace name', {'  ': 'v'}, /Header name can't be only spaces/],
		['too long name', {[`X-${long(70)}`]: 'v'}, /limit is 64/],
		['wrong type', ['X-A: b'], /must be a map of name to value/],
		['wrong value type', {'X-Team': 5}, /Header X-Team value must be text/],
		['empty value', {'X-Team': ''}, /Header X-Team value is required/],
		['unicode name', {'X-Équipe': 'v'}, /may use only letters, digits/],
		['unicode value', {'X-Team': 'café'}, /must be plain printable ASCII/],
		['SQL metacharacters in the name', {"X-A'; drop": 'v'}, /may use only letters, digits/],
		['CRLF injection', {'X-Team': 'a\r\nX-Injected: 1'}, /control or escape characters \(found U\+000D\)/],
		['too long value', {'X-Team': long(1025)}, /limit is 1024/],
		['Authorization', {Authorization: 'Bearer sk-x'}, /Header Authorization looks like it carries a secret — put secrets in a key/],
		['api-key', {'api-key': 'abc'}, /put secrets in a key/],
		['x-api-key', {'X-API-Key': 'abc'}, /put secrets in a key/],
		['proxy-authorization', {'Proxy-Authorization': 'Basic x'}, /put secrets in a key/],
		['cookie', {Cookie: 'session=1'}, /put secrets in a key/],
		['a token header', {'X-Auth-Token': 't'}, /put secrets in a key/],
		['a secret header', {'X-Client-Secret': 's'}, /put secrets in a key/],
		['host', {Host: 'evil.example'}, /set by eval752 itself/],
		['twice', {'X-Team': 'a', 'x-team': 'b'}, /given twice/],
	])('headers: %s is refused', async (_case, extraHeaders, message) => {
		await refused(() => createProvider(c.ctx, providerInput({extraHeaders})), 'extraHeaders', message);
	});

	it('headers: SQL metacharacters in a value are stored exactly', async () => {
		const value = `a'; drop table providers; --`;
		const provider = await createProvider(c.ctx, providerInput({extraHeaders: {'HTTP-Referer': value}}));
		const [row] = await c.ctx.db.sql<{extra_headers: Record<string, string>}[]>`select extra_headers from providers where id = ${provider.id}`;
		expect(row!.extra_headers).toEqual({'HTTP-Referer': value});
	});

	it('refuses unknown fields and non-object input', async () => {
		await refused(() => createProvider(c.ctx, providerInput({apiKey: 'sk-x'})), 'apiKey', /not a field here/);
		await refused(() => createProvider(c.ctx, 'groq'), 'input', /must be an object/);
		const provider = await createProvider(c.ctx, providerInput());
		await refused(() => updateProvider(c.ctx, provider.id, 1, {}), 'input', /Nothing to change/);
		await refused(() => updateProvider(c.ctx, provider.id, 0, {name: 'x'}), 'expectedVersion', /whole number/);
	});

	it('an edit with a bad field changes nothing (row, version and audit)', async () => {
		const provider = await createProvider(c.ctx, providerInput());
		await refused(() => updateProvider(c.ctx, provider.id, 1, {name: 'fine', baseUrl: 'https://x.example/v1?token=1'}), 'baseUrl', /query string/);
		expect(await getProvider(c.ctx, provider.id)).toEqual(provider);
	});
});

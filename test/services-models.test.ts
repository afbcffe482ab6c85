import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {normaliseAlias} from '../source/domain/model.js';
import {ConflictError, ValidationError} from '../source/errors.js';
import {tailAudit} from '../source/services/audit.js';
import {addModel, deleteModel, listAliases, listModels, resolveModel, updateModel} from '../source/services/models.js';
import {createProvider, setProviderEnabled} from '../source/services/providers.js';
import type {Provider} from '../source/domain/provider.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext, expectRefused} from './support/context.js';

let c: TestContext;
let groq: Provider;
let together: Provider;
let serial = 0;

beforeAll(async () => {
	c = await testContext();
	groq = await createProvider(c.ctx, {name: 'Groq', type: 'groq', capabilities: ['tools', 'streaming']});
	together = await createProvider(c.ctx, {name: 'together', type: 'together'});
});

afterAll(async () => {
	await c.t.drop();
});

function modelName(): string {
	serial++;
	return `model-${serial}`;
}

const refused = (work: () => Promise<unknown>, field: string, message: RegExp) => expectRefused(c.ctx, work, field, message);

describe(`models and aliases (${databaseKind})`, () => {
	it('adds a model with label and normalised alias, audited', async () => {
		const model = await addModel(c.ctx, 'groq', {modelName: 'llama-3.3-70b-versatile', displayLabel: 'Llama 3.3 70B', alias: '  Llama-70B '});
		expect(model).toMatchObject({providerId: groq.id, modelName: 'llama-3.3-70b-versatile', displayLabel: 'Llama 3.3 70B', alias: 'llama-70b', version: 1});
		const [audit] = await tailAudit(c.ctx, 1);
		expect(audit).toMatchObject({action: 'model.add', targetType: 'model', targetId: model.id, details: {provider: 'Groq', after: {modelName: 'llama-3.3-70b-versatile', displayLabel: 'Llama 3.3 70B', alias: 'llama-70b'}}});
	});

	it('defaults the display label to the model name', async () => {
		const model = await addModel(c.ctx, together.id, {modelName: 'meta-llama/Llama-3-70b-chat-hf'});
		expect(model.displayLabel).toBe('meta-llama/Llama-3-70b-chat-hf');
		expect(model.alias).toBeNull();
	});

	it('refuses a model name twice on one provider, but allows it on another', async () => {
		await addModel(c.ctx, groq.id, {modelName: 'shared-name'});
		const before = await rowCounts(c.ctx);
		await expect(addModel(c.ctx, groq.id, {modelName: 'shared-name'})).rejects.toThrow('Model shared-name is already on provider Groq');
		expect(await rowCounts(c.ctx)).toEqual(before);
		await addModel(c.ctx, together.id, {modelName: 'shared-name'});
	});

	it('lists aliases with every provider and model serving them', async () => {
		await addModel(c.ctx, together.id, {modelName: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', alias: 'llama-70b', displayLabel: 'Llama 70B (Together)'});
		await setProviderEnabled(c.ctx, together.id, false);
		const aliases = await listAliases(c.ctx);
		const entry = aliases.find((alias) => alias.alias === 'llama-70b')!;
		expect(entry.providers).toEqual([
			expect.objectContaining({providerName: 'Groq', providerEnabled: true, modelName: 'llama-3.3-70b-versatile', capabilities: ['tools', 'streaming']}),
			expect.objectContaining({providerName: 'together', providerEnabled: false, modelName: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', displayLabel: 'Llama 70B (Together)'}),
		]);
		await setProviderEnabled(c.ctx, together.id, true);
	});

	it('edits a model optimistically and clears an alias', async () => {
		const model = await addModel(c.ctx, groq.id, {modelName: modelName(), alias: 'fast'});
		const edited = await updateModel(c.as('alice@ops'), model.id, 1, {displayLabel: 'Fast one', alias: null});
		expect(edited).toMatchObject({displayLabel: 'Fast one', alias: null, version: 2});
		const [audit] = await tailAudit(c.ctx, 1);
		expect(audit).toMatchObject({action: 'model.update', actor: 'alice@ops', details: {before: {displayLabel: model.modelName, alias: 'fast'}, after: {displayLabel: 'Fast one', alias: null}}});
		const conflict = await updateModel(c.as('bob@ops'), model.id, 1, {alias: 'slow'}).catch((caught: unknown) => caught);
		expect(conflict).toBeInstanceOf(ConflictError);
		expect((conflict as Error).message).toMatch(new RegExp(`^Model ${model.modelName} was changed by alice@ops \\d+ s ago: display label, alias$`));
		const other = await addModel(c.ctx, groq.id, {modelName: modelName()});
		await expect(updateModel(c.ctx, other.id, 1, {modelName: model.modelName})).rejects.toThrow(`Model ${model.modelName} is already on provider Groq`);
	});

	it('deletes a model, audited; resolves by id prefix', async () => {
		const model = await addModel(c.ctx, groq.id, {modelName: modelName()});
		expect((await resolveModel(c.ctx, model.id.slice(0, 8))).id).toBe(model.id);
		await deleteModel(c.ctx, model.id);
		expect((await tailAudit(c.ctx, 1))[0]).toMatchObject({action: 'model.delete', targetId: model.id, details: {before: {modelName: model.modelName}}});
		expect((await listModels(c.ctx, groq.id)).some((m) => m.id === model.id)).toBe(false);
		await expect(deleteModel(c.ctx, model.id)).rejects.toThrow(/no longer exists/);
	});
});

describe(`model input hardening (${databaseKind})`, () => {
	it.each([
		['empty', '', /Model name is required/],
		['whitespace only', '   ', /Model name can't be only spaces/],
		['too long', 'm'.repeat(257), /Model name is 257 characters long; the limit is 256/],
		['wrong type', 4, /Model name must be text/],
		['spaces inside', 'gpt 4o', /can't contain spaces/],
		['SQL with spaces', `gpt'; drop table models; --`, /can't contain spaces/],
		['escape sequence', 'gpt\x1b[2J', /control or escape characters \(found U\+001B\)/],
	])('model name: %s is refused', async (_case, name, message) => {
		await refused(() => addModel(c.ctx, groq.id, {modelName: name as string}), 'modelName', message);
	});

	it.each([
		['unicode', 'modèle-東京:8b'],
		['SQL metacharacters', `gpt'";--/**/`],
		['path-like', 'accounts/fireworks/models/llama-v3p1-8b-instruct'],
	])('model name: %s is stored exactly', async (_case, name) => {
		const model = await addModel(c.ctx, groq.id, {modelName: name});
		const [row] = await c.ctx.db.sql<{model_name: string}[]>`select model_name from models where id = ${model.id}`;
		expect(row!.model_name).toBe(name);
	});

	it.each([
		['too long', 'd'.repeat(65), /Display label is 65 characters long; the limit is 64/],
		['wrong type', 9, /Display label must be text/],
		['escape sequence', 'Fast\x1b]8;;http://evil\x07', /control or escape characters \(found U\+001B\)/],
	])('display label: %s is refused', async (_case, displayLabel, message) => {
		await refused(() => addModel(c.ctx, groq.id, {modelName: modelName(), displayLabel: displayLabel as string}), 'displayLabel', message);
	});

	it.each([
		['empty → the model name', '', null],
		['whitespace → the model name', '   ', null],
		['unicode', 'Лама 東京 ✓', 'Лама 東京 ✓'],
		['SQL metacharacters', `x'); drop table models; --`, `x'); drop table models; --`],
	])('display label: %s', async (_case, displayLabel, stored) => {
		const name = modelName();
		const model = await addModel(c.ctx, groq.id, {modelName: name, displayLabel});
		expect(model.displayLabel).toBe(stored ?? name);
	});

	it.each([
		['whitespace only', '   ', /Alias can't be only spaces/],
		['too long', 'a'.repeat(65), /Alias is 65 characters long; the limit is 64/],
		['wrong type', 3, /Alias must be text/],
		['unicode', 'schnell-ö', /Alias may use only a–z, 0–9 and \. _ : \/ -/],
		['a space inside', 'fast chat', /may use only/],
		['SQL metacharacters', `fast';--`, /may use only/],
		['escape sequence', 'fast\x1b', /may use only/],
	])('alias: %s is refused', async (_case, alias, message) => {
		await refused(() => addModel(c.ctx, groq.id, {modelName: modelName(), alias: alias as string}), 'alias', message);
	});

	it('alias: empty means none; case and surrounding spaces are normalised', async () => {
		expect((await addModel(c.ctx, groq.id, {modelName: modelName(), alias: ''})).alias).toBeNull();
		expect((await addModel(c.ctx, groq.id, {modelName: modelName(), alias: ' Org/Chat:Fast_v1.2 '})).alias).toBe('org/chat:fast_v1.2');
		expect(normaliseAlias(' Fast-Chat ')).toBe('fast-chat');
		expect(() => normaliseAlias('')).toThrow(ValidationError);
	});
});

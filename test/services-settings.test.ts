import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {settingDefaults, settingsSchema} from '../source/domain/settings.js';
import {ConflictError} from '../source/errors.js';
import {tailAudit} from '../source/services/audit.js';
import {getSettings, setSetting} from '../source/services/settings.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext, expectRefused} from './support/context.js';

let c: TestContext;

beforeAll(async () => {
	c = await testContext();
});

afterAll(async () => {
	await c.t.drop();
});

const refused = (work: () => Promise<unknown>, field: string, message: RegExp) => expectRefused(c.ctx, work, field, message);

describe(`settings (${databaseKind})`, () => {
	it('reads defaults before anything is set', async () => {
		expect(await getSettings(c.ctx)).toEqual({values: settingDefaults, versions: {}});
		expect(settingsSchema.parse({})).toEqual(settingDefaults);
	});

	it('sets a value (coerced from a string), versioned and audited with before/after', async () => {
		const values = await setSetting(c.ctx, 'timeout_ms', '30000');
		expect(values.timeout_ms).toBe(30000);
		expect(await getSettings(c.ctx)).toMatchObject({values: {timeout_ms: 30000}, versions: {timeout_ms: 1}});
		expect((await tailAudit(c.ctx, 1))[0]).toMatchObject({action: 'setting.set', targetType: 'setting', targetId: 'timeout_ms', details: {key: 'timeout_ms', before: 60000, after: 30000}});
		await setSetting(c.ctx, 'timeout_ms', 45000, 1);
		expect((await getSettings(c.ctx)).versions.timeout_ms).toBe(2);
		await setSetting(c.ctx, 'temperature', '0.7');
		await setSetting(c.ctx, 'smoke_prompt', 'Say hello.\nOne word.');
		expect((await getSettings(c.ctx)).values).toMatchObject({temperature: 0.7, smoke_prompt: 'Say hello.\nOne word.'});
	});

	it('refuses a stale version naming who changed it', async () => {
		await setSetting(c.as('alice@ops'), 'max_retries', 3, 0);
		const error = await setSetting(c.as('bob@ops'), 'max_retries', 4, 0).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ConflictError);
		expect((error as Error).message).toMatch(/^Setting max_retries was changed by alice@ops \d+ s ago: value$/);
		expect((await getSettings(c.ctx)).values.max_retries).toBe(3);
	});

	it('a stored value that fails its rule reads as the default', async () => {
		await c.ctx.db.sql`insert into settings (key, value) values ('default_concurrency', '"many"'::jsonb)`;
		expect((await getSettings(c.ctx)).values.default_concurrency).toBe(settingDefaults.default_concurrency);
		await setSetting(c.ctx, 'default_concurrency', '8');
		expect((await getSettings(c.ctx)).values.default_concurrency).toBe(8);
	});

	it('refuses an unknown key, listing the known ones', async () => {
		await refused(() => setSetting(c.ctx, 'colour', 'blue'), 'key', /Unknown setting "colour" — known settings: timeout_ms, max_retries/);
		await refused(() => setSetting(c.ctx, 'x\x1b[2J', '1'), 'key', /^Unknown setting — known/);
	});
});

describe(`settings input hardening (${databaseKind})`, () => {
	const numeric = [
		['timeout_ms', /timeout_ms must be a whole number from 1000 to 600000/, '999', '600001'],
		['max_retries', /max_retries must be a whole number from 0 to 10/, '-1', '11'],
		['max_output_tokens', /max_output_tokens must be a whole number from 1 to 200000/, '0', '200001'],
		['default_concurrency', /default_concurrency must be a whole number from 1 to 64/, '0', '65'],
		['temperature', /temperature must be a number from 0 to 2/, '-0.1', '2.5'],
	] as const;

	for (const [key, message, below, above] of numeric) {
		it.each([
			['empty', ''],
			['whitespace', '   '],
			['below the range', below],
			['above the range', above],
			['too long', '9'.repeat(400)],
			['wrong type', true],
			['an object', {value: 1}],
			['unicode digits', '٣٠٠٠'],
			['SQL metacharacters', "1; drop table settings; --"],
			['escape sequence', '5\x1b[2J'],
			['not a number', 'NaN'],
		])(`${key}: %s is refused`, async (_case, value) => {
			await refused(() => setSetting(c.ctx, key, value), key, message);
		});
	}

	it('max_retries takes a fraction as a refusal, temperature takes it', async () => {
		await refused(() => setSetting(c.ctx, 'max_retries', '1.5'), 'max_retries', /whole number/);
		expect((await setSetting(c.ctx, 'temperature', '.5')).temperature).toBe(0.5);
	});

	it.each([
		['empty', '', /smoke_prompt is required/],
		['whitespace only', ' \n ', /smoke_prompt can't be only spaces/],
		['too long', 'p'.repeat(4001), /smoke_prompt is 4001 characters long; the limit is 4000/],
		['wrong type', 42, /smoke_prompt must be text/],
		['escape sequence', 'hi\x1b]52;c;ZXZpbA==\x07', /control or escape characters \(found U\+001B\)/],
		['carriage return', 'hi\rthere', /found U\+000D/],
	])('smoke_prompt: %s is refused', async (_case, value, message) => {
		await refused(() => setSetting(c.ctx, 'smoke_prompt', value), 'smoke_prompt', message);
	});

	it.each([
		['unicode', 'Réponds en un mot : bonjour. 日本語で。'],
		['SQL metacharacters', `Say '; drop table settings; -- please`],
	])('smoke_prompt: %s is stored exactly', async (_case, value) => {
		await setSetting(c.ctx, 'smoke_prompt', value);
		const [row] = await c.ctx.db.sql<{value: unknown}[]>`select value from settings where key = 'smoke_prompt'`;
		expect(row!.value).toBe(value);
	});
});

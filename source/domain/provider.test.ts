import {describe, expect, it} from 'vitest';
import {ValidationError} from '../errors.js';
import {normaliseSecret} from './key.js';
import {applyModelPatch, normaliseAlias, parseModelInput} from './model.js';
import {applyProviderPatch, normaliseBaseUrl, normaliseHeaderName, parseCapabilities, parseHeaderLine, parseProviderInput, providerFields, type ProviderFields} from './provider.js';
import {diffProjection} from './fields.js';
import {parseSettingKey, parseSettingValue, settingDefaults, settingsSchema} from './settings.js';

function issues(work: () => unknown): Record<string, string> {
	try {
		work();
	} catch (error) {
		if (error instanceof ValidationError) return {...error.issues};
		throw error;
	}
	throw new Error('expected a ValidationError');
}

describe('provider rules', () => {
	it('fills the family default base URL and empty rate limits', () => {
		expect(parseProviderInput({name: 'x', type: 'MISTRAL'})).toEqual({
			name: 'x',
			type: 'mistral',
			baseUrl: 'https://api.mistral.ai/v1',
			capabilities: [],
			rateLimits: {rpm: null, rps: null, concurrency: null},
			extraHeaders: {},
			enabled: true,
			probeKind: 'stream',
		});
	});

	it('takes a probe kind in any case and refuses an unknown one', () => {
		expect(parseProviderInput({name: 'x', type: 'openai', probeKind: ' Models '}).probeKind).toBe('models');
		expect(() => parseProviderInput({name: 'x', type: 'openai', probeKind: 'ping'})).toThrow(/Probe kind must be one of models, chat, stream \(got "ping"\)/);
	});

	it('reports every bad field at once, one message each', () => {
		expect(issues(() => parseProviderInput({name: '', type: 'nope', baseUrl: 'ftp://x', rateLimits: {rpm: 0}}))).toEqual({
			name: 'Name is required',
			type: expect.stringMatching(/^Type must be one of/),
			baseUrl: 'Base URL must use http:// or https:// (not ftp)',
			'rateLimits.rpm': 'rpm must be a whole number from 1 to 1000000, or empty for no limit',
		});
		expect(issues(() => parseProviderInput({name: 'x', type: 'openai', rateLimits: {burst: 1}}))).toEqual({burst: 'burst is not a field here'});
	});

	it('normalises base URLs and refuses secrets in them', () => {
		expect(normaliseBaseUrl('https://Example.COM:443/v1//')).toBe('https://example.com/v1');
		expect(normaliseBaseUrl('http://localhost:11434/v1')).toBe('http://localhost:11434/v1');
		expect(() => normaliseBaseUrl('https://:token@example.com')).toThrow(/credentials/);
		expect(() => normaliseBaseUrl('https://example.com/v1?key=sk')).toThrow(/query string/);
		expect(() => normaliseBaseUrl('file:///etc/passwd')).toThrow(/http:\/\/ or https:\/\//);
	});

	it('refuses a URL the parser would quietly turn into another host', () => {
		// WHATWG parsing makes http://v1/ out of each of these.
		for (const url of ['http:///v1', 'https:///v1', 'http:/v1', 'http:v1', 'http://', 'https://?x']) {
			expect(() => normaliseBaseUrl(url), url).toThrow(/needs a host right after https?:\/\//);
		}
		expect(() => normaliseBaseUrl('http:\\\\evil.example\\v1')).toThrow(/backslashes/);
		expect(() => normaliseBaseUrl('https://api.example.com\\v1')).toThrow(/backslashes/);
		expect(() => normaliseBaseUrl('https://user@api.example.com/v1')).toThrow(/credentials/);
		expect(() => normaliseBaseUrl('https://@api.example.com/v1')).toThrow(/credentials/);
		expect(() => normaliseBaseUrl('//api.example.com/v1')).toThrow(/full URL/);
		expect(() => normaliseBaseUrl('api.example.com/v1')).toThrow(/full URL/);
		expect(normaliseBaseUrl('http://[::1]:8000/v1/')).toBe('http://[::1]:8000/v1');
		expect(normaliseBaseUrl('HTTPS://API.Example.com/V1')).toBe('https://api.example.com/V1');
	});

	it('keeps capabilities in canonical order, once each', () => {
		expect(parseCapabilities(['streaming', 'Tools', 'JSON mode', 'streaming'])).toEqual(['json_mode', 'tools', 'streaming']);
	});

	it('refuses header names that carry secrets', () => {
		for (const name of [
			'Authorization',
			'api-key',
			'X-Api-Key',
			'X-Goog-Api-Key',
			'Cookie',
			'Set-Cookie',
			'X-Auth',
			'X-Access-Token',
			'Proxy-Authorization',
			'OpenAI-Session',
			'X-Bearer',
			'X-Client-Secret',
			'X-Amz-Security-Token',
			'X-Password',
			'X-Passphrase',
			'X-JWT-Assertion',
			'X-CSRF-Token',
			'X-Private-Value',
			'Helicone-Auth',
		]) {
			expect(() => normaliseHeaderName(name), name).toThrow(/put secrets in a key \(eval752 keys add\)/);
		}
		for (const name of ['HTTP-Referer', 'X-Title', 'X-Team', 'OpenAI-Organization', 'anthropic-beta']) expect(normaliseHeaderName(name)).toBe(name);
		expect(parseHeaderLine('X-Title:  eval752 ')).toEqual({name: 'X-Title', value: 'eval752'});
	});

	it('applies a patch to the current fields; rate limits merge', () => {
		const current: ProviderFields = providerFields({name: 'p', type: 'groq', rateLimits: {rpm: 10, rps: 1}});
		const next = applyProviderPatch(current, {rateLimits: {rps: null}, enabled: false});
		expect(next).toEqual({...current, rateLimits: {rpm: 10, rps: null, concurrency: null}, enabled: false});
		expect(diffProjection({a: 1, b: [1]}, {a: 1, b: [2]})).toEqual({before: {b: [1]}, after: {b: [2]}});
		expect(issues(() => applyProviderPatch(current, {type: 'azure-openai', baseUrl: ''}))).toEqual({baseUrl: expect.stringMatching(/required for Azure OpenAI/)});
	});
});

describe('key, model and settings rules', () => {
	it('trims a pasted key but never quotes it in a message', () => {
		expect(normaliseSecret('  sk-abc123\r\n')).toBe('sk-abc123');
		expect(() => normaliseSecret('sk-abc 123')).toThrow(/^The key contains spaces/);
	});

	it('normalises aliases and model edits', () => {
		expect(normaliseAlias('  Fast:Chat/V1 ')).toBe('fast:chat/v1');
		expect(issues(() => normaliseAlias('ça va'))).toEqual({alias: expect.stringMatching(/Alias may use only/)});
		const model = parseModelInput({modelName: 'gpt-4o', alias: 'Fast'});
		expect(model).toEqual({modelName: 'gpt-4o', displayLabel: 'gpt-4o', alias: 'fast'});
		expect(applyModelPatch(model, {displayLabel: ''})).toEqual(model);
		expect(applyModelPatch(model, {alias: ''})).toEqual({...model, alias: null});
	});

	it('coerces setting strings per key and refuses unknown keys', () => {
		expect(parseSettingValue('temperature', '1.25')).toBe(1.25);
		expect(parseSettingValue('max_retries', ' 3 ')).toBe(3);
		expect(() => parseSettingKey('timeout')).toThrow(/Unknown setting "timeout"/);
		expect(settingsSchema.parse({timeout_ms: '2000'})).toEqual({...settingDefaults, timeout_ms: 2000});
		expect(() => settingsSchema.parse({colour: 'red'})).toThrow();
	});
});

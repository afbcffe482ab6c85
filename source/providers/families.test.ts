import {describe, expect, it} from 'vitest';
import {keyRequired} from '../domain/families.js';
import {authHeaders, endpointUrl, normaliseModelList, requestHeaders} from './families.js';

describe('provider families', () => {
	it('authenticate with Bearer by default, api-key on Azure, nothing without a key', () => {
		expect(authHeaders('groq', 'k')).toEqual({Authorization: 'Bearer k'});
		expect(authHeaders('azure-openai', 'k')).toEqual({'api-key': 'k'});
		expect(authHeaders('ollama', null)).toEqual({});
	});

	it('allow a missing key only where the family runs without one', () => {
		expect(keyRequired('ollama')).toBe(false);
		expect(keyRequired('vllm')).toBe(false);
		expect(keyRequired('lmstudio')).toBe(false);
		expect(keyRequired('openai-compatible')).toBe(false);
		expect(keyRequired('openai')).toBe(true);
		expect(keyRequired('azure-openai')).toBe(true);
	});

	it('send extra headers, but never let them shadow the key', () => {
		const provider = {name: 'router', type: 'openrouter' as const, baseUrl: 'https://openrouter.ai/api/v1', extraHeaders: {'HTTP-Referer': 'https://ops.example', authorization: 'Bearer stale'}};
		expect(requestHeaders(provider, 'fresh')).toEqual({'HTTP-Referer': 'https://ops.example', Authorization: 'Bearer fresh'});
	});

	it('join base URL and path with one slash', () => {
		expect(endpointUrl('http://h/v1/', 'models')).toBe('http://h/v1/models');
		expect(endpointUrl('http://h/v1', '/models')).toBe('http://h/v1/models');
	});

	it('normalise model lists of every shape, sorted and deduplicated', () => {
		expect(normaliseModelList('openai', {object: 'list', data: [{id: 'b'}, {id: 'a'}, {id: 'a'}]})).toEqual(['a', 'b']);
		expect(normaliseModelList('together', [{id: 'meta/llama'}, {id: 'deepseek/r1'}])).toEqual(['deepseek/r1', 'meta/llama']);
		expect(normaliseModelList('gemini', {data: [{id: 'models/gemini-2.0-flash'}, {id: 'models/gemini-1.5-pro'}]})).toEqual(['gemini-1.5-pro', 'gemini-2.0-flash']);
		expect(normaliseModelList('gemini', {models: [{name: 'models/gemini-2.0-flash'}]})).toEqual(['gemini-2.0-flash']);
		expect(() => normaliseModelList('openai', {error: 'nope'})).toThrow(SyntaxError);
	});
});

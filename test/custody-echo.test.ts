import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {consume} from '../source/lib/stream.js';
import {setLogFile} from '../source/log.js';
import {writeBackup} from '../source/services/backup.js';
import {startRotation, validateRotation} from '../source/services/rotate.js';
import {discoverModels, runSmoke} from '../source/services/smoke.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {encodedLeaks, encodeKey, keyEncodings, type KeyEncoding} from './support/encoded-keys.js';
import {presentedKey, startMockProvider, type ErrorBehaviour, type MockProvider, type MockRequest, type StreamBehaviour} from './support/mock-provider.js';
import {everythingStored, providerWithKey, secretFor} from './rotate-fixtures.js';
import {tempDir} from './secrets-fixtures.js';

/**
 * RELIABILITY 48 as an attacker plays it: a provider that echoes the key it was called with
 * encoded — base64, base64url, hex in either case, reversed, `\uXXXX` escapes, HTML character
 * references, full-width — in its streamed answer (3-character deltas), in a 401 message, in its
 * rate-limit headers and in its model ids. Nothing shown, stored, logged or backed up holds any
 * of those forms, and a rotation's candidate endpoint echoing the *old* key is redacted too.
 */

let t: TestContext;
let mock: MockProvider;
let work: string;
let logPath: string;
const secrets: string[] = [];
/** What the mock does with the key it is given: the test sets it before each request. */
let encoding: KeyEncoding = 'base64';
/** Echo this key instead of the one presented (the rotation case). */
let echoInstead: string | undefined;

function echoed(request: MockRequest): string {
	return encodeKey(echoInstead ?? presentedKey(request), encoding);
}

/** ASCII forms only travel in headers. */
const headerSafe = (value: string) => /^[\x20-\x7e]+$/.test(value);

beforeAll(async () => {
	work = tempDir('custody-echo');
	logPath = path.join(work, 'eval752.log');
	setLogFile(logPath);
	t = await testContext();
	mock = await startMockProvider({models: (request) => ['mock-small', `keyecho-${echoed(request)}`]});
});

afterAll(async () => {
	await mock.close();
	await t.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

function streamEcho(request: MockRequest): StreamBehaviour {
	const text = `Your key is: ${echoed(request)} — keep it safe.`;
	const tokens: string[] = [];
	for (let index = 0; index < text.length; index += 3) tokens.push(text.slice(index, index + 3));
	const value = echoed(request);
	const headers: Record<string, string> = headerSafe(value) ? {'x-ratelimit-remaining-requests': value} : {};
	return {kind: 'stream', tokens, headers};
}

function unauthorizedEcho(request: MockRequest): ErrorBehaviour {
	const value = echoed(request);
	const headers: Record<string, string> = headerSafe(value) ? {'x-ratelimit-limit-requests': value} : {};
	return {kind: 'error', status: 401, body: {error: {message: `Incorrect API key provided: ${value}.`, type: 'invalid_request_error', code: 'invalid_api_key'}}, headers};
}

function expectNoLeak(text: string, label: string): void {
	expect(encodedLeaks(text, secrets), label).toEqual([]);
}

describe(`case 48: a key echoed encoded is redacted on screen, in stored excerpts, errors and rate headers, and so in backups (${databaseKind})`, () => {
	it.each(keyEncodings)('case 48: %s — the stream, a 401, rate headers and model ids', async (form) => {
		encoding = form;
		echoInstead = undefined;
		// Names and keys share nothing: a provider's name in the output is not a leak.
		const name = `echo-${keyEncodings.indexOf(form)}`;
		const {oldSecret} = await providerWithKey(t.ctx, mock, name, {capabilities: ['streaming'], secret: secretFor(`k${keyEncodings.indexOf(form)}`)});
		secrets.push(oldSecret!);

		mock.script(streamEcho);
		const deltas: string[] = [];
		const ok = await consume(runSmoke(t.ctx, {provider: name, probe: 'stream'}, new AbortController().signal), (event) => {
			if (event.type === 'delta') deltas.push(event.text);
		});
		expect(ok.outcome, form).toBe('ok');
		expect(deltas.join(''), form).toBe('Your key is: [redacted] — keep it safe.');
		for (const delta of deltas) expectNoLeak(delta, `${form} delta`);
		expectNoLeak(JSON.stringify(ok), `${form} outcome`);

		mock.script(unauthorizedEcho);
		const failed = await consume(runSmoke(t.ctx, {provider: name, probe: 'chat'}, new AbortController().signal), () => undefined);
		expect(failed.errorClass, form).toBe('auth');
		expect(failed.message, form).toContain('Incorrect API key provided: [redacted]');

		const discovered = await discoverModels(t.ctx, name);
		expectNoLeak(JSON.stringify(discovered), `${form} discover`);

		mock.script(streamEcho);
		const cli = await runCli(['smoke', name, '--probe', 'stream'], {database: t.ctx.db, env: {ENCRYPTION_KEY: t.keyHex}});
		expect(cli.code, form).toBe(0);
		expectNoLeak(cli.stdout + cli.stderr, `${form} eval752 smoke`);
		const history = await runCli(['runs', 'list', '--provider', name, '--json'], {database: t.ctx.db, env: {ENCRYPTION_KEY: t.keyHex}});
		expectNoLeak(history.stdout, `${form} runs list`);

		const stored = await t.ctx.db.sql<{excerpt: string | null; error_message: string | null; rate_headers: unknown}[]>`
			select r.excerpt, r.error_message, r.rate_headers from smoke_runs r join providers p on p.id = r.provider_id where p.name = ${name}`;
		expect(stored.length, form).toBeGreaterThanOrEqual(3);
		expectNoLeak(JSON.stringify(stored), `${form} smoke_runs`);
	});

	it('case 48: a rotation candidate’s endpoint that echoes the old (serving) key, encoded, shows and stores none of it', async () => {
		encoding = 'base64';
		const {providerId, oldSecret} = await providerWithKey(t.ctx, mock, 'echo-rotation', {capabilities: ['streaming'], secret: secretFor('old')});
		secrets.push(oldSecret!);
		const fresh = secretFor('new');
		secrets.push(fresh);
		echoInstead = oldSecret!;
		mock.setDefault(streamEcho);
		const rotation = await startRotation(t.ctx, providerId, {secret: fresh, label: 'new'});
		const shown: string[] = [];
		const verdict = await consume(validateRotation(t.ctx, rotation, {model: 'mock-small'}, new AbortController().signal), (step) => {
			if (step.event.type === 'delta') shown.push(step.event.text);
		});
		echoInstead = undefined;
		expect(verdict.ok).toBe(true);
		expect(shown.join('')).toBe('Your key is: [redacted] — keep it safe.');
		expectNoLeak(shown.join('\n'), 'rotation deltas');
		expectNoLeak(JSON.stringify(verdict), 'rotation verdict');
	});

	it('case 48: nothing stored, logged or backed up holds any form of any key', async () => {
		expectNoLeak(await everythingStored(t.ctx), 'every table');
		expectNoLeak(fs.readFileSync(logPath, 'utf8'), 'log file');
		const file = path.join(work, 'echo.backup');
		await writeBackup(t.ctx, file);
		expectNoLeak(fs.readFileSync(file, 'utf8'), 'backup');
	});
});

import {consume} from '../source/lib/stream.js';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {setLogFile} from '../source/log.js';
import {runComparison} from '../source/services/compare.js';
import {startRotation, validateRotation} from '../source/services/rotate.js';
import {runSmoke} from '../source/services/smoke.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {keyEchoStream, mockErrors, startMockProvider, type KeyEcho, type MockProvider} from './support/mock-provider.js';
import {expectInertOutput, keyLeaks} from './support/terminal.js';
import {tempDir} from './secrets-fixtures.js';
import {everythingStored, providerWithKey, secretFor} from './rotate-fixtures.js';

/**
 * RELIABILITY 18 as an attacker plays it: a model that answers "Your key is: " and then the
 * key it was called with — cut into 1-, 3- or 5-character deltas, percent-encoded, or with
 * U+200B between its characters — through every consumer of the provider stream: `eval752
 * smoke`, `eval752 compare`, `eval752 keys rotate`, and the services the dashboard consumes
 * (runSmoke, runComparison, validateRotation). No output, no delta handed to a consumer, no
 * stored row and no log line may hold 8 characters of any key, disguised or not.
 */

const ANSWER = 'Your key is: [redacted] — keep it safe.';

let t: TestContext;
let mock: MockProvider;
let work: string;
let logPath: string;
/** Every key the provider ever saw: the first one and every rotated-in one. */
const secrets: string[] = [];

function env(): NodeJS.ProcessEnv {
	return {ENCRYPTION_KEY: t.keyHex, EVAL752_DATA_DIR: path.join(work, 'data'), EVAL752_LOG_FILE: logPath};
}

async function eval752(argv: readonly string[], stdin?: string): Promise<CliResult> {
	const result = await runCli(argv, {database: t.ctx.db, env: env(), stdin});
	expectInertOutput(result, argv.join(' '));
	expect(keyLeaks(result.stdout + result.stderr, secrets), argv.join(' ')).toEqual([]);
	return result;
}

/** Every delta a consumer is handed: none carries a piece of a key, and together they read as the redacted answer. */
function expectRedactedDeltas(deltas: readonly string[], label: string): void {
	for (const delta of deltas) expect(keyLeaks(delta, secrets), label).toEqual([]);
	expect(deltas.join(''), label).toBe(ANSWER);
}

beforeAll(async () => {
	work = tempDir('key-echo');
	logPath = path.join(work, 'eval752.log');
	setLogFile(logPath);
	t = await testContext();
	mock = await startMockProvider();
	const first = secretFor('echo');
	secrets.push(first);
	// Streaming: the mid-stream cases need a streamed answer (without the capability a probe asks for one whole answer).
	await providerWithKey(t.ctx, mock, 'echo', {secret: first, alias: 'echo', capabilities: ['streaming']});
});

afterAll(async () => {
	await mock.close();
	await t.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

const combos: Array<[number, KeyEcho]> = [1, 3, 5].flatMap((size) => (['plain', 'percent', 'zero-width'] as const).map((echo): [number, KeyEcho] => [size, echo]));

describe(`case 18: a key echoed over the stream is redacted for every consumer (${databaseKind})`, () => {
	it.each(combos)('case 18: %i-character deltas, %s — smoke, compare and keys rotate (CLI), runSmoke, runComparison, validateRotation', async (size, echo) => {
		const stream = keyEchoStream(size, echo);

		mock.script(stream);
		const smoke = await eval752(['smoke', 'echo', '--model', 'mock-small']);
		expect(smoke.code).toBe(0);
		expect(smoke.stdout.split('\n')[0]).toBe(ANSWER);

		mock.script(stream);
		const smokeDeltas: string[] = [];
		const {excerpt} = await consume(runSmoke(t.ctx, {provider: 'echo', model: 'mock-small'}, new AbortController().signal), (event) => {
			if (event.type === 'delta') smokeDeltas.push(event.text);
		});
		expectRedactedDeltas(smokeDeltas, 'runSmoke');
		expect(excerpt).toBe(ANSWER);

		mock.script(stream);
		const compare = await eval752(['compare', 'echo', '--json']);
		expect(compare.code).toBe(0);
		expect((JSON.parse(compare.stdout) as {results: {excerpt: string}[]}).results[0]!.excerpt).toBe(ANSWER);
		mock.script(stream);
		expect((await eval752(['compare', 'echo'])).code).toBe(0);

		mock.script(stream);
		const compareDeltas: string[] = [];
		for await (const event of runComparison(t.ctx, 'echo', {}, new AbortController().signal)) {
			if (event.type === 'delta') compareDeltas.push(event.text);
		}
		expectRedactedDeltas(compareDeltas, 'runComparison');

		// The rotation's smoke test runs with the NEW key: that is the one echoed back.
		const cliKey = secretFor(`cli-${size}-${echo}`);
		secrets.push(cliKey);
		mock.script(stream);
		const rotated = await eval752(['keys', 'rotate', 'echo', '--from-stdin', '--model', 'mock-small', '--json'], `${cliKey}\n`);
		expect(rotated.code, rotated.stderr).toBe(0);

		const serviceKey = secretFor(`svc-${size}-${echo}`);
		secrets.push(serviceKey);
		const rotation = await startRotation(t.ctx, 'echo', {secret: serviceKey, label: 'echo test'});
		mock.script(stream);
		const rotationDeltas: string[] = [];
		const iterator = validateRotation(t.ctx, rotation, {model: 'mock-small'}, new AbortController().signal);
		for (;;) {
			const step = await iterator.next();
			if (step.done) {
				expect(step.value.ok).toBe(true);
				break;
			}
			if (step.value.event.type === 'delta') rotationDeltas.push(step.value.event.text);
		}
		expectRedactedDeltas(rotationDeltas, 'validateRotation');
		expect(mock.chatRequests.at(-1)?.headers['authorization']).toBe(`Bearer ${serviceKey}`);
	});

	it('case 18: a 401 and a mid-stream error that echo the key percent-encoded or with U+200B inside are redacted', async () => {
		const percent = (key: string) => [...key].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');
		const hidden = (key: string) => [...key].join('\u200b');
		for (const disguise of [percent, hidden]) {
			mock.script(mockErrors.unauthorized(disguise));
			const rejected = await eval752(['smoke', 'echo', '--model', 'mock-small']);
			expect(rejected.code).toBe(1);
			expect(rejected.stderr).toContain('Incorrect API key provided: [redacted]');
			mock.script((request) => ({kind: 'stream', tokens: ['par', 'tial ', 'never sent'], errorEventAfterChunks: 2, errorEvent: {message: `key ${disguise(request.headers['authorization']!.slice(7))} is over quota`, type: 'server_error'}}));
			const midStream = await eval752(['smoke', 'echo', '--model', 'mock-small']);
			expect(midStream.code).toBe(1);
			expect(midStream.stderr).toContain('key [redacted] is over quota');
		}
	});

	it('case 18: nothing stored and nothing logged holds a piece of any key', async () => {
		expect(secrets.length).toBeGreaterThan(10);
		const stored = await everythingStored(t.ctx);
		expect(stored).toContain('[redacted]');
		expect(keyLeaks(stored, secrets)).toEqual([]);
		const logged = fs.readFileSync(logPath, 'utf8');
		expect(logged).toContain('smoke finished');
		expect(keyLeaks(logged, secrets)).toEqual([]);
	});
});

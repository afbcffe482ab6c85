import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {PassThrough} from 'node:stream';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Input, Io} from '../source/cli/io.js';
import {main} from '../source/cli/main.js';
import {ValidationError} from '../source/errors.js';
import {addKey, keyForCall, listKeys} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider, getProvider, updateProvider} from '../source/services/providers.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';
import {expectInertOutput, keyLeaks} from './support/terminal.js';
import {tempDir} from './secrets-fixtures.js';

/**
 * RELIABILITY 19, 35 and 36 from the command line (the dashboard's forms call the same domain
 * rules through the same services): secrets only from a no-echo prompt or a pipe, strictly
 * decoded; every field and flag refused with one clear line and exit 2 when its value is bad,
 * nothing written; base URLs with credentials, a query, a fragment, another scheme or no host
 * refused with the reason.
 */

const ESC = '\u001b';
const BEL = '\u0007';

let c: TestContext;
let work: string;
let providerId: string;
let keyPrefix: string;

beforeAll(async () => {
	c = await testContext();
	work = tempDir('input-edges');
	const provider = await createProvider(c.ctx, {name: 'groq', type: 'groq'});
	providerId = provider.id;
	const key = await addKey(c.ctx, provider.id, {secret: 'gsk_inputedges0123456789abcdefXYZ', label: 'ci'});
	keyPrefix = key.id.slice(0, 8);
	await addModel(c.ctx, provider.id, {modelName: 'llama-3.3-70b-versatile', alias: 'llama-70b'});
});

afterAll(async () => {
	await c.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

async function eval752(argv: readonly string[], stdin?: string | Buffer): Promise<CliResult> {
	const result = await runCli(argv, {database: c.t.db, env: {ENCRYPTION_KEY: c.keyHex, EVAL752_DATA_DIR: path.join(work, 'data'), EVAL752_LOG_FILE: path.join(work, 'eval752.log')}, stdin});
	expectInertOutput(result, argv.join(' '));
	return result;
}

/** Refused as a usage error: exit 2, one line on stderr, nothing on stdout, nothing written. */
async function expectRefused(argv: readonly string[], message: RegExp, stdin?: string | Buffer): Promise<void> {
	const before = await rowCounts(c.ctx);
	const result = await eval752(argv, stdin);
	const label = JSON.stringify(argv);
	expect(result.code, `${label}: ${result.stderr}`).toBe(2);
	expect(result.stderr, label).toMatch(/^eval752: [^\n]+\n$/);
	expect(result.stderr, label).toMatch(message);
	expect(result.stdout, label).toBe('');
	expect(await rowCounts(c.ctx), label).toEqual(before);
}

/** A terminal on stdin: raw mode recorded, the bytes queued in the chunks given. */
function terminal(chunks: readonly (string | Buffer)[]) {
	const stdin = new PassThrough() as PassThrough & {isTTY: boolean; isRaw: boolean; setRawMode(mode: boolean): void};
	const modes: boolean[] = [];
	stdin.isTTY = true;
	stdin.isRaw = false;
	stdin.setRawMode = (mode: boolean) => {
		modes.push(mode);
		stdin.isRaw = mode;
	};
	for (const chunk of chunks) stdin.write(chunk);
	let stdout = '';
	let stderr = '';
	const io: Io = {
		stdout: {write: (chunk: string) => (stdout += chunk)},
		stderr: {write: (chunk: string) => (stderr += chunk)},
		stdin: stdin as unknown as Input,
		env: {EVAL752_ACTOR: 'tester@test', ENCRYPTION_KEY: c.keyHex, EVAL752_LOG_FILE: path.join(work, 'eval752.log')},
		cwd: work,
		database: c.t.db,
	};
	return {io, modes, output: () => ({stdout, stderr})};
}

describe(`case 19: secrets come only from a no-echo prompt or a pipe, strictly decoded (${databaseKind})`, () => {
	const invalid = [
		['a lone continuation byte', Buffer.concat([Buffer.from('sk-abc'), Buffer.from([0x80]), Buffer.from('def0123456789\n')])],
		['a cut-off sequence', Buffer.concat([Buffer.from('sk-abc'), Buffer.from([0xe2, 0x82]), Buffer.from('def0123456789\n')])],
		['an overlong encoding', Buffer.concat([Buffer.from('sk-abc'), Buffer.from([0xc0, 0xaf]), Buffer.from('def0123456789\n')])],
		['Latin-1 bytes', Buffer.from('sk-abcé0123456789\n', 'latin1')],
	] as const;

	it.each(invalid)('case 19: keys add --from-stdin refuses %s (exit 2), never storing U+FFFD', async (_name, bytes) => {
		await expectRefused(['keys', 'add', 'groq', '--from-stdin'], /The key is not valid UTF-8 text; nothing was stored/, bytes);
		const keys = await listKeys(c.ctx, providerId);
		for (const key of keys) expect((await keyForCall(c.ctx, providerId, key.id))!.secret).not.toContain('\ufffd');
	});

	it('case 19: keys rotate --from-stdin refuses invalid UTF-8 before anything is stored', async () => {
		await expectRefused(['keys', 'rotate', 'groq', '--from-stdin'], /The key is not valid UTF-8 text/, invalid[0][1]);
	});

	it('case 19: valid UTF-8 split anywhere in the pipe is read whole', async () => {
		const result = await eval752(['keys', 'add', 'groq', '--from-stdin', '--label', 'utf8'], Buffer.from('sk-utf8-ünïcödé-0123456789abcdef\n'));
		expect(result.code, result.stderr).toBe(0);
		const stored = (await listKeys(c.ctx, providerId)).find((key) => key.label === 'utf8')!;
		expect((await keyForCall(c.ctx, providerId, stored.id))!.secret).toBe('sk-utf8-ünïcödé-0123456789abcdef');
	});

	it('case 19: the hidden prompt shows nothing typed, completes a character split between reads, refuses invalid bytes, restores the terminal', async () => {
		const key = 'sk-prompt-€uro-0123456789abcdef';
		const bytes = Buffer.from(`${key}\r`);
		const euro = bytes.indexOf(0xe2);
		const typed = terminal([bytes.subarray(0, euro + 1), bytes.subarray(euro + 1)]);
		expect(await main(['keys', 'add', 'groq', '--label', 'typed'], typed.io)).toBe(0);
		expect(typed.modes).toEqual([true, false]);
		expect(typed.output().stderr).toBe('API key for groq (input hidden, Enter to finish, Ctrl+C to cancel): \n');
		expect(keyLeaks(typed.output().stdout + typed.output().stderr, [key])).toEqual([]);
		const stored = (await listKeys(c.ctx, providerId)).find((entry) => entry.label === 'typed')!;
		expect((await keyForCall(c.ctx, providerId, stored.id))!.secret).toBe(key);

		const before = await rowCounts(c.ctx);
		const bad = terminal([Buffer.from('sk-bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('0123456789\r')]);
		expect(await main(['keys', 'add', 'groq'], bad.io)).toBe(2);
		expect(bad.modes).toEqual([true, false]);
		expect(bad.output().stderr).toMatch(/\neval752: The key is not valid UTF-8 text; nothing was stored — /);
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('case 19: a key on the command line is refused without being repeated', async () => {
		const key = 'sk-fake-argv-0123456789abcdefghijklmnop';
		for (const argv of [
			['keys', 'add', 'groq', key],
			['keys', 'add', 'groq', '--key', key],
			['keys', 'add', 'groq', `--api-key=${key}`],
			['keys', 'rotate', 'groq', key, '--from-stdin'],
			['keys', 'rotate', 'groq', `--secret=${key}`],
		]) {
			const result = await eval752(argv, `${key}\n`);
			expect(result.code, argv.join(' ')).toBe(2);
			expect(keyLeaks(result.stdout + result.stderr, [key])).toEqual([]);
		}
	});

	it('case 19: eval752 starts one child process, with an empty environment (no secret can reach it)', () => {
		const root = fileURLToPath(new URL('../source', import.meta.url));
		const files = fs.readdirSync(root, {recursive: true, encoding: 'utf8'}).filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file));
		expect(files.length).toBeGreaterThan(50);
		const spawning = files.filter((file) => /child_process|node:worker_threads|\bexecSync\b|\bexecFile|\bfork\(|\bspawn(Sync)?\(/.test(fs.readFileSync(path.join(root, file), 'utf8')));
		// The embedded database's initdb (a new data directory), and nothing else.
		expect(spawning).toEqual([path.join('db', 'embedded.ts')]);
		const embedded = fs.readFileSync(path.join(root, 'db', 'embedded.ts'), 'utf8');
		const calls = embedded.match(/\bspawn(Sync)?\([^;]*;/g) ?? [];
		expect(calls).toHaveLength(1);
		expect(calls[0]).toMatch(/\benv: \{\}\}\);$/);
		expect(embedded).not.toMatch(/(?<![.\w])(exec|execSync|execFile|execFileSync|fork)\(/);
	});
});

describe(`case 35: every field and flag refuses a bad value with one clear line, exit 2, nothing written (${databaseKind})`, () => {
	const long = (n: number) => 'x'.repeat(n);
	const cases: Array<[string, string[], RegExp]> = [
		['provider name empty', ['providers', 'add', '--name', '', '--type', 'openai'], /name: Name is required/],
		['provider name blank', ['providers', 'add', '--name', '   ', '--type', 'openai'], /Name can't be only spaces/],
		['provider name too long', ['providers', 'add', '--name', long(65), '--type', 'openai'], /Name is 65 characters long; the limit is 64/],
		['provider name with ESC', ['providers', 'add', '--name', `x${ESC}]0;t${BEL}`, '--type', 'openai'], /Name can't contain control or escape characters \(found U\+001B\)/],
		['provider name with bidi', ['providers', 'add', '--name', 'x\u202ey', '--type', 'openai'], /found U\+202E/],
		['provider name with zero-width', ['providers', 'add', '--name', 'x\u200by', '--type', 'openai'], /found U\+200B/],
		['provider name like an id', ['providers', 'add', '--name', '3f2a9c1b-0000-4000-8000-000000000000', '--type', 'openai'], /can't look like an id/],
		['type unknown', ['providers', 'add', '--name', 'x', '--type', 'gopher'], /Type must be one of/],
		['type with ESC', ['providers', 'add', '--name', 'x', '--type', `open${ESC}[2Jai`], /Type must be one of/],
		['rpm not a number', ['providers', 'add', '--name', 'x', '--type', 'openai', '--rpm', 'lots'], /rpm must be a whole number from 1 to 1000000/],
		['rpm zero', ['providers', 'add', '--name', 'x', '--type', 'openai', '--rpm', '0'], /rpm must be a whole number/],
		['rps fraction', ['providers', 'add', '--name', 'x', '--type', 'openai', '--rps', '1.5'], /rps must be a whole number/],
		['concurrency huge', ['providers', 'add', '--name', 'x', '--type', 'openai', '--concurrency', '99999999999'], /Concurrency must be a whole number/],
		['capability unknown', ['providers', 'add', '--name', 'x', '--type', 'openai', '--capabilities', 'teleport'], /Capability "teleport" is unknown/],
		['capability with ESC', ['providers', 'add', '--name', 'x', '--type', 'openai', '--capabilities', `tools,${ESC}[2J`], /Capability is unknown/],
		['header without colon', ['providers', 'add', '--name', 'x', '--type', 'openai', '--header', 'no colon'], /A header must look like "Name: value"/],
		['header with a secret name', ['providers', 'add', '--name', 'x', '--type', 'openai', '--header', 'X-Bearer: abc'], /Header X-Bearer looks like it carries a secret — put secrets in a key/],
		['header name with a space', ['providers', 'add', '--name', 'x', '--type', 'openai', '--header', 'X Team: a'], /Header name may use only/],
		['header value with ESC', ['providers', 'add', '--name', 'x', '--type', 'openai', '--header', `X-Team: a${ESC}[2J`], /can't contain control or escape characters/],
		['header value not ASCII', ['providers', 'add', '--name', 'x', '--type', 'openai', '--header', 'X-Team: ünï'], /must be plain printable ASCII/],
		['edit rpm', ['providers', 'edit', 'groq', '--rpm=-3'], /rpm must be a whole number/],
		['edit name with ESC', ['providers', 'edit', 'groq', '--name', `g${ESC}c`], /found U\+001B/],
		['model empty', ['models', 'add', 'groq', '--model', ''], /Model name is required/],
		['model with a space', ['models', 'add', 'groq', '--model', 'llama 3'], /Model name can't contain spaces/],
		['model too long', ['models', 'add', 'groq', '--model', long(257)], /Model name is 257 characters long; the limit is 256/],
		['model with ESC', ['models', 'add', 'groq', '--model', `m${ESC}[2J`], /found U\+001B/],
		['model label too long', ['models', 'add', 'groq', '--model', 'm', '--label', long(65)], /Display label is 65 characters long/],
		['model label with BEL', ['models', 'add', 'groq', '--model', 'm', '--label', `a${BEL}`], /found U\+0007/],
		['alias with a space', ['models', 'add', 'groq', '--model', 'm', '--alias', 'Not OK'], /Alias may use only a–z/],
		['alias not ASCII', ['models', 'add', 'groq', '--model', 'm', '--alias', 'ça'], /Alias may use only a–z/],
		['alias too long', ['models', 'add', 'groq', '--model', 'm', '--alias', long(65)], /Alias is 65 characters long/],
		['model id prefix not hex', ['models', 'edit', 'zzzz', '--label', 'x'], /A model is named by its id/],
		['key label too long', ['keys', 'add', 'groq', '--from-stdin', '--label', long(65)], /Label is 65 characters long/],
		['key label with ESC', ['keys', 'add', 'groq', '--from-stdin', '--label', `l${ESC}[2J`], /found U\+001B/],
		['key priority a word', ['keys', 'add', 'groq', '--from-stdin', '--priority', 'first'], /Priority must be a whole number from 0 to 1000/],
		['key priority too big', ['keys', 'priority', 'PREFIX', '1001'], /Priority must be a whole number from 0 to 1000/],
		['key prefix not hex', ['keys', 'disable', 'zz'], /A key is named by its id/],
		['setting not a number', ['settings', 'set', 'timeout_ms', 'soon'], /timeout_ms must be a whole number from 1000 to 600000/],
		['setting out of bounds', ['settings', 'set', 'temperature', '3'], /temperature must be a number from 0 to 2/],
		['setting empty', ['settings', 'set', 'max_retries', ''], /max_retries must be a whole number/],
		['smoke prompt empty', ['settings', 'set', 'smoke_prompt', ''], /smoke_prompt is required/],
		['smoke prompt with ESC', ['settings', 'set', 'smoke_prompt', `hi${ESC}]0;t${BEL}`], /found U\+001B/],
		['smoke prompt too long', ['settings', 'set', 'smoke_prompt', long(4001)], /smoke_prompt is 4001 characters long; the limit is 4000/],
		['setting unknown', ['settings', 'set', 'colour', 'red'], /Unknown setting "colour"/],
		['setting unknown with ESC', ['settings', 'set', `colour${ESC}[2J`, 'red'], /Unknown setting — known settings/],
		['compare prompt with ESC', ['compare', 'llama-70b', '--prompt', `hi${ESC}[2J`], /The prompt can't contain control or escape characters/],
		['compare prompt too long', ['compare', 'llama-70b', '--prompt', long(4001)], /The prompt is 4001 characters long; the limit is 4000/],
		['compare alias malformed', ['compare', 'Not OK'], /Alias may use only/],
		['smoke model with a space', ['smoke', 'groq', '--model', 'llama 3'], /Model name can't contain spaces/],
		['smoke model with ESC', ['smoke', 'groq', '--model', `m${ESC}[2J`], /found U\+001B/],
		['audit lines zero', ['audit', 'tail', '-n', '0'], /must be a whole number from 1 to 10000/],
		['status max-age a word', ['status', '--max-age', 'forever'], /max-age/i],
		['expect-version a word', ['providers', 'edit', 'groq', '--rpm', '5', '--expect-version', 'two'], /expect-version must be a whole number/],
	];

	it.each(cases)('case 35: %s', async (_name, argv, message) => {
		const resolved = argv.map((arg) => (arg === 'PREFIX' ? keyPrefix : arg));
		const stdin = resolved.includes('--from-stdin') ? 'sk-case35-0123456789abcdefghijklmnop\n' : undefined;
		await expectRefused(resolved, message, stdin);
	});

	it('case 35: unicode and SQL metacharacters are ordinary text, stored exactly as typed', async () => {
		const name = "Ünïcödé 世界 o'brien\"; drop table providers; --";
		const created = await eval752(['providers', 'add', '--name', name, '--type', 'openai', '--json']);
		expect(created.code, created.stderr).toBe(0);
		expect((JSON.parse(created.stdout) as {name: string}).name).toBe(name);
		expect((await getProvider(c.ctx, name)).name).toBe(name);
		const label = "l'); delete from models; -- 🙂";
		const model = await eval752(['models', 'add', name, '--model', 'gpt-4o', '--label', label, '--json']);
		expect(model.code, model.stderr).toBe(0);
		expect((JSON.parse(model.stdout) as {displayLabel: string}).displayLabel).toBe(label);
	});
});

describe(`case 36: base URLs with credentials, a query, a fragment, another scheme or no host are refused with the reason (${databaseKind})`, () => {
	const cases: Array<[string, RegExp]> = [
		['https://user:pass@api.example.com/v1', /can't carry credentials/],
		['https://:token@api.example.com/v1', /can't carry credentials/],
		['https://sk-secret@api.example.com/v1', /can't carry credentials/],
		['https://api.example.com/v1?key=sk-secret', /can't have a query string/],
		['https://api.example.com/v1?', /can't have a query string/],
		['https://api.example.com/v1#frag', /can't have a fragment/],
		['https://api.example.com/v1#', /can't have a fragment/],
		['file:///etc/passwd', /must use http:\/\/ or https:\/\/ \(not file\)/],
		['ftp://api.example.com/v1', /\(not ftp\)/],
		['javascript:alert(1)', /\(not javascript\)/],
		['data:text/plain,hi', /\(not data\)/],
		['ws://api.example.com/v1', /\(not ws\)/],
		['http:///v1', /needs a host right after http:\/\//],
		['https:///v1', /needs a host right after https:\/\//],
		['http:/v1', /needs a host right after http:\/\//],
		['http:v1', /needs a host right after http:\/\//],
		['https://', /needs a host/],
		['http:\\\\evil.example\\v1', /backslashes/],
		['api.example.com/v1', /must be a full URL/],
		['https://api.example.com/ v1', /can't contain spaces/],
		[`https://api.example.com/v1${ESC}[2J`, /found U\+001B/],
	];

	it.each(cases)('case 36: %s is refused on add and edit', async (url, message) => {
		await expectRefused(['providers', 'add', '--name', 'gateway', '--type', 'openai-compatible', '--base-url', url], message);
		await expectRefused(['providers', 'edit', 'groq', '--base-url', url], message);
	});

	it('case 36: the services the dashboard\'s forms call refuse the same URLs, naming the field', async () => {
		const groq = await getProvider(c.ctx, 'groq');
		for (const [url, message] of cases) {
			const before = await rowCounts(c.ctx);
			const create = await createProvider(c.ctx, {name: 'gateway', type: 'openai-compatible', baseUrl: url}).then(() => undefined, (error: unknown) => error);
			expect(create, url).toBeInstanceOf(ValidationError);
			expect((create as ValidationError).issues['baseUrl'], url).toMatch(message);
			const edit = await updateProvider(c.ctx, groq.id, groq.version, {baseUrl: url}).then(() => undefined, (error: unknown) => error);
			expect((edit as ValidationError).issues['baseUrl'], url).toMatch(message);
			expect(await rowCounts(c.ctx)).toEqual(before);
		}
	});

	it('case 36: a well-formed URL is accepted and normalised', async () => {
		const result = await eval752(['providers', 'add', '--name', 'local-vllm', '--type', 'vllm', '--base-url', 'HTTP://LocalHost:8000/v1/', '--json']);
		expect(result.code, result.stderr).toBe(0);
		expect((JSON.parse(result.stdout) as {baseUrl: string}).baseUrl).toBe('http://localhost:8000/v1');
	});
});

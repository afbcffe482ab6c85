import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Input, Io} from '../source/cli/io.js';
import {main} from '../source/cli/main.js';
import {setLogFile} from '../source/log.js';
import {addKey, keyForCall, listKeys} from '../source/services/keys.js';
import {createProvider, getProvider} from '../source/services/providers.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';

let c: TestContext;
let dir: string;
let logPath: string;
/** Everything any command printed in this file, for the leak scan. */
const printed: string[] = [];

beforeAll(async () => {
	c = await testContext();
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-cli-keys-'));
	logPath = path.join(dir, 'eval752.log');
	setLogFile(logPath);
	await createProvider(c.ctx, {name: 'OpenAI', type: 'openai'});
	await createProvider(c.ctx, {name: 'groq', type: 'groq'});
});

afterAll(async () => {
	await c.t.drop();
	fs.rmSync(dir, {recursive: true, force: true});
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {ENCRYPTION_KEY: c.keyHex, EVAL752_LOG_FILE: logPath, ...extra};
}

async function eval752(argv: string[], options: {stdin?: string; env?: NodeJS.ProcessEnv} = {}): Promise<CliResult> {
	const result = await runCli(argv, {database: c.t.db, env: env(options.env), stdin: options.stdin});
	printed.push(result.stdout, result.stderr);
	return result;
}

function secret(prefix = 'sk-proj-'): string {
	return `${prefix}${randomBytes(20).toString('hex')}`;
}

/** A terminal on stdin: raw mode is recorded, keystrokes are queued before the command reads them. */
function terminal(keystrokes: string) {
	const stdin = new PassThrough() as PassThrough & {isTTY: boolean; isRaw: boolean; setRawMode(mode: boolean): void};
	const modes: boolean[] = [];
	stdin.isTTY = true;
	stdin.isRaw = false;
	stdin.setRawMode = (mode: boolean) => {
		modes.push(mode);
		stdin.isRaw = mode;
	};
	stdin.write(keystrokes);
	let stdout = '';
	let stderr = '';
	const io: Io = {
		stdout: {write: (chunk: string) => (stdout += chunk)},
		stderr: {write: (chunk: string) => (stderr += chunk)},
		stdin: stdin as unknown as Input,
		env: {EVAL752_ACTOR: 'tester@test', ...env()},
		cwd: process.cwd(),
		database: c.t.db,
	};
	return {
		io,
		modes,
		output: () => {
			printed.push(stdout, stderr);
			return {stdout, stderr};
		},
	};
}

describe(`eval752 keys (${databaseKind})`, () => {
	it('adds a key from stdin (first line, newline dropped) and lists it by hint', async () => {
		const key = secret();
		const added = await eval752(['keys', 'add', 'openai', '--label', 'ci', '--priority', '3', '--from-stdin'], {stdin: `${key}\nignored second line\n`});
		expect(added.stderr).toBe('');
		expect(added.code).toBe(0);
		expect(added.stdout).toMatch(new RegExp(`^Key sk-proj-…${key.slice(-4)} added to OpenAI \\(id [0-9a-f]{8}, active, priority 3\\)\\n$`));
		const provider = await getProvider(c.ctx, 'openai');
		const [stored] = await listKeys(c.ctx, provider.id);
		expect((await keyForCall(c.ctx, provider.id, stored!.id))!.secret).toBe(key);
		const list = await eval752(['keys', 'list', 'OpenAI']);
		expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+LABEL\s+KEY\s+STATUS\s+PRIORITY\s+AGE\s+LAST VALIDATION$/);
		expect(list.stdout).toMatch(new RegExp(`${stored!.id.slice(0, 8)}\\s+ci\\s+sk-proj-…${key.slice(-4)}\\s+active\\s+3\\s+\\d+s\\s+never`));
		const json = JSON.parse((await eval752(['keys', 'list', 'openai', '--json'])).stdout) as Record<string, unknown>[];
		expect(Object.keys(json[0]!).sort()).toEqual(['id', 'providerId', 'label', 'displayHint', 'status', 'priority', 'version', 'createdAt', 'updatedAt', 'disabledAt', 'lastValidatedAt', 'lastValidation'].sort());
	});

	it('reads a key from a hidden prompt on a terminal, restoring the terminal mode', async () => {
		const key = secret('gsk_');
		const tty = terminal(`${key.slice(0, 10)}X\x7f${key.slice(10)}\r`);
		const code = await main(['keys', 'add', 'groq', '--label', 'typed'], tty.io);
		const {stdout, stderr} = tty.output();
		expect(code).toBe(0);
		expect(tty.modes).toEqual([true, false]);
		expect(stderr).toBe('API key for groq (input hidden, Enter to finish, Ctrl+C to cancel): \n');
		expect(stdout).toMatch(/^Key gsk_…[0-9a-f]{4} added to groq/);
		const provider = await getProvider(c.ctx, 'groq');
		const stored = (await listKeys(c.ctx, provider.id)).find((k) => k.label === 'typed')!;
		expect((await keyForCall(c.ctx, provider.id, stored.id))!.secret).toBe(key);
	});

	it('Ctrl+C at the prompt cancels, stores nothing and restores the terminal', async () => {
		const before = await rowCounts(c.ctx);
		const tty = terminal('sk-half-typed\x03');
		const code = await main(['keys', 'add', 'groq'], tty.io);
		expect(code).toBe(1);
		expect(tty.modes).toEqual([true, false]);
		expect(tty.output().stderr).toMatch(/\neval752: Cancelled — no key was stored\n$/);
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('refuses a key on the command line, without repeating it', async () => {
		const key = secret();
		const before = await rowCounts(c.ctx);
		const attempts: string[][] = [
			['keys', 'add', 'openai', key],
			['keys', 'add', 'openai', '--key', key],
			['keys', 'add', 'openai', `--secret=${key}`],
			['keys', 'add', 'openai', `--api-key=${key}`],
			['keys', 'add', 'openai', `--lable=${key}`],
			['keys', 'add', key, '--from-stdin'],
		];
		for (const argv of attempts) {
			const result = await eval752(argv, {stdin: `${secret()}\n`});
			expect(result.code, argv.join(' ').replace(key, 'KEY')).toBeGreaterThan(0);
			expect(result.stderr).toMatch(/secret|not shown/);
			expect(result.stderr + result.stdout).not.toContain(key.slice(8, 20));
		}
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('refuses when stdin is not a terminal and --from-stdin is missing, and empty input', async () => {
		const before = await rowCounts(c.ctx);
		const noFlag = await eval752(['keys', 'add', 'openai'], {stdin: `${secret()}\n`});
		expect(noFlag.code).toBe(2);
		expect(noFlag.stderr).toBe("eval752: keys add: stdin is not a terminal, so the key can't be typed hidden — pipe it in and add --from-stdin (e.g. pass show groq | eval752 keys add groq --from-stdin)\n");
		for (const stdin of ['', '\n', '   \n']) {
			const empty = await eval752(['keys', 'add', 'openai', '--from-stdin'], {stdin});
			expect(empty.code).toBe(2);
			expect(empty.stderr).toBe('eval752: secret: The key is empty — paste the whole key\n');
		}
		expect(await rowCounts(c.ctx)).toEqual(before);
	});

	it('refuses a duplicate, naming where it is stored', async () => {
		const key = secret();
		const first = await addKey(c.ctx, 'openai', {secret: key, label: 'primary'});
		const again = await eval752(['keys', 'add', 'groq', '--from-stdin'], {stdin: key});
		expect(again.code).toBe(1);
		expect(again.stderr).toBe(`eval752: This key is already stored as primary (${first.id.slice(0, 8)}) on provider OpenAI — nothing was added; use that key, or remove it first (eval752 keys rm)\n`);
	});

	it('disables, enables, reprioritises and removes a key by id prefix', async () => {
		const key = await addKey(c.ctx, 'groq', {secret: secret('gsk_'), label: 'rotate-me'});
		const prefix = key.id.slice(0, 8);
		expect(await eval752(['keys', 'disable', prefix])).toMatchObject({code: 0, stdout: `Key ${key.displayHint} (${prefix}) disabled\n`});
		expect(await eval752(['keys', 'enable', key.id])).toMatchObject({code: 0, stdout: `Key ${key.displayHint} (${prefix}) enabled\n`});
		expect(await eval752(['keys', 'priority', prefix, '7'])).toMatchObject({code: 0, stdout: `Key ${key.displayHint} (${prefix}) now has priority 7\n`});
		expect((await eval752(['keys', 'priority', prefix, 'first'])).stderr).toBe('eval752: priority: Priority must be a whole number from 0 to 1000 (lower is used first)\n');
		const stale = await eval752(['keys', 'disable', prefix, '--expect-version', '1']);
		expect(stale.stderr).toMatch(
			new RegExp(`^eval752: Key rotate-me \\(${prefix}\\) was changed by tester@test \\d+ s ago: status, priority — nothing was saved; review their values, then save yours over theirs \\(headless: run it again with --expect-version 4\\)\n$`),
		);
		const active = await eval752(['keys', 'rm', prefix]);
		expect(active.code).toBe(1);
		expect(active.stderr).toBe(`eval752: Key rotate-me (${prefix}) is active — disable it first (eval752 keys disable ${prefix}), or delete it anyway with --force\n`);
		expect(await eval752(['keys', 'rm', prefix, '--force'])).toMatchObject({code: 0, stdout: `Key ${key.displayHint} (${prefix}) deleted\n`});
		expect((await eval752(['keys', 'rm', prefix])).stderr).toBe(`eval752: No key id starts with ${prefix} — eval752 keys list PROVIDER shows the ids\n`);
		expect((await eval752(['keys', 'disable', 'zz'])).code).toBe(2);
		expect((await eval752(['keys', 'priority', prefix])).code).toBe(2);
	});
});

describe(`no secret leaks anywhere (${databaseKind})`, () => {
	it('a recognisable secret stored through the service and the CLI appears in no column, audit row, log line or output', async () => {
		const canaries = [`sk-LEAKCANARY-${randomBytes(16).toString('hex')}`, `sk-LEAKCANARY-${randomBytes(16).toString('hex')}`, `sk-LEAKCANARY-${randomBytes(16).toString('hex')}`];
		const [viaService, viaCli, viaEnv] = canaries as [string, string, string];
		await addKey(c.ctx, 'openai', {secret: viaService, label: 'canary'});
		expect((await eval752(['keys', 'add', 'groq', '--label', 'canary-cli', '--from-stdin'], {stdin: `${viaCli}\n`})).code).toBe(0);
		// Every way a secret can reach a command: duplicates, argv, the wrong argument, import-env.
		await eval752(['keys', 'add', 'groq', '--from-stdin'], {stdin: viaCli});
		await eval752(['keys', 'add', 'groq', viaCli]);
		await eval752(['keys', 'add', viaCli, '--from-stdin'], {stdin: viaCli});
		await eval752(['keys', 'add', 'groq', `--key=${viaCli}`]);
		await eval752(['import-env', '--dry-run'], {env: {XAI_API_KEY: viaEnv, OPENAI_API_KEY: viaService}});
		await eval752(['import-env'], {env: {XAI_API_KEY: viaEnv, OPENAI_API_KEY: viaService}});
		await eval752(['import-env', '--json'], {env: {XAI_API_KEY: viaEnv}});
		await eval752(['keys', 'list', 'groq', '--json']);
		await eval752(['providers', 'show', 'openai', '--json']);
		await eval752(['providers', 'list', '--json']);
		await eval752(['audit', 'tail', '-n', '1000', '--json']);
		await eval752(['audit', 'tail', '-n', '1000']);
		const xai = await getProvider(c.ctx, 'xai');
		expect((await keyForCall(c.ctx, xai.id))!.secret).toBe(viaEnv);

		const haystacks: {where: string; text: string}[] = printed.map((text, i) => ({where: `command output #${i}`, text}));
		if (fs.existsSync(logPath)) haystacks.push({where: 'log file', text: fs.readFileSync(logPath, 'utf8')});
		const columns = await c.ctx.db.sql<{table_name: string; column_name: string; data_type: string}[]>`
			select table_name, column_name, data_type from information_schema.columns
			where table_schema = 'public' and data_type in ('text', 'jsonb', 'json', 'bytea', 'character varying', 'ARRAY')
			order by table_name, column_name`;
		expect(columns.length).toBeGreaterThan(20);
		for (const column of columns) {
			if (column.table_name === 'provider_keys' && column.column_name === 'ciphertext') continue;
			const name = c.ctx.db.sql(column.column_name);
			const table = c.ctx.db.sql(column.table_name);
			const rows =
				column.data_type === 'bytea'
					? await c.ctx.db.sql<{v: string | null}[]>`select encode(${name}, 'escape') as v from ${table}`
					: await c.ctx.db.sql<{v: string | null}[]>`select ${name}::text as v from ${table}`;
			haystacks.push({where: `${column.table_name}.${column.column_name}`, text: rows.map((row) => row.v ?? '').join('\n')});
		}
		expect(haystacks.some((h) => h.where === 'audit_log.details' && h.text.includes('canary'))).toBe(true);

		for (const canary of canaries) {
			const fragments = new Set<string>();
			for (let i = 0; i + 8 <= canary.length; i++) fragments.add(canary.slice(i, i + 8));
			for (const {where, text} of haystacks) {
				const found = [...fragments].find((fragment) => text.includes(fragment));
				expect(found, `a fragment of a stored secret appears in ${where}`).toBeUndefined();
			}
		}
	});
});

describe('keys rotate --help', () => {
	it('prints the rotation help, not the general keys help', async () => {
		const result = await runCli(['keys', 'rotate', '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^Usage: eval752 keys rotate <provider> --from-stdin/);
		expect(result.stdout).not.toContain("keys list PROVIDER");
	});
});

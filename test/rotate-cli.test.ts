import fs from 'node:fs';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {Input, Io} from '../source/cli/io.js';
import {runKeysRotate} from '../source/cli/commands/keys-rotate.js';
import {reportError} from '../source/cli/main.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {startMockProvider, type MockProvider} from './support/mock-provider.js';
import {tempDir} from './secrets-fixtures.js';
import {auditActions, everythingStored, keysOf, lastSeq, providerWithKey, rejectKey, secretFor} from './rotate-fixtures.js';

/**
 * `eval752 keys rotate` as a script runs it: the key on stdin, progress and the verdict on
 * stdout, the exit code. The lead wires it under `keys`; here it is called directly.
 */

let t: TestContext;
let mock: MockProvider;
let dir: string;

beforeAll(() => {
	dir = tempDir('rotate-cli');
});

beforeEach(async () => {
	t = await testContext();
	mock = await startMockProvider();
});

afterEach(async () => {
	await mock.close();
	await t.t.drop();
});

afterAll(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

class Capture {
	text = '';
	readonly isTTY = false;
	write(chunk: string): boolean {
		this.text += chunk;
		return true;
	}
}

async function rotate(args: readonly string[], stdin: string | null): Promise<{code: number; stdout: string; stderr: string}> {
	const stdout = new Capture();
	const stderr = new Capture();
	const input = new PassThrough() as PassThrough & {isTTY?: boolean};
	input.isTTY = false;
	input.end(stdin ?? undefined);
	const io: Io = {
		stdout,
		stderr,
		stdin: input as unknown as Input,
		env: {EVAL752_ACTOR: 'tester@test', ENCRYPTION_KEY: t.keyHex, EVAL752_DATA_DIR: path.join(dir, 'data'), EVAL752_LOG_FILE: path.join(dir, 'eval752.log')},
		cwd: dir,
		database: t.ctx.db,
	};
	let code: number;
	try {
		code = await runKeysRotate(args, io);
	} catch (error) {
		code = reportError(error, io);
	}
	return {code, stdout: stdout.text, stderr: stderr.text};
}

function logText(): string {
	const file = path.join(dir, 'eval752.log');
	return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

describe(`eval752 keys rotate (${databaseKind})`, () => {
	it('rotates with --from-stdin --disable-old: prints each step, exits 0, the new key first and the old disabled', async () => {
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'cli-rot', {models: ['mock-small', 'mock-large']});
		const secret = secretFor('cli-ok');
		const since = await lastSeq(t.ctx);
		const result = await rotate(['cli-rot', '--from-stdin', '--label', 'fresh', '--all-models', '--disable-old'], `${secret}\n`);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const keys = await keysOf(t.ctx, providerId);
		const newKey = [...keys.values()][0]!;
		expect(newKey).toMatchObject({label: 'fresh', status: 'active'});
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'disabled'});
		expect(result.stdout).toContain(`Key added: ${newKey.displayHint} (fresh) on cli-rot, behind the old key ${oldKey!.displayHint}`);
		expect(result.stdout).toContain('  mock-large: ok in ');
		expect(result.stdout).toContain('  mock-small: ok in ');
		expect(result.stdout).toContain('New key validated on 2 models.');
		expect(result.stdout).toContain(`The new key ${newKey.displayHint} is active and used first; the old key ${oldKey!.displayHint} is disabled.`);
		expect(await auditActions(t.ctx, since)).toEqual(['key.rotate.add', 'smoke.run', 'smoke.run', 'key.rotate.disable_old']);
		expect(result.stdout + result.stderr + logText() + (await everythingStored(t.ctx))).not.toContain(secret);
	});

	it('exits 1 when the provider refuses the new key; the old key stays active and unchanged; --json says so', async () => {
		const {providerId, oldKey} = await providerWithKey(t.ctx, mock, 'cli-rot-401');
		const secret = secretFor('cli-bad');
		mock.setDefault(rejectKey(secret));
		const result = await rotate(['cli-rot-401', '--from-stdin', '--delete-old', '--json'], `${secret}\nignored second line\n`);
		expect(result.code).toBe(1);
		const report = JSON.parse(result.stdout) as {validation: {ok: boolean; results: {errorClass: string}[]}; newKey: {status: string}; oldKey: {status: string}; finish: null; state: string};
		expect(report).toMatchObject({validation: {ok: false, results: [{errorClass: 'auth'}]}, newKey: {status: 'disabled'}, oldKey: {id: oldKey!.id, status: 'active'}, finish: null});
		expect(report.state).toMatch(/is stored but disabled \(last validation: auth\); the old key .+ is still active\.$/);
		expect(result.stderr).toContain('  mock-small: failed — auth: ');
		const keys = await keysOf(t.ctx, providerId);
		expect(keys.get(oldKey!.id)).toMatchObject({status: 'active', version: oldKey!.version});
		// The mock's 401 quoted the whole key: redacted in everything printed, stored and logged.
		expect(result.stdout + result.stderr + logText() + (await everythingStored(t.ctx))).not.toContain(secret);
	});

	it('refuses usage mistakes with exit 2 and stores nothing', async () => {
		await providerWithKey(t.ctx, mock, 'cli-rot-usage');
		const secret = secretFor('cli-usage');
		const before = await lastSeq(t.ctx);
		const both = await rotate(['cli-rot-usage', '--from-stdin', '--model', 'mock-small', '--all-models'], `${secret}\n`);
		expect(both.code).toBe(2);
		expect(both.stderr).toContain('give --model or --all-models, not both');
		const piped = await rotate(['cli-rot-usage'], `${secret}\n`);
		expect(piped.code).toBe(2);
		expect(piped.stderr).toContain('the new key is read from standard input only with --from-stdin');
		const twoFinishes = await rotate(['cli-rot-usage', '--from-stdin', '--disable-old', '--delete-old'], `${secret}\n`);
		expect(twoFinishes.code).toBe(2);
		const pasted = await rotate(['cli-rot-usage', secret, '--from-stdin'], '');
		expect(pasted.code).toBe(2);
		expect(pasted.stderr).toContain('not shown: it may be a secret');
		const empty = await rotate(['cli-rot-usage', '--from-stdin'], '\n');
		expect(empty.code).toBe(1);
		expect(empty.stderr).toContain('nothing was stored');
		expect(await lastSeq(t.ctx)).toBe(before);
		expect(both.stderr + piped.stderr + twoFinishes.stderr + pasted.stderr).not.toContain(secret);
	});
});

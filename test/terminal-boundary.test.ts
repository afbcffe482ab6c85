import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {commands} from '../source/cli/registry.js';
import {appendAudit} from '../source/db/repositories/audit.js';
import {addKey} from '../source/services/keys.js';
import {runCli, type CliResult} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {testContext, type TestContext} from './support/context.js';
import {escapeCases, hostileModelIds, hostileModelList, startMockProvider, unterminatedOscCase, type MockProvider} from './support/mock-provider.js';
import {tempDir} from './secrets-fixtures.js';
import {expectInertOutput} from './support/terminal.js';

/**
 * The output boundary of the headless commands (RELIABILITY 20–22). A database edited behind
 * eval752's back holds escape sequences, 8-bit controls, bidi overrides and invisible characters
 * in every field a command shows; a provider sends the same in model ids and streamed text. Every
 * command's output, as raw text, must hold none of it — and `--json` must still give back the
 * stored values exactly. The test fails when a command is added without being run here, and
 * when anything in source/cli writes to the process's streams around the boundary.
 */

const ESC = '\u001b';
const BEL = '\u0007';
const TAG = String.fromCodePoint(0xe0041);
/** Everything a terminal would act on or hide, in one string. */
const HOSTILE = `${ESC}]0;pwned${BEL}${ESC}]52;c;aGk=${BEL}${ESC}[2J${ESC}[10;20H\u009b31m\u009d0;t\u009c\u202e\u2066\u200b\u200d\ufeff\u00ad${TAG}\r\b${ESC}`;
const NAME = `evil${HOSTILE} co`;

let t: TestContext;
let mock: MockProvider;
let work: string;
let providerId: string;
let otherId: string;
const covered = new Set<string>();

async function eval752(argv: readonly string[], options: {stdin?: string; env?: NodeJS.ProcessEnv} = {}): Promise<CliResult> {
	const first = argv[0];
	if (first !== undefined && first in commands) covered.add(first);
	const result = await runCli(argv, {
		database: t.ctx.db,
		stdin: options.stdin,
		env: {ENCRYPTION_KEY: t.keyHex, EVAL752_DATA_DIR: path.join(work, 'data'), EVAL752_LOG_FILE: path.join(work, 'eval752.log'), ...options.env},
		cwd: work,
	});
	expectInertOutput(result, argv.join(' '));
	return result;
}

beforeAll(async () => {
	work = tempDir('boundary');
	t = await testContext();
	mock = await startMockProvider({models: hostileModelList});
	// A stream carrying every escape case of RELIABILITY 20–22, the 1 MB unterminated OSC last.
	mock.setDefault({kind: 'stream', tokens: [...escapeCases.flatMap((escape) => [...escape.tokens, ' | ']), ...unterminatedOscCase(256 * 1024).tokens]});

	// Rows as an attacker with SQL access (or an old restored backup) leaves them: every shown field hostile.
	const sql = t.ctx.db.sql;
	const [provider] = await sql<{id: string}[]>`
		insert into providers (name, type, base_url, capabilities, updated_by)
		values (${NAME}, 'openai-compatible', ${mock.baseUrl}, ${['streaming']}, ${`mallory${HOSTILE}`})
		returning id`;
	providerId = provider!.id;
	const [other] = await sql<{id: string}[]>`
		insert into providers (name, type, base_url, extra_headers, enabled)
		values (${`second${HOSTILE}`}, 'openai', ${`https://x.example/v1${HOSTILE}`}, ${sql.json({'X-Team': `a${HOSTILE}`})}, false)
		returning id`;
	otherId = other!.id;
	const key = await addKey(t.ctx, providerId, {secret: 'sk-boundary-0123456789abcdefghijklmnop', label: 'fine'});
	await sql`
		update provider_keys set label = ${`ci${HOSTILE}`}, display_hint = ${`sk-…${HOSTILE}`},
			last_validation = ${sql.json({outcome: 'failed', errorClass: `auth${HOSTILE}`, message: `bad${HOSTILE}`, model: `m${HOSTILE}`, at: new Date().toISOString()})},
			last_validated_at = now()
		where id = ${key.id}`;
	await sql`
		insert into models (provider_id, model_name, display_label, alias)
		values (${providerId}, ${`model${HOSTILE}`}, ${`label${HOSTILE}`}, 'hostile'), (${providerId}, 'mock-small', 'Mock small', ${`alias${HOSTILE}`})`;
	await sql`insert into settings (key, value) values ('smoke_prompt', ${sql.json(`prompt${HOSTILE}`)})`;
	await sql`
		insert into smoke_runs (provider_id, provider_name, model_name, started_at, finished_at, outcome, error_class, excerpt, error_message, actor)
		values (${providerId}, ${NAME}, ${`model${HOSTILE}`}, now(), now(), 'failed', ${`auth${HOSTILE}`}, ${`excerpt${HOSTILE}`}, ${`message${HOSTILE}`}, ${`actor${HOSTILE}`})`;
	await sql.begin(async (tx) => {
		await appendAudit(tx, t.ring, `mallory${HOSTILE}`, {action: `provider.update${HOSTILE}`, targetType: `provider${HOSTILE}`, targetId: `${providerId}${HOSTILE}`, details: {name: NAME, [`key${HOSTILE}`]: [HOSTILE, {deep: HOSTILE}]}});
	});
});

afterAll(async () => {
	await mock.close();
	await t.t.drop();
	fs.rmSync(work, {recursive: true, force: true});
});

describe(`the output boundary of the headless commands (${databaseKind})`, () => {
	it('case 20: a provider name with escape sequences inserted by SQL renders inert in providers list and show, status and audit tail', async () => {
		const list = await eval752(['providers', 'list']);
		// A table cell loses its sequences whole (payloads too); the row and the next one stay intact.
		expect(list.stdout).toMatch(/^evil\S* +openai-compatible +yes +1\/1 +2 /m);
		expect(list.stdout).toMatch(/^second\S* +openai +no +0\/0 /m);
		expect(list.stdout).not.toMatch(/pwned|aGk=/);
		// A line that quotes the name loses every control character; the payload stays visible and inert.
		const show = await eval752(['providers', 'show', providerId]);
		expect(show.stdout).toMatch(/^name {10}evil\]0;pwned\]52;c;aGk=\[2J\[10;20H31m0;t co$/m);
		expect(show.stdout).toMatch(/^id {12}[0-9a-f-]{36}$/m);
		const other = await eval752(['providers', 'show', otherId]);
		expect(other.stdout).toMatch(/^headers {7}X-Team: a\]0;pwned/m);
		expect(other.stdout).toMatch(/^base URL {6}https:\/\/x\.example\/v1\]0;pwned/m);
		// Its only run (seeded by SQL) is not one of the serving key: unknown, exit 4.
		const status = await eval752(['status']);
		expect(status.code).toBe(4);
		expect(status.stdout).toMatch(/^evil\S* +unknown/m);
		const audit = await eval752(['audit', 'tail']);
		expect(audit.stdout).toContain('mallory');
		expect(audit.stdout).toContain('provider.update');
		await eval752(['audit', 'verify']);
	});

	it('case 20: every stored field, in every listing command', async () => {
		await eval752(['keys', 'list', providerId]);
		await eval752(['models', 'list']);
		await eval752(['models', 'list', providerId]);
		await eval752(['aliases', 'list']);
		await eval752(['settings', 'get']);
		await eval752(['settings', 'get', 'smoke_prompt']);
		await eval752(['doctor']);
		await eval752(['migrate']);
		await eval752(['keygen']);
		await eval752(['rekey', '--dry-run']);
		await eval752(['runs', 'list']);
		await eval752(['runs', 'list', '--provider', providerId]);
		await eval752(['probe', '--all']);
		// watch runs until a signal; its table is status's, drawn here over the same rows. Covered by
		// its usage error, which echoes a hostile argument.
		expect((await eval752(['watch', '--every', `1x${HOSTILE}`])).code).toBe(2);
		await eval752(['import-env', '--dry-run'], {env: {OPENAI_API_KEY: 'sk-import-0123456789abcdefghijkl'}});
		const file = path.join(work, 'hostile.backup');
		expect((await eval752(['backup', file])).code).toBe(0);
		// Refused: the rows are not ones eval752 writes (and the target is not empty anyway).
		expect((await eval752(['restore', file])).code).toBe(1);
	});

	it('case 20: escape-laden model ids from /models are counted, never printed; one quoting the key is redacted', async () => {
		const discover = await eval752(['models', 'discover', providerId]);
		expect(discover.stdout).toContain('  (10 ids skipped (unsafe characters))');
		expect(hostileModelIds).toHaveLength(10);
		expect(discover.stdout).toContain('keyecho-[redacted]');
		expect(discover.stdout).not.toContain('0123456789abcdef');
		// The listed ids: exactly the safe ones (other lines name the hostile provider and models configured here).
		const listed = discover.stdout.split('\n').filter((line) => /^ {2}[ *] /.test(line));
		expect(listed).toEqual(['    keyecho-[redacted]', '    mock-large', '  * mock-small']);
		const json = JSON.parse((await eval752(['models', 'discover', providerId, '--json'])).stdout) as {served: {modelName: string}[]; skipped: number};
		expect(json.skipped).toBe(10);
		expect(json.served.map((served) => served.modelName)).toEqual(['keyecho-[redacted]', 'mock-large', 'mock-small']);
	});

	it('case 20: smoke, compare and keys rotate print a hostile provider, model and stream inertly', async () => {
		const smoke = await eval752(['smoke', providerId, '--model', 'mock-small']);
		expect(smoke.code).toBe(0);
		expect(smoke.stdout).toContain('copy done');
		expect(smoke.stdout).toContain('VISIBLE-AFTER');
		const compare = await eval752(['compare', 'hostile', '--prompt', 'Say hi']);
		// Our own words after a hostile value are never swallowed.
		expect(compare.stdout).toMatch(/^\[1\] evil.*\/model.* started$/m);
		expect(compare.stdout).toMatch(/^\[1\] evil.*\/model.* finished in \d+ ms$/m);
		const json = await eval752(['compare', 'hostile', '--prompt', 'Say hi', '--json']);
		expect((JSON.parse(json.stdout) as {results: {provider: string; model: string}[]}).results[0]).toMatchObject({provider: NAME, model: `model${HOSTILE}`});
		const rotate = await eval752(['keys', 'rotate', providerId, '--from-stdin', '--model', 'mock-small'], {stdin: 'sk-rotated-0123456789abcdefghijklmno\n'});
		expect(rotate.stdout).toContain('Key added');
	});

	it('case 20: argv echoed in errors is inert', async () => {
		const cases: string[][] = [
			[`--${ESC}]0;title${BEL}`],
			[`frob${ESC}[2J`],
			['providers', `--${ESC}]52;c;aGk=${BEL}`],
			['providers', 'show', `nope${ESC}]0;t${BEL}\u202e`],
			['providers', 'add', '--name', `x${ESC}[2J`, '--type', 'openai'],
			['providers', 'add', '--name', 'x', '--type', `open${ESC}]0;t${BEL}ai`],
			['models', 'add', providerId, '--model', `m${ESC}[2J`],
			['settings', 'set', `key${ESC}[2J`, '1'],
			['status', '--max-age', `1${ESC}]0;t${BEL}d`],
			['smoke', providerId, '--model', `m${ESC}]0;t${BEL}`],
			['compare', `alias${ESC}[2J`],
		];
		for (const argv of cases) {
			const result = await eval752(argv);
			expect(result.code, argv.join(' ')).toBeGreaterThan(0);
			expect(result.stderr).toMatch(/eval752: /);
		}
	});

	it('--json stays exact: the hostile values come back byte for byte, every control escaped', async () => {
		const list = await eval752(['providers', 'list', '--json']);
		expect(list.stdout).toContain('\\u001b]0;pwned\\u0007');
		expect(list.stdout).toContain('\\u009b31m');
		expect(list.stdout).toContain('\\u202e');
		expect(list.stdout).toContain('\\udb40\\udc41');
		const providers = JSON.parse(list.stdout) as {id: string; name: string; baseUrl: string; extraHeaders: Record<string, string>}[];
		expect(providers.find((provider) => provider.id === providerId)).toMatchObject({name: NAME});
		expect(providers.find((provider) => provider.id === otherId)).toMatchObject({baseUrl: `https://x.example/v1${HOSTILE}`, extraHeaders: {'X-Team': `a${HOSTILE}`}});
		const audit = JSON.parse((await eval752(['audit', 'tail', '-n', '1000', '--json'])).stdout) as {actor: string; details: Record<string, unknown>}[];
		const planted = audit.find((row) => row.actor === `mallory${HOSTILE}`);
		expect(planted?.details[`key${HOSTILE}`]).toEqual([HOSTILE, {deep: HOSTILE}]);
		const keys = JSON.parse((await eval752(['keys', 'list', providerId, '--json'])).stdout) as {label: string; displayHint: string}[];
		expect(keys.find((key) => key.label === `ci${HOSTILE}`)?.displayHint).toBe(`sk-…${HOSTILE}`);
	});

	it('case 21: an escape sequence split across stream chunks is still removed (smoke, every case)', async () => {
		for (const escape of escapeCases) {
			mock.script({kind: 'stream', tokens: escape.tokens});
			const result = await eval752(['smoke', providerId, '--model', 'mock-small']);
			expect(result.code, escape.name).toBe(0);
			// The streamed answer, before the summary line (which names the hostile provider).
			const answer = result.stdout.split(/^ok · /m)[0]!;
			for (const visible of escape.visible) expect(answer, escape.name).toContain(visible);
			for (const hidden of escape.hidden ?? []) expect(answer, escape.name).not.toContain(hidden);
		}
	});

	it('case 22: a 1 MB unterminated OSC neither hangs the output nor hides the text after it', async () => {
		const escape = unterminatedOscCase();
		mock.script({kind: 'stream', tokens: escape.tokens});
		const result = await eval752(['smoke', providerId, '--model', 'mock-small']);
		expect(result.code).toBe(0);
		for (const visible of escape.visible) expect(result.stdout).toContain(visible);
		expect(result.stdout).not.toContain('late title');
		expect(result.stdout).toMatch(/^ok · evil/m);
	});

	it('every command of the registry was run over the hostile database above', () => {
		// A new command must be added to the runs above, so its output is proven to pass the boundary.
		expect([...covered].sort()).toEqual(Object.keys(commands).sort());
	});
});

describe('nothing in source/cli writes around the boundary', () => {
	const root = fileURLToPath(new URL('../source/cli', import.meta.url));
	const files = fs.readdirSync(root, {recursive: true, encoding: 'utf8'}).filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file));

	it('only io.ts touches the process streams, and nothing logs to the console', () => {
		expect(files.length).toBeGreaterThan(15);
		const offenders: string[] = [];
		for (const file of files) {
			const text = fs.readFileSync(path.join(root, file), 'utf8');
			if (file !== 'io.ts' && /process\.(stdout|stderr)\b|\/dev\/tty|writeSync\(\s*[12]\b|fs\.write(Sync)?\(\s*(1|2|process\.std)/.test(text)) offenders.push(`${file}: writes to a process stream`);
			if (/\bconsole\.\w+\(/.test(text)) offenders.push(`${file}: uses the console`);
		}
		expect(offenders).toEqual([]);
	});

	it('main hands every command the guarded Io, and the dashboard the raw one', () => {
		const main = fs.readFileSync(path.join(root, 'main.ts'), 'utf8');
		expect(main).toMatch(/const io = terminalIo\(terminal\);/);
		expect(main).toMatch(/runDashboard\(.*, terminal\);/);
	});
});

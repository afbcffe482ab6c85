import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import postgres from 'postgres';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {dataPaths} from '../source/config/paths.js';
import {openEmbedded} from '../source/db/embedded.js';
import type {Sql} from '../source/db/types.js';
import {createServerDatabase, databaseKind, dropServerDatabase, freshEmbeddedDir, testServerUrl} from './support/db.js';
import {startMockProvider, type MockProvider} from './support/mock-provider.js';
import {testContext} from './support/context.js';
import {browseAudit} from '../source/services/audit-browse.js';
import {createProvider, updateProvider} from '../source/services/providers.js';
import {keymap} from '../source/ui/keymap.js';
import {ensureEmbeddedTemplate, tempDir} from './secrets-fixtures.js';

/**
 * Every example command in the README is run here, as written, with the built binary in a shell
 * — in one workspace, in an order where each has what it needs (a provider before its key, runs
 * before `runs show`). Only what points outside this machine is substituted, and each
 * substitution is listed with the step: host names become the test database or the local mock
 * provider, `/var/log` and `/var/lib/node_exporter` a scratch directory, `pass show …` a stub
 * that prints a key, placeholders (RUN_ID, a key id, a version) the real values. The test first
 * checks that the README's commands are exactly the ones below: a command added to the README
 * without a step here fails, and so does a step whose command the README dropped.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The commands of the README: every line of its `sh` blocks (continuations joined, comments off) and every `$ ` line of its transcripts. */
export function readmeCommands(text: string): string[] {
	const commands: string[] = [];
	for (const [, lang, body] of text.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
		const lines = body!.split('\n');
		if (lang === 'sh') {
			let pending = '';
			for (const line of lines) {
				const joined = pending + line;
				if (/\\\s*$/.test(joined)) {
					pending = `${joined.replace(/\\\s*$/, '').trimEnd()} `;
					continue;
				}
				pending = '';
				const command = joined.replace(/\s+#(?:\s.*)?$/, '').trim();
				if (command) commands.push(command.replace(/\s{2,}/g, ' '));
			}
		} else if (lang === '') {
			for (const line of lines) if (line.startsWith('$ ')) commands.push(line.slice(2).trim());
		}
	}
	return [...new Set(commands)];
}

interface Result {
	readonly code: number;
	readonly stdout: string;
	readonly stderr: string;
}

let work: string;
let mock: MockProvider;
let env: NodeJS.ProcessEnv;
let serverUrl: string | undefined;
const secretCi = `gsk_readme_ci_${randomBytes(12).toString('hex')}`;
const secretNew = `gsk_readme_new_${randomBytes(12).toString('hex')}`;

/** Runs a shell line the way a reader pastes it; `until` ends a long-running one with Ctrl+C once its output shows it. */
function sh(script: string, options: {env?: NodeJS.ProcessEnv; stdin?: string; until?: (out: {stdout: string; file?: string}) => boolean; watchFile?: string} = {}): Promise<Result> {
	return new Promise((resolve, reject) => {
		// A command ended with Ctrl+C runs as the shell itself (exec), as in a terminal where Ctrl+C
		// reaches the program, not the interactive shell that started it.
		const child = spawn('sh', ['-c', options.until ? `exec ${script}` : script], {env: options.env ?? env, cwd: work, detached: true});
		let stdout = '';
		let stderr = '';
		let timer: NodeJS.Timeout | undefined;
		const check = () => {
			if (!options.until) return;
			const file = options.watchFile && fs.existsSync(options.watchFile) ? fs.readFileSync(options.watchFile, 'utf8') : undefined;
			if (options.until({stdout, file})) {
				clearInterval(timer);
				timer = undefined;
				process.kill(-child.pid!, 'SIGINT');
			}
		};
		if (options.until) timer = setInterval(check, 100);
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.once('error', reject);
		child.once('close', (code) => {
			clearInterval(timer);
			resolve({code: code ?? -1, stdout, stderr});
		});
		child.stdin.end(options.stdin ?? '');
	});
}

function expectOk(result: Result, what: string): void {
	expect(result.code, `${what}\n${result.stderr}`).toBe(0);
}

/** Writes an executable script into the workspace's bin directory (first on PATH). */
function stub(name: string, body: string): void {
	const file = path.join(work, 'bin', name);
	fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, {mode: 0o755});
}

beforeAll(async () => {
	work = tempDir('readme');
	fs.mkdirSync(path.join(work, 'bin'));
	fs.mkdirSync(path.join(work, 'log'));
	fs.mkdirSync(path.join(work, 'node_exporter'));
	mock = await startMockProvider({models: ['llama-3.1-70b-versatile', 'llama-3.1-8b-instant']});
	mock.setDefault({kind: 'stream', text: 'Hello! I am ready to help.', chunkDelayMs: 5});
	stub('eval752', `exec "${process.execPath}" "${cli}" "$@"`);
	// The password store: `pass show groq/ci` prints the key it holds.
	stub('pass', `case "$2" in groq/ci) echo "${secretCi}";; groq/new) echo "${secretNew}";; *) exit 1;; esac`);
	// syslog may be absent here: logger keeps what it is given where the test can read it.
	stub('logger', `cat >> "${path.join(work, 'log', 'syslog')}"`);
	env = {PATH: `${path.join(work, 'bin')}:${process.env['PATH']}`, HOME: work, EVAL752_LOG_FILE: path.join(work, 'eval752.log'), EVAL752_ACTOR: 'alice@bastion'};
	if (testServerUrl) {
		serverUrl = await createServerDatabase();
		env = {...env, DATABASE_URL: serverUrl, ENCRYPTION_KEY: randomBytes(32).toString('hex')};
		expectOk(await sh('eval752 migrate'), 'migrate');
	} else {
		await ensureEmbeddedTemplate();
		env = {...env, EVAL752_DATA_DIR: freshEmbeddedDir().dataDir};
	}
}, 120_000);

afterAll(async () => {
	await mock?.close();
	if (serverUrl) await dropServerDatabase(serverUrl);
	if (env?.['EVAL752_DATA_DIR']) fs.rmSync(env['EVAL752_DATA_DIR'], {recursive: true, force: true});
	fs.rmSync(work, {recursive: true, force: true});
});

/** What the steps learn on the way (ids and versions the README writes as placeholders). */
const seen: {runId?: string; providerVersion?: number} = {};

interface Step {
	readonly command: string;
	/** Runs the command (with the substitutions it lists) and checks what it did. */
	readonly run?: (command: string) => Promise<void>;
	/** Not run here, and why. */
	readonly notRun?: string;
	/** Runs in the shared-server part (a real PostgreSQL is needed). */
	readonly server?: boolean;
}

const steps: Step[] = [
	{
		command: 'eval752 providers add --name groq-prod --type groq --rpm 30',
		async run(command) {
			expectOk(await sh(command), command);
			// Not in the README: groq-prod answers from the local mock instead of api.groq.com.
			expectOk(await sh(`eval752 providers edit groq-prod --base-url ${mock.baseUrl}`), 'point groq-prod at the mock');
		},
	},
	{
		command: 'eval752 providers',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toMatch(/groq-prod\s+groq/);
		},
	},
	{
		command: 'pass show groq/ci | eval752 keys add groq-prod --label ci --from-stdin',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout + result.stderr).not.toContain(secretCi);
		},
	},
	{command: 'eval752 models add groq-prod --model llama-3.1-70b-versatile --alias llama-3.1-70b', run: ok},
	{
		command: 'eval752 models discover groq-prod',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toContain('llama-3.1-8b-instant');
		},
	},
	{
		command: 'eval752 smoke groq-prod',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toMatch(/^ok · groq-prod · llama-3\.1-70b-versatile · key gsk_…\w{4} · stream · /m);
		},
	},
	{
		command: 'eval752 smoke groq-prod --probe models',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toMatch(/ · models probe · total \d+ ms · 0 tokens$/m);
		},
	},
	{command: 'eval752 probe --all', run: ok},
	{
		command: 'eval752 watch --every 5m',
		async run(command) {
			// Ended with Ctrl+C after its first round, as the README says: exit 0.
			const result = await sh(command, {until: ({stdout}) => /probed 1/.test(stdout)});
			expectOk(result, command);
			expect(result.stdout).toMatch(/^eval752 watch · every 5m · round 1 at /m);
		},
	},
	{
		command: 'eval752 status --json',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(JSON.parse(result.stdout)).toMatchObject({state: 'healthy', exitCode: 0, key: {status: 'ok'}, providers: [{name: 'groq-prod', health: 'healthy'}]});
		},
	},
	{command: 'eval752 runs list --provider groq-prod', run: ok},
	{
		command: 'pass show groq/new | eval752 keys rotate groq-prod --from-stdin --disable-old',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout + result.stderr).not.toContain(secretNew);
		},
	},
	{
		command: 'eval752 compare llama-3.1-70b',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toMatch(/^groq-prod\s+llama-3\.1-70b-versatile\s+ok\s/m);
		},
	},
	{command: 'eval752 settings set timeout_ms 30000', run: ok},
	{
		command: 'eval752 audit tail -n 20 && eval752 audit verify',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toMatch(/^Audit chain intact/m);
		},
	},
	{
		command: 'eval752 audit anchor | logger -t eval752-anchor',
		async run(command) {
			expectOk(await sh(command), command);
			expect(fs.readFileSync(path.join(work, 'log', 'syslog'), 'utf8')).toMatch(/^eval752-audit-anchor v1 chain=/m);
		},
	},
	{command: 'eval752 import-env --dry-run', run: ok},
	{
		command: 'eval752 keys edit 3f2a --label spare --expect-version 4',
		async run(command) {
			// 3f2a: the id (prefix) of the key rotated out above; 4: a version it no longer has.
			const current = async () => (JSON.parse((await sh('eval752 keys list groq-prod --json')).stdout) as {id: string; label: string; version: number}[]).find((key) => key.label === 'ci')!;
			let old = await current();
			// Someone changed it since version 4 (if it is at 4 now, one more change makes it so).
			if (old.version === 4) {
				expectOk(await sh(`eval752 keys edit ${old.id} --priority 7`), 'one more change to the key');
				old = await current();
			}
			const refused = await sh(command.replace('3f2a', old.id.slice(0, 8)));
			expect(refused.code).toBe(1);
			expect(refused.stderr).toMatch(/was changed by alice@bastion .* — nothing was saved; .*run it again with --expect-version \d+/);
			// With the version it names, the edit goes through.
			expectOk(await sh(command.replace('3f2a', old.id.slice(0, 8)).replace('--expect-version 4', `--expect-version ${old.version}`)), 'keys edit with the current version');
		},
	},
	{
		command: 'eval752 doctor',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toMatch(/^ok\s+database/m);
		},
	},
	{
		command: 'eval752 status >/dev/null; case $? in 0) exit 0;; 3|4) exit 1;; 1|6) exit 2;; *) exit 3;; esac',
		async run(command) {
			// The Nagios mapping: healthy is OK (0); a wrong key is CRITICAL (2); an unreachable database UNKNOWN (3).
			expect((await sh(command)).code).toBe(0);
			expect((await sh(command, {env: {...env, ENCRYPTION_KEY: randomBytes(32).toString('hex')}})).code).toBe(2);
			expect((await sh(command, {env: {...env, DATABASE_URL: 'postgres://eval752@127.0.0.1:1/nowhere'}})).code).toBe(3);
		},
	},
	{
		command: 'eval752 watch --every 1m --kind models --json >> /var/log/eval752-watch.jsonl',
		async run(command) {
			const log = path.join(work, 'log', 'eval752-watch.jsonl');
			const result = await sh(command.replace('/var/log/', `${path.join(work, 'log')}/`), {watchFile: log, until: ({file}) => (file ?? '').includes('\n')});
			expectOk(result, command);
			// On a server the first watch above may hold groq-prod's lease for this interval: then it is reported as probed by another watcher.
			const round = JSON.parse(fs.readFileSync(log, 'utf8').split('\n')[0]!) as {round: number; state: string; probes: {provider: string; kind: string | null; skipped: string | null}[]};
			expect(round).toMatchObject({round: 1, state: 'healthy', probes: [{provider: 'groq-prod'}]});
			expect(round.probes[0]!.kind === 'models' || /another watcher|this interval/.test(round.probes[0]!.skipped ?? '')).toBe(true);
		},
	},
	{
		command: 'eval752 status --format openmetrics --max-age 15m > /var/lib/node_exporter/eval752.prom.$$ && mv /var/lib/node_exporter/eval752.prom.$$ /var/lib/node_exporter/eval752.prom',
		async run(command) {
			const dir = path.join(work, 'node_exporter');
			expectOk(await sh(command.replaceAll('/var/lib/node_exporter', dir)), command);
			const metrics = fs.readFileSync(path.join(dir, 'eval752.prom'), 'utf8');
			expect(metrics).toContain('eval752_provider_health{provider="groq-prod",type="groq",state="healthy"} 1');
			expect(metrics.trimEnd().endsWith('# EOF')).toBe(true);
			expect(fs.readdirSync(dir)).toEqual(['eval752.prom']);
		},
	},
	{command: 'eval752 runs list', run: ok},
	{
		command: 'eval752 runs list --alias llama-3.1-70b',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			expect(result.stdout).toMatch(/compare/);
		},
	},
	{
		command: 'eval752 runs list --provider groq-prod --kind smoke --json',
		async run(command) {
			const result = await sh(command);
			expectOk(result, command);
			const runs = JSON.parse(result.stdout) as {id: string}[];
			expect(runs.length).toBeGreaterThan(0);
			seen.runId = runs[0]!.id;
		},
	},
	{
		command: 'eval752 runs show RUN_ID',
		async run(command) {
			const result = await sh(command.replace('RUN_ID', seen.runId!));
			expectOk(result, command);
			expect(result.stdout).toContain(seen.runId!);
		},
	},
	{
		command: 'eval752 providers edit groq-prod --rps 3 --expect-version 6',
		async run(command) {
			// The transcript: bob changed the row after this operator read it at version N.
			const before = (JSON.parse((await sh('eval752 providers list --json')).stdout) as {name: string; version: number}[]).find((p) => p.name === 'groq-prod')!.version;
			expectOk(await sh('eval752 providers edit groq-prod --rpm 40', {env: {...env, EVAL752_ACTOR: 'bob@ops'}}), 'bob edits');
			const refused = await sh(command.replace('--expect-version 6', `--expect-version ${before}`));
			expect(refused.code).toBe(1);
			expect(refused.stderr).toMatch(new RegExp(`^eval752: Provider groq-prod was changed by bob@ops \\d+ s ago: rpm — nothing was saved; review their values, then save yours over theirs \\(headless: run it again with --expect-version ${before + 1}\\)\\n$`));
		},
	},
	{
		command: 'eval752 backup eval752-2026-11-24.jsonl',
		async run(command) {
			expectOk(await sh(command), command);
			expect(fs.statSync(path.join(work, 'eval752-2026-11-24.jsonl')).mode & 0o777).toBe(0o600);
		},
	},
	{
		command: 'eval752 restore eval752-2026-11-24.jsonl',
		async run(command) {
			// Into an EMPTY database, with the same key: a new embedded directory (its key from the
			// first one's encryption.key), or a new database on the server.
			const key = env['ENCRYPTION_KEY'] ?? fs.readFileSync(dataPaths(env['EVAL752_DATA_DIR']!).keyFile, 'utf8').trim();
			const target = serverUrl ? await createServerDatabase() : undefined;
			const dir = serverUrl ? undefined : freshEmbeddedDir().dataDir;
			try {
				const into = {...env, ENCRYPTION_KEY: key, ...(target ? {DATABASE_URL: target} : {EVAL752_DATA_DIR: dir!})};
				const result = await sh(command, {env: into});
				expectOk(result, command);
				const providers = JSON.parse((await sh('eval752 providers list --json', {env: into})).stdout) as {name: string}[];
				expect(providers.map((p) => p.name)).toEqual(['groq-prod']);
				expectOk(await sh('eval752 audit verify', {env: into}), 'the restored audit chain verifies');
			} finally {
				if (target) await dropServerDatabase(target);
				if (dir) fs.rmSync(dir, {recursive: true, force: true});
			}
		},
	},
	{
		command: 'eval752 audit verify --anchor /var/log/eval752-anchors.log',
		async run(command) {
			// The transcript's situation: an anchor was taken, then the last row was cut and an
			// older copy of the head put back (by the tables' owner): only the anchor shows it.
			const anchors = path.join(work, 'log', 'eval752-anchors.log');
			const head = await withDatabase((sql) => sql`select * from audit_head`);
			expectOk(await sh('eval752 settings set timeout_ms 31000'), 'one more change');
			expectOk(await sh(`eval752 audit anchor >> ${anchors}`), 'anchor');
			await withDatabase(async (sql) => {
				await sql.begin(async (tx) => {
					await tx`alter table audit_log disable trigger user`;
					await tx`alter table audit_head disable trigger user`;
					await tx`delete from audit_log where seq = (select max(seq) from audit_log)`;
					await tx`update audit_head set seq = ${head[0]!['seq'] as number}, rows = ${head[0]!['rows'] as number}, row_hash = ${head[0]!['row_hash'] as Buffer}, at = ${head[0]!['at'] as Date}, mac = ${head[0]!['mac'] as Buffer}`;
					await tx`alter table audit_log enable trigger user`;
					await tx`alter table audit_head enable trigger user`;
				});
			});
			const result = await sh(command.replace('/var/log/', `${path.join(work, 'log')}/`));
			expect(result.code, result.stderr).toBe(1);
			const [first] = result.stdout.split('\n');
			expect(first, result.stderr).not.toBe('');
			const last = Number(head[0]!['seq']);
			expect(first).toMatch(new RegExp(`^Audit chain broken at seq ${last + 1} \\(truncated\\): the log ends at seq ${last} but an anchor from \\S+ holds seq ${last + 1}: its tail was cut$`));
			expect(result.stdout).toContain(`: beyond the end (the log ends at seq ${last})`);
		},
	},
	// The shared-server part: only against a real PostgreSQL.
	{command: 'export DATABASE_URL=postgres://eval752@db.internal:5432/eval752', server: true},
	{command: 'export ENCRYPTION_KEY=$(eval752 keygen)', server: true},
	{command: 'eval752 migrate', server: true},
	{command: 'psql -c "create role eval752_app login password \'…\'"', server: true},
	{command: 'DATABASE_URL=postgres://eval752_owner@db.internal:5432/eval752 eval752 migrate --grant eval752_app', server: true},
	{command: 'export DATABASE_URL=postgres://eval752_app@db.internal:5432/eval752', server: true},
	// The development workflow: these are this test suite and its tools, not examples to run from inside it.
	{command: 'npm ci && npm start', notRun: 'opens the dashboard on a terminal: the dashboard end-to-end tests drive the same binary'},
	{command: 'npm ci && npm test', notRun: 'the test suite itself'},
	{command: 'npm run typecheck', notRun: 'part of the CI run (.ci/run)'},
	{command: 'npm run lint', notRun: 'part of the CI run (.ci/run); test/lint.test.ts runs ESLint'},
	{command: 'npm test', notRun: 'the test suite itself'},
	{command: 'TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test', notRun: 'the test suite itself, on a server'},
	{command: 'bash .ci/run', notRun: 'the test suite itself, both runs'},
	{command: 'npm run bench', notRun: 'the benchmarks print figures and assert nothing; never part of npm test'},
];

async function ok(command: string): Promise<void> {
	expectOk(await sh(command), command);
}

/** The workspace's database opened directly (as its owner), for the tampering the audit transcript needs. */
async function withDatabase<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
	if (serverUrl) {
		const sql = postgres(serverUrl, {max: 1, onnotice: () => undefined}) as unknown as Sql;
		try {
			return await work(sql);
		} finally {
			await sql.end({timeout: 5});
		}
	}
	const db = await openEmbedded(dataPaths(env['EVAL752_DATA_DIR']!));
	try {
		return await work(db.sql);
	} finally {
		await db.close();
	}
}

describe('the README examples', () => {
	it('the commands below are exactly the README’s: none added there without a step here, none dropped', () => {
		expect(readmeCommands(readme).sort()).toEqual(steps.map((step) => step.command).sort());
		for (const step of steps) expect(Boolean(step.run) || Boolean(step.notRun) || Boolean(step.server), step.command).toBe(true);
	});

	it('the development commands name scripts and files that exist', () => {
		const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {scripts: Record<string, string>}).scripts;
		for (const script of ['start', 'test', 'typecheck', 'lint', 'bench']) expect(scripts[script], script).toBeDefined();
		const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8');
		expect(ci).toContain('TEST_DATABASE_URL');
	});

	it(`runs every example command, in order, against one workspace (${databaseKind})`, async () => {
		for (const step of steps) {
			if (!step.run) continue;
			await step.run(step.command);
		}
	}, 600_000);

	it.runIf(databaseKind === 'server')('a shared server, from the README: migrate, doctor, a runtime role granted by migrate --grant', async () => {
		const url = await createServerDatabase();
		const role = `eval752_app_${randomBytes(4).toString('hex')}`;
		const owner = new URL(url);
		const asRole = new URL(url);
		asRole.username = role;
		const script = (command: string) =>
			command
				.replace('postgres://eval752@db.internal:5432/eval752', url)
				.replace('postgres://eval752_owner@db.internal:5432/eval752', owner.toString())
				.replace('postgres://eval752_app@db.internal:5432/eval752', asRole.toString())
				.replace(/eval752_app\b/g, role)
				.replace('psql -c', `psql "${owner.toString()}" -c`);
		const serverSteps = steps.filter((step) => step.server).map((step) => step.command);
		const clean = {...env, DATABASE_URL: '', ENCRYPTION_KEY: ''};
		try {
			// Both blocks in one shell, as a reader pastes them one after the other (the exports carry
			// on), each ending in its `eval752 doctor`; `set -e` stops at the first command that fails.
			const lines = ['set -e', ...serverSteps.slice(0, 3), 'eval752 doctor', 'echo "--- as the runtime role"', ...serverSteps.slice(3), 'eval752 doctor'];
			const result = await sh(lines.map(script).join('\n'), {env: clean});
			expectOk(result, 'the shared-server blocks');
			const [asOwner, asRole] = result.stdout.split('--- as the runtime role');
			expect(asOwner).toMatch(/^ok\s+database/m);
			expect(asOwner).toMatch(/^ok\s+migrations/m);
			// The runtime role owns nothing: doctor has no "warn  audit privileges" line for it.
			expect(asRole).toMatch(/^ok\s+database/m);
			expect(asRole).not.toContain('warn  audit privileges');
		} finally {
			await dropServerDatabase(url);
			const admin = postgres(testServerUrl!, {max: 1, onnotice: () => undefined});
			await admin.unsafe(`drop role if exists ${role}`).catch(() => undefined);
			await admin.end({timeout: 5});
		}
	}, 180_000);
});

describe(`the audit filter example the README and the key table give (${databaseKind})`, () => {
	it('"bob provider.update groq" finds bob’s edit of groq, and only it', async () => {
		const example = /filter the audit log by actor, action or target \(e\.g\. ([^)]+)\)/.exec(keymap.find((b) => b.id === 'filter' && b.scope === 'audit')!.description)![1]!;
		expect(readme).toContain(`(\`${example}\`)`);
		const c = await testContext();
		try {
			const groq = await createProvider(c.ctx, {name: 'groq', type: 'groq'});
			await createProvider(c.ctx, {name: 'other', type: 'openai'});
			const bob = c.as('bob@ops');
			await updateProvider(bob, groq.id, groq.version, {rateLimits: {rpm: 30}});
			const found = await browseAudit(c.ctx, {filter: example});
			expect(found.map((row) => [row.actor, row.action, row.target])).toEqual([['bob@ops', 'provider.update', 'provider groq']]);
		} finally {
			await c.t.drop();
		}
	});
});

import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {freshEmbeddedDir} from '../support/db.js';
import {startMockProvider, type MockProvider} from '../support/mock-provider.js';
import {openTerminal, type Terminal} from '../support/tmux.js';
import {templateDir} from '../support/template.js';
import {dataPaths} from '../../source/config/paths.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const secret = 'sk-e2e-SECRETVALUE0123456789abcdefQRST';

let mock: MockProvider;
let dataDir: string;
let term: Terminal | undefined;

beforeAll(async () => {
	mock = await startMockProvider({models: ['e2e-model']});
	// A ready-made data directory when the template exists (embedded runs); otherwise the binary creates one.
	dataDir = fs.existsSync(dataPaths(templateDir()).pgdata) ? freshEmbeddedDir().dataDir : fs.mkdtempSync(path.join(root, 'node_modules', '.e2e-'));
}, 60_000);

afterAll(async () => {
	term?.kill();
	await mock.close();
	fs.rmSync(dataDir, {recursive: true, force: true, maxRetries: 10, retryDelay: 200});
});

describe('the dashboard in a real terminal (80×24, embedded database)', () => {
	it('creates a provider, adds a key, attaches a model, streams a smoke test, quits and gives the terminal back', async () => {
		term = openTerminal(`${process.execPath} ${cli}; echo "EXITED $?"; sleep 60`, {
			// CI=true as on a build host: the dashboard must still draw every frame (Ink alone would not).
			env: {EVAL752_DATA_DIR: dataDir, EVAL752_ACTOR: 'e2e@test', TERM: 'xterm-256color', CI: 'true'},
		});
		await term.waitFor('No providers yet.', 60_000);
		expect(term.flag('alternate_on')).toBe('1');

		await term.send(['a']);
		await term.waitFor('New provider');
		await term.type('e2e-provider');
		await term.waitFor('e2e-provider');
		await term.send(['Tab', 'Tab']);
		await term.waitFor('› Family');
		await term.send(Array.from({length: 14}, () => 'Down'));
		await term.waitFor('OpenAI-compatible (openai-compatible)');
		await term.send(['BTab']);
		await term.waitFor('› Base URL');
		await term.type(mock.baseUrl);
		await term.waitFor(mock.baseUrl);
		await term.send(['Enter']);
		await term.waitFor(/e2e-provider\s+openai-compatible\s+on\s+0\/0/);

		await term.send(['Tab', 'a']);
		await term.waitFor('Add a key to e2e-provider');
		await term.type(secret);
		await term.send(['Tab']);
		await term.waitFor('› Label');
		await term.type('main');
		await term.waitFor(/Label\s+main/);
		await term.send(['Enter']);
		await term.waitFor(/sk-e2e-…QRST\s+main\s+on/);

		await term.send(['Tab', 'a']);
		await term.waitFor('pick what it serves');
		await term.send(['Down', 'Enter']);
		await term.waitFor('Attach a model to e2e-provider');
		await term.send(['Tab', 'Tab']);
		await term.waitFor('› Alias');
		await term.type('e2e-alias');
		await term.waitFor(/Alias\s+e2e-alias/);
		await term.send(['Enter']);
		await term.waitFor(/e2e-model → e2e-alias/);

		// Slow enough to watch: tokens appear before the stream ends.
		mock.setDefault({kind: 'stream', tokens: Array.from({length: 60}, (_, i) => `word${i} `), chunkDelayMs: 60, usage: true});
		await term.send(['s']);
		const streaming = await term.waitFor(/word3 .*\n[\s\S]*streaming from e2e-provider/);
		expect(streaming).not.toContain('word59');
		await term.waitFor(/✓ ok · ttft \d+ ms · total \d+ ms · 60 tokens/);
		await term.waitFor(/e2e-provider\s+openai-compatible\s+on\s+1\/1\s+✓ healthy/);

		await term.send(['1', 'd']);
		await term.waitFor(/Delete provider e2e-provider .*y\/N/);
		await term.send(['n']);
		await term.waitFor('Nothing changed');

		await term.send(['q']);
		const after = await term.waitFor('EXITED 0');
		expect(after).not.toContain('[1] Providers');
		expect(term.flag('alternate_on')).toBe('0');
		expect(term.flag('cursor_flag')).toBe('1');

		// The full key was never on any screen.
		for (const screen of term.seen) {
			expect(screen).not.toContain(secret);
			expect(screen).not.toContain(secret.slice(7, 30));
		}

		// And the database holds what the screens said.
		const out = execFileSync(process.execPath, [cli, 'providers', 'list', '--json'], {env: {...process.env, EVAL752_DATA_DIR: dataDir, DATABASE_URL: ''}, encoding: 'utf8'});
		const providers = JSON.parse(out) as {name: string}[];
		expect(providers.map((p) => p.name)).toEqual(['e2e-provider']);
		const requests = mock.requests.filter((r) => r.path.endsWith('/chat/completions'));
		expect((requests.at(-1)!.body as {model: string}).model).toBe('e2e-model');
	}, 120_000);
});

describe('every way out gives the terminal back', () => {
	const cases: {how: string; signal?: NodeJS.Signals; keys?: string[]; code: number}[] = [
		{how: 'Ctrl+C', keys: ['C-c'], code: 0},
		{how: 'SIGTERM', signal: 'SIGTERM', code: 143},
		{how: 'SIGHUP (a dropped SSH session)', signal: 'SIGHUP', code: 129},
	];
	for (const exit of cases) {
		it(`${exit.how}: normal screen, cursor shown, exit ${exit.code}`, async () => {
			const dir = fs.existsSync(dataPaths(templateDir()).pgdata) ? freshEmbeddedDir().dataDir : fs.mkdtempSync(path.join(root, 'node_modules', '.e2e-'));
			const t = openTerminal(`${process.execPath} ${cli}; echo "EXITED $?"; sleep 60`, {env: {EVAL752_DATA_DIR: dir, EVAL752_ACTOR: 'e2e@test'}});
			try {
				await t.waitFor('[1] Providers', 60_000);
				expect(t.flag('alternate_on')).toBe('1');
				if (exit.keys) await t.send(exit.keys);
				else {
					const shell = execFileSync('tmux', ['display-message', '-p', '-t', t.name, '#{pane_pid}'], {encoding: 'utf8'}).trim();
					const pid = execFileSync('pgrep', ['-P', shell, '-f', 'cli.js'], {encoding: 'utf8'}).trim().split('\n')[0]!;
					process.kill(Number(pid), exit.signal);
				}
				await t.waitFor(`EXITED ${exit.code}`);
				expect(t.flag('alternate_on')).toBe('0');
				expect(t.flag('cursor_flag')).toBe('1');
			} finally {
				t.kill();
				fs.rmSync(dir, {recursive: true, force: true, maxRetries: 10, retryDelay: 200});
			}
		}, 90_000);
	}

	it('refuses to open without a terminal: says so and exits 2', () => {
		let failure: {status: number; stderr: string} | undefined;
		try {
			execFileSync(process.execPath, [cli], {env: {...process.env, EVAL752_DATA_DIR: '/nonexistent-not-used'}, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8'});
		} catch (error) {
			failure = error as {status: number; stderr: string};
		}
		expect(failure?.status).toBe(2);
		expect(failure?.stderr.trim().split('\n')).toEqual(['eval752: The dashboard needs an interactive terminal (stdin and stdout are not a TTY) — use a subcommand from scripts, e.g. eval752 status --json (eval752 --help lists them)']);
	});
});

/** After the terminal is gone the dashboard still closes its database: wait for its lock, then clean up. */
async function closed(dir: string): Promise<void> {
	const lock = dataPaths(dir).lockFile;
	for (let i = 0; i < 300 && fs.existsSync(lock); i++) await new Promise((resolve) => setTimeout(resolve, 50));
	expect(fs.existsSync(lock), 'the dashboard left its lock file behind').toBe(false);
	fs.rmSync(dir, {recursive: true, force: true, maxRetries: 10, retryDelay: 200});
}

describe('NO_COLOR', () => {
	// A colour in SGR: 30–38 and 40–48 (38;…/48;… extended), 90–97, 100–107. 39/49 only reset to the default.
	const colour = /\u001B\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;
	for (const noColor of [false, true]) {
		it(noColor ? 'with NO_COLOR=1 the screen carries no colour, only text and symbols' : 'without NO_COLOR the board is coloured', async () => {
			const dir = fs.existsSync(dataPaths(templateDir()).pgdata) ? freshEmbeddedDir().dataDir : fs.mkdtempSync(path.join(root, 'node_modules', '.e2e-'));
			const env: Record<string, string> = {EVAL752_DATA_DIR: dir, EVAL752_ACTOR: 'e2e@test', TERM: 'xterm-256color', COLORTERM: 'truecolor', FORCE_COLOR: '1'};
			if (noColor) env['NO_COLOR'] = '1';
			const t = openTerminal(`${process.execPath} ${cli}; sleep 60`, {env});
			try {
				await t.waitFor('No providers yet.', 60_000);
				const styled = t.styledScreen();
				if (noColor) expect(styled.match(colour)?.[0] ?? 'none', JSON.stringify(styled.slice(0, 400))).toBe('none');
				else expect(styled).toMatch(colour);
			} finally {
				t.kill();
				await closed(dir);
			}
		}, 90_000);
	}
});

describe('typing while the dashboard starts', () => {
	it('echoes nothing (a key pasted too early never shows) and nothing typed then acts on the board', async () => {
		// A new data directory: the first start takes seconds, long enough to type into.
		const dir = fs.mkdtempSync(path.join(root, 'node_modules', '.e2e-'));
		const t = openTerminal(`${process.execPath} ${cli}; echo "EXITED $?"; sleep 60`, {env: {EVAL752_DATA_DIR: dir, EVAL752_ACTOR: 'e2e@test'}});
		try {
			await t.waitFor('Opening the database');
			await t.type('sk-early-PASTED0123456789abcdef');
			await t.send(['a']);
			await t.waitFor('No providers yet.', 60_000);
			expect(t.screen()).not.toContain('New provider');
			for (const screen of t.seen) expect(screen).not.toContain('PASTED0123456789');
			await t.send(['q']);
			await t.waitFor('EXITED 0');
			expect(t.screen()).not.toContain('PASTED0123456789');
		} finally {
			t.kill();
			await closed(dir);
		}
	}, 120_000);

	it('Ctrl+C while the database opens cancels cleanly (exit 130, terminal back)', async () => {
		const dir = fs.mkdtempSync(path.join(root, 'node_modules', '.e2e-'));
		const t = openTerminal(`${process.execPath} ${cli}; echo "EXITED $?"; sleep 60`, {env: {EVAL752_DATA_DIR: dir, EVAL752_ACTOR: 'e2e@test'}});
		try {
			await t.waitFor('Opening the database');
			await t.send(['C-c']);
			await t.waitFor('EXITED 130', 30_000);
			expect(t.screen()).toContain('cancelled while opening the database');
			expect(t.flag('alternate_on')).toBe('0');
		} finally {
			t.kill();
			await closed(dir);
		}
	}, 120_000);
});

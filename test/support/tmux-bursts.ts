import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {dataPaths} from '../../source/config/paths.js';
import {KeyRing} from '../../source/crypto/index.js';
import {openEmbedded} from '../../source/db/embedded.js';
import {openServer} from '../../source/db/connect.js';
import {migrate} from '../../source/db/migrate.js';
import type {Database} from '../../source/db/types.js';
import {checkKey} from '../../source/services/canary.js';
import type {ServiceContext} from '../../source/services/context.js';
import {burstBytes, type BurstScenario, type KeyStep} from './burst-scenarios.js';
import {createServerDatabase, dropServerDatabase, freshEmbeddedDir, testServerUrl} from './db.js';
import type {MockProvider} from './mock-provider.js';
import {openTerminal} from './tmux.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built binary under test: test/support/global-setup.ts builds this checkout once per run. */
export const cli = path.join(root, 'dist', 'cli.js');
interface Place {
	readonly env: Record<string, string>;
	open(): Promise<Database>;
	remove(): Promise<void>;
}

/** A fresh database for one run: an embedded data directory, or a database on the test server. */
async function freshPlace(key: Buffer): Promise<Place> {
	if (testServerUrl) {
		const url = await createServerDatabase();
		return {env: {DATABASE_URL: url, ENCRYPTION_KEY: key.toString('hex')}, open: () => openServer(url), remove: () => dropServerDatabase(url)};
	}
	const paths = freshEmbeddedDir();
	fs.writeFileSync(paths.keyFile, `${key.toString('hex')}\n`, {mode: 0o600});
	return {
		env: {EVAL752_DATA_DIR: paths.dataDir, DATABASE_URL: ''},
		open: () => openEmbedded(dataPaths(paths.dataDir)),
		remove: async () => fs.rmSync(paths.dataDir, {recursive: true, force: true, maxRetries: 10, retryDelay: 200}),
	};
}

async function withContext<T>(place: Place, ring: KeyRing, work: (ctx: ServiceContext) => Promise<T>): Promise<T> {
	const db = await place.open();
	try {
		await migrate(db.sql);
		const ctx: ServiceContext = {db, actor: 'burst@test', keys: await checkKey(db.sql, ring), readOnly: false};
		return await work(ctx);
	} finally {
		await db.close();
	}
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends the steps as ONE send-keys string (waits dropped); a bracketed paste goes through a tmux buffer. */
function sendBurst(session: string, steps: readonly KeyStep[]): void {
	let pending: KeyStep[] = [];
	const flush = () => {
		const bytes = burstBytes(pending);
		if (bytes) execFileSync('tmux', ['send-keys', '-t', session, '-l', bytes]);
		pending = [];
	};
	for (const step of steps) {
		if ('paste' in step && step.bracketed) {
			flush();
			const buffer = `eval752-${randomBytes(3).toString('hex')}`;
			execFileSync('tmux', ['set-buffer', '-b', buffer, step.paste]);
			execFileSync('tmux', ['paste-buffer', '-p', '-d', '-b', buffer, '-t', session]);
		} else if (!('waitFor' in step)) pending.push(step);
	}
	flush();
}

export interface TmuxRun {
	readonly outcome: unknown;
	/** From the burst being sent to the expected state. */
	readonly ms: number;
	readonly screen: string;
}

/**
 * One scenario against the built binary in a real terminal (tmux, 80×24): seed a fresh database,
 * start the dashboard, send every key as one burst, wait for the state, quit, read the database.
 */
export async function runInTmux(scenario: BurstScenario, mock: MockProvider, options: {timeoutMs?: number} = {}): Promise<TmuxRun> {
	const key = randomBytes(32);
	const ring = KeyRing.from(key, []);
	const place = await freshPlace(key);
	try {
		await withContext(place, ring, (ctx) => scenario.seed(ctx, mock));
		const term = openTerminal(`${process.execPath} ${cli}; echo "EXITED $?"; sleep 60`, {env: {...place.env, EVAL752_ACTOR: 'burst@test', TERM: 'xterm-256color'}});
		try {
			await term.waitFor(/\[1\] Providers[\s\S]*\[4\] Smoke/, 60_000);
			// The board has drawn its data once (a seeded row, or the empty-board line).
			await term.waitFor(/row-1|rot-burst|paste-target|No providers yet/, 30_000);
			const started = Date.now();
			sendBurst(term.name, scenario.steps(mock));
			const expected = JSON.stringify(scenario.expected(mock));
			const deadline = Date.now() + (options.timeoutMs ?? 20_000);
			let screen = term.screen();
			let outcome: unknown;
			const reads = scenario.reads;
			if (reads.from === 'screen') {
				// The cursor's row, polled until it is the expected one (or the time is up).
				for (;;) {
					screen = term.screen();
					outcome = await scenario.outcome({} as ServiceContext, screen);
					if (JSON.stringify(outcome) === expected || Date.now() > deadline) break;
					await pause(50);
				}
			} else {
				screen = await term.waitFor(reads.done, options.timeoutMs ?? 20_000).catch(() => term.screen());
			}
			const ms = Date.now() - started;
			await term.send(['q']);
			await term.waitFor(/EXITED \d+/, 30_000);
			if (reads.from === 'database') outcome = await withContext(place, ring, (ctx) => scenario.outcome(ctx, screen));
			return {outcome, ms, screen};
		} finally {
			term.kill();
		}
	} finally {
		await place.remove();
	}
}

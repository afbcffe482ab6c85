import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {dataPaths} from '../../source/config/paths.js';
import {KeyRing} from '../../source/crypto/index.js';
import {openEmbedded} from '../../source/db/embedded.js';
import {migrate} from '../../source/db/migrate.js';
import {checkKey} from '../../source/services/canary.js';
import {addKey} from '../../source/services/keys.js';
import {createProvider} from '../../source/services/providers.js';
import {freshEmbeddedDir} from '../support/db.js';
import {openTerminal} from '../support/tmux.js';
import {cli} from '../support/tmux-bursts.js';

/**
 * Issue 14: started with the wrong ENCRYPTION_KEY, the header says so in full at 80×24 — both key
 * ids and the remedy, wrapped rather than cut — and changes are refused.
 */
let dir: string;
const written = randomBytes(32);
const wrong = randomBytes(32);

beforeAll(async () => {
	const paths = freshEmbeddedDir();
	dir = paths.dataDir;
	const db = await openEmbedded(dataPaths(dir));
	try {
		await migrate(db.sql);
		const ring = KeyRing.from(written, []);
		const ctx = {db, actor: 'setup@test', keys: await checkKey(db.sql, ring), readOnly: false};
		const provider = await createProvider(ctx, {name: 'keyed', type: 'openai'});
		await addKey(ctx, provider.id, {secret: 'sk-keyed-0123456789abcdefghijkl', label: 'ci'});
	} finally {
		await db.close();
	}
}, 60_000);
afterAll(() => {
	fs.rmSync(dir, {recursive: true, force: true, maxRetries: 10, retryDelay: 200});
});

describe('a wrong ENCRYPTION_KEY in a real terminal (80×24)', () => {
	it('the whole WRONG KEY message is readable in the header: both key ids and the remedy', async () => {
		const term = openTerminal(`${process.execPath} ${cli}; echo "EXITED $?"; sleep 30`, {env: {EVAL752_DATA_DIR: dir, DATABASE_URL: '', ENCRYPTION_KEY: wrong.toString('hex'), EVAL752_ACTOR: 'e2e@test', TERM: 'xterm-256color'}});
		try {
			const screen = await term.waitFor(/WRONG KEY[\s\S]*changes are refused/, 60_000);
			const flat = screen.replace(/\s*\n\s*/g, ' ');
			expect(flat).toContain(KeyRing.from(written, []).currentId);
			expect(flat).toContain(KeyRing.from(wrong, []).currentId);
			expect(flat).toMatch(/did not write this data \(key id \w+\) — changes are refused; set the key that wrote this data, or add it to ENCRYPTION_KEY_PREVIOUS/);
			// The advice once, not twice.
			expect(flat.match(/ENCRYPTION_KEY_PREVIOUS/g)).toHaveLength(1);
			await term.send(['q']);
			await term.waitFor('EXITED 0');
		} finally {
			term.kill();
		}
	}, 90_000);
});

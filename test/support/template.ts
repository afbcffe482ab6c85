import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A ready-made (initdb'd, unmigrated) PGlite data directory shared by every test file of this
 * checkout: copying it takes under a second where initdb takes ~6 s. Keyed by the PGlite version
 * (an upgrade never reuses an old directory) and by the checkout's path (two checkouts on one
 * machine never share, or replace, each other's template).
 */
export function templateDir(): string {
	const version = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as {version: string};
	const checkout = createHash('sha256').update(root).digest('hex').slice(0, 12);
	return path.join(os.tmpdir(), `eval752-test-template-pglite-${version.version}-${checkout}`);
}

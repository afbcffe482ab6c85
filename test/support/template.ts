import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A ready-made (initdb'd, unmigrated) PGlite data directory shared by every test file: copying
 * it takes under a second where initdb takes ~6 s. Keyed by the PGlite version so an upgrade
 * never reuses an old directory.
 */
export function templateDir(): string {
	const version = JSON.parse(fs.readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as {version: string};
	return path.join(os.tmpdir(), `eval752-test-template-pglite-${version.version}`);
}

import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {dataPaths} from '../../source/config/paths.js';
import {embeddedExists, openEmbedded} from '../../source/db/embedded.js';
import {templateDir} from './template.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Once per run: builds dist/ (the end-to-end tests drive the built binary; building in each file
 * would replace it under a test that is running it) and the PGlite template (cached across runs;
 * every embedded test file copies it).
 */
export default async function setup(): Promise<void> {
	execFileSync(process.execPath, [path.join(root, 'source', 'build.mjs')], {cwd: root, stdio: 'inherit'});
	const dir = templateDir();
	const paths = dataPaths(dir);
	if (embeddedExists(paths)) return;
	const building = `${dir}.building-${process.pid}`;
	fs.rmSync(building, {recursive: true, force: true});
	const db = await openEmbedded(dataPaths(building));
	await db.close();
	fs.rmSync(dir, {recursive: true, force: true});
	fs.mkdirSync(dir, {recursive: true});
	fs.renameSync(path.join(building, 'pgdata'), paths.pgdata);
	fs.rmSync(building, {recursive: true, force: true});
}

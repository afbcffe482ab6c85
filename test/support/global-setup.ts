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
	// Built beside the template and renamed into place whole: a reader sees either no template or a
	// complete one, and a second run building at the same time loses the rename harmlessly.
	const building = `${dir}.building-${process.pid}`;
	fs.rmSync(building, {recursive: true, force: true});
	const db = await openEmbedded(dataPaths(building));
	await db.close();
	const staged = `${dir}.staged-${process.pid}`;
	fs.rmSync(staged, {recursive: true, force: true});
	fs.mkdirSync(staged, {recursive: true, mode: 0o700});
	fs.renameSync(path.join(building, 'pgdata'), dataPaths(staged).pgdata);
	fs.rmSync(building, {recursive: true, force: true});
	try {
		fs.renameSync(staged, dir);
	} catch (error) {
		fs.rmSync(staged, {recursive: true, force: true});
		const code = (error as NodeJS.ErrnoException).code;
		if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !embeddedExists(paths)) throw error;
	}
}

import fs from 'node:fs';
import path from 'node:path';
import {dataPaths} from '../../source/config/paths.js';
import {embeddedExists, openEmbedded} from '../../source/db/embedded.js';
import {templateDir} from './template.js';

/** Builds the PGlite template once (cached across runs); every embedded test file copies it. */
export default async function setup(): Promise<void> {
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

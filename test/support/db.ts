import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import {dataPaths, type DataPaths} from '../../source/config/paths.js';
import {openServer} from '../../source/db/connect.js';
import {openEmbedded} from '../../source/db/embedded.js';
import {migrate} from '../../source/db/migrate.js';
import type {Database} from '../../source/db/types.js';
import {templateDir} from './template.js';

export const testServerUrl = process.env['TEST_DATABASE_URL'] || undefined;
export const databaseKind: 'embedded' | 'server' = testServerUrl ? 'server' : 'embedded';

export interface TestDatabase {
	readonly db: Database;
	/** Set for a real server: the URL of this file's own database. */
	readonly url: string | undefined;
	/** Set for embedded: this file's own data directory. */
	readonly paths: DataPaths | undefined;
	/** Closes the connection (embedded: keeps the directory until `drop`). */
	close(): Promise<void>;
	/** Closes and removes the database or directory. */
	drop(): Promise<void>;
}

export interface FreshOptions {
	readonly migrate?: boolean;
}

/** A new, empty database for one test file: a copy of the PGlite template, or a new database on the server. */
export async function freshDatabase(options: FreshOptions = {}): Promise<TestDatabase> {
	const result = testServerUrl ? await freshServerDatabase() : await freshEmbeddedDatabase();
	if (options.migrate !== false) await migrate(result.db.sql);
	return result;
}

/** An empty directory with the template's pgdata (for tests that open it themselves). */
export function freshEmbeddedDir(): DataPaths {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-test-'));
	const paths = dataPaths(dir);
	fs.cpSync(dataPaths(templateDir()).pgdata, paths.pgdata, {recursive: true});
	return paths;
}

async function freshEmbeddedDatabase(): Promise<TestDatabase> {
	const paths = freshEmbeddedDir();
	const db = await openEmbedded(paths);
	return {
		db,
		url: undefined,
		paths,
		close: () => db.close(),
		async drop() {
			await db.close();
			fs.rmSync(paths.dataDir, {recursive: true, force: true});
		},
	};
}

/** A new, empty database on the test server; returns its URL. */
export async function createServerDatabase(): Promise<string> {
	const admin = postgres(testServerUrl!, {max: 1, onnotice: () => undefined});
	const name = `eval752_t_${randomBytes(6).toString('hex')}`;
	try {
		await admin.unsafe(`create database ${name}`);
	} finally {
		await admin.end({timeout: 5});
	}
	const url = new URL(testServerUrl!);
	url.pathname = `/${name}`;
	return url.toString();
}

export async function dropServerDatabase(url: string): Promise<void> {
	const name = new URL(url).pathname.slice(1);
	if (!/^eval752_t_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
	const admin = postgres(testServerUrl!, {max: 1, onnotice: () => undefined});
	try {
		await admin.unsafe(`drop database if exists ${name} with (force)`);
	} finally {
		await admin.end({timeout: 5});
	}
}

async function freshServerDatabase(): Promise<TestDatabase> {
	const url = await createServerDatabase();
	const db = await openServer(url);
	return {
		db,
		url,
		paths: undefined,
		close: () => db.close(),
		async drop() {
			await db.close();
			await dropServerDatabase(url);
		},
	};
}

import {randomBytes} from 'node:crypto';
import postgres from 'postgres';
import {openServer} from '../../source/db/connect.js';
import {migrate} from '../../source/db/migrate.js';
import type {Database} from '../../source/db/types.js';
import {createServerDatabase, dropServerDatabase, freshDatabase, testServerUrl} from './db.js';

/**
 * Databases owned the way a shared server is set up: on a real server, a NON-superuser role
 * owns the database and ran the migrations (so it owns every table and can disable their
 * triggers, as an insider with that role would); a runtime role can be added next to it. On the
 * embedded database the one PGlite user, a superuser, is the owner.
 */

export interface OwnedDatabase {
	readonly db: Database;
	/** Server only: this database's URL as the owner. */
	readonly url: string | undefined;
	/** Server only: the owner role's name. */
	readonly owner: string | undefined;
	/** Server only: a new LOGIN role with nothing granted, and a URL that connects as it. */
	newRole(options?: {superuser?: boolean; createRole?: boolean}): Promise<{name: string; url: string}>;
	drop(): Promise<void>;
}

function roleName(kind: string): string {
	return `eval752_${kind}_${randomBytes(5).toString('hex')}`;
}

function urlAs(url: string, role: string): string {
	const parsed = new URL(url);
	parsed.username = role;
	parsed.password = '';
	return parsed.toString();
}

async function asAdmin<T>(work: (admin: postgres.Sql) => Promise<T>): Promise<T> {
	const admin = postgres(testServerUrl!, {max: 1, onnotice: () => undefined});
	try {
		return await work(admin);
	} finally {
		await admin.end({timeout: 5});
	}
}

export async function ownedDatabase(): Promise<OwnedDatabase> {
	if (!testServerUrl) {
		const t = await freshDatabase();
		return {
			db: t.db,
			url: undefined,
			owner: undefined,
			newRole: () => Promise.reject(new Error('roles need a real server')),
			drop: () => t.drop(),
		};
	}
	const owner = roleName('owner');
	const roles: string[] = [owner];
	const adminUrl = await createServerDatabase();
	const database = new URL(adminUrl).pathname.slice(1);
	await asAdmin(async (admin) => {
		await admin`create role ${admin(owner)} login nosuperuser nocreaterole nocreatedb`;
		// PostgreSQL 15: the public schema belongs to the database owner, so the owner may create in it.
		await admin`alter database ${admin(database)} owner to ${admin(owner)}`;
	});
	const url = urlAs(adminUrl, owner);
	const db = await openServer(url);
	await migrate(db.sql);
	return {
		db,
		url,
		owner,
		async newRole(options = {}) {
			const name = roleName(options.superuser ? 'super' : 'runtime');
			roles.push(name);
			await asAdmin(async (admin) => {
				if (options.superuser) await admin`create role ${admin(name)} login superuser`;
				else if (options.createRole) await admin`create role ${admin(name)} login createrole`;
				else await admin`create role ${admin(name)} login`;
			});
			return {name, url: urlAs(adminUrl, name)};
		},
		async drop() {
			await db.close();
			await dropServerDatabase(adminUrl);
			await asAdmin(async (admin) => {
				for (const role of roles.reverse()) await admin`drop role if exists ${admin(role)}`;
			});
		},
	};
}

import {UserError} from '../../errors.js';
import type {Queryable, Sql, Tx} from '../types.js';

/**
 * Least privilege on a shared server. The role that runs `eval752 migrate` owns the tables, and
 * an owner can disable the audit log's append-only triggers. The dashboard and the headless
 * commands should connect as a runtime role that owns nothing and holds exactly what they use:
 * INSERT but no UPDATE, DELETE or TRUNCATE on audit_log, UPDATE on the one head row.
 * `eval752 migrate --grant ROLE` applies this list; the README shows it as SQL (`grantSql`).
 */

export type TablePrivilege = 'select' | 'insert' | 'update' | 'delete';

export interface TableGrant {
	readonly table: string;
	readonly privileges: readonly TablePrivilege[];
}

/** Every table of the schema with what the runtime needs of it (a test holds this to the migrated schema). */
export const RUNTIME_GRANTS: readonly TableGrant[] = [
	{table: 'providers', privileges: ['select', 'insert', 'update', 'delete']},
	{table: 'provider_keys', privileges: ['select', 'insert', 'update', 'delete']},
	{table: 'models', privileges: ['select', 'insert', 'update', 'delete']},
	{table: 'settings', privileges: ['select', 'insert', 'update']},
	{table: 'smoke_runs', privileges: ['select', 'insert']},
	{table: 'comparison_runs', privileges: ['select', 'insert', 'update']},
	{table: 'comparison_results', privileges: ['select', 'insert']},
	{table: 'audit_log', privileges: ['select', 'insert']},
	{table: 'audit_head', privileges: ['select', 'update']},
	// `rekey` removes the canaries of the keys it retired.
	{table: 'encryption_canary', privileges: ['select', 'insert', 'delete']},
	// `eval752 watch` claims a provider per interval here (coordination state, not audited).
	{table: 'probe_leases', privileges: ['select', 'insert', 'update', 'delete']},
	{table: 'schema_migrations', privileges: ['select']},
];

/** A role name as eval752 accepts it: an unquoted PostgreSQL identifier in lower case. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isRoleName(value: string): boolean {
	return ROLE_NAME.test(value);
}

/** Double-quoted as postgres.js quotes identifiers. */
function quoted(identifier: string): string {
	return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * The grants as SQL, exactly what `grantRuntimeRole` runs (for the README, and for a DBA who
 * prefers to run it by hand as the owner). No sequences: every key is a uuid or assigned by eval752.
 */
export function grantSql(role: string, schema = 'public'): string {
	const tables = RUNTIME_GRANTS.map((grant) => grant.table);
	return [
		`revoke all on ${tables.join(', ')} from ${quoted(role)};`,
		`grant usage on schema ${quoted(schema)} to ${quoted(role)};`,
		...RUNTIME_GRANTS.map((grant) => `grant ${grant.privileges.join(', ')} on ${grant.table} to ${quoted(role)};`),
	].join('\n');
}

/** One statement per privilege, each a fixed template: nothing of the input is spliced as SQL. */
const GRANT: Record<TablePrivilege, (tx: Tx, table: string, role: string) => Promise<unknown>> = {
	select: (tx, table, role) => tx`grant select on ${tx(table)} to ${tx(role)}`,
	insert: (tx, table, role) => tx`grant insert on ${tx(table)} to ${tx(role)}`,
	update: (tx, table, role) => tx`grant update on ${tx(table)} to ${tx(role)}`,
	delete: (tx, table, role) => tx`grant delete on ${tx(table)} to ${tx(role)}`,
};

export interface AuditPrivileges {
	/** The connected role. */
	readonly role: string;
	readonly owner: string;
	readonly superuser: boolean;
	/** The connected role is the owner or a member of the owner role (it can disable the triggers). */
	readonly ownerMember: boolean;
	/** CREATEROLE can make itself a member of the owner role. */
	readonly createRole: boolean;
	/** Table privileges a runtime role should not have on audit_log. */
	readonly excess: readonly string[];
}

/** What the connected role may do to audit_log beyond appending; undefined before migrating. */
export async function auditPrivileges(sql: Queryable): Promise<AuditPrivileges | undefined> {
	const [row] = await sql<
		{role: string; owner: string; superuser: boolean; owner_member: boolean; create_role: boolean; can_update: boolean; can_delete: boolean; can_truncate: boolean}[]
	>`
		select current_user::text as role, pg_get_userbyid(c.relowner)::text as owner, r.rolsuper as superuser,
			pg_has_role(current_user, c.relowner, 'MEMBER') as owner_member, r.rolcreaterole as create_role,
			has_table_privilege(c.oid, 'UPDATE') as can_update, has_table_privilege(c.oid, 'DELETE') as can_delete,
			has_table_privilege(c.oid, 'TRUNCATE') as can_truncate
		from pg_class c, pg_roles r
		where c.oid = to_regclass('audit_log') and r.rolname = current_user`;
	if (!row) return undefined;
	const excess = [row.can_update ? 'UPDATE' : '', row.can_delete ? 'DELETE' : '', row.can_truncate ? 'TRUNCATE' : ''].filter(Boolean);
	return {role: row.role, owner: row.owner, superuser: row.superuser, ownerMember: row.owner_member, createRole: row.create_role, excess};
}

export interface GrantResult {
	readonly role: string;
	readonly schema: string;
	readonly grants: readonly TableGrant[];
}

/**
 * Gives `role` exactly RUNTIME_GRANTS (revoking whatever else it held on these tables), in one
 * transaction. Refuses a role that could undo the point of it: one that does not exist, a
 * superuser, the owner of the tables or a member of the owner role, a role with CREATEROLE.
 */
export async function grantRuntimeRole(sql: Sql, role: string): Promise<GrantResult> {
	if (!isRoleName(role)) throw new UserError('The role name must be a PostgreSQL identifier: lowercase letters, digits and _, at most 63, not starting with a digit', {exitCode: 2});
	const [table] = await sql<{schema: string}[]>`
		select n.nspname::text as schema from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = to_regclass('audit_log')`;
	if (!table) throw new UserError('The database is not migrated: there is no audit_log to grant on', {hint: 'run eval752 migrate first'});
	const [target] = await sql<{superuser: boolean; create_role: boolean; owner_member: boolean; current: boolean}[]>`
		select r.rolsuper as superuser, r.rolcreaterole as create_role, pg_has_role(r.oid, c.relowner, 'MEMBER') as owner_member, r.rolname = current_user as current
		from pg_roles r, pg_class c
		where r.rolname = ${role} and c.oid = to_regclass('audit_log')`;
	if (!target) throw new UserError(`The role ${role} does not exist; nothing was granted`, {hint: `create it first (as an administrator): create role ${role} login password '…'`});
	const refuse = (why: string) => new UserError(`The role ${role} ${why}; nothing was granted`, {hint: 'create a separate login role for the dashboard and grant to that one'});
	if (target.superuser) throw refuse('is a superuser: it can disable the audit log\'s triggers whatever it is granted');
	if (target.current || target.owner_member) throw refuse('owns the tables (or is a member of the owner role): it can disable the audit log\'s triggers');
	if (target.create_role) throw refuse('has CREATEROLE: it can make itself a member of the owner role');
	await sql.begin(async (tx) => {
		for (const grant of RUNTIME_GRANTS) await tx`revoke all on ${tx(grant.table)} from ${tx(role)}`;
		await tx`grant usage on schema ${tx(table.schema)} to ${tx(role)}`;
		for (const grant of RUNTIME_GRANTS) {
			for (const privilege of grant.privileges) await GRANT[privilege](tx, grant.table, role);
		}
	});
	return {role, schema: table.schema, grants: RUNTIME_GRANTS};
}

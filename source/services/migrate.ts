import type {KeyRing} from '../crypto/index.js';
import {migrate} from '../db/migrate.js';
import {grantRuntimeRole, type GrantResult} from '../db/repositories/roles.js';
import type {Database} from '../db/types.js';
import {sealAfterMigration, unsealedRows, type SealResult} from './audit.js';
import {checkKey} from './canary.js';
import type {ServiceContext} from './context.js';

export {grantSql, isRoleName, type GrantResult} from '../db/repositories/roles.js';

export interface MigrationRun {
	/** Every migration applied, those the open already applied (the embedded database migrates itself) first. */
	readonly applied: string[];
	/** Set when this run applied the keyed-chain migration and sealed the rows written before it. */
	readonly sealed: SealResult | undefined;
	/** Audit rows written before keyed hashing that are still not sealed (no ENCRYPTION_KEY yet). */
	readonly unsealed: number;
	readonly granted: GrantResult | undefined;
}

/**
 * `eval752 migrate` on an open database: the pending migrations under the advisory lock, the
 * seal of the audit rows written before keyed hashing (when this run applied that migration and
 * a key is configured), then the runtime role's grants when one is named.
 */
export async function migrateDatabase(db: Database, options: {readonly ring: KeyRing | undefined; readonly actor: string; readonly alreadyApplied: readonly string[]; readonly grant?: string}): Promise<MigrationRun> {
	const applied = [...options.alreadyApplied, ...(await migrate(db.sql)).applied];
	const ctx: ServiceContext = {db, actor: options.actor, keys: await checkKey(db.sql, options.ring), readOnly: false};
	const sealed = await sealAfterMigration(ctx, applied);
	const unsealed = await unsealedRows(ctx);
	const granted = options.grant === undefined ? undefined : await grantRuntimeRole(db.sql, options.grant);
	return {applied, sealed, unsealed, granted};
}

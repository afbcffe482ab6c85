import {isSettingKey, parseSettingKey, parseSettingValue, settingDefaults, settingRules, type SettingKey, type Settings} from '../domain/settings.js';
import {insertSetting, settingRow, settingRows, updateSetting} from '../db/repositories/settings.js';
import type {Queryable, Tx} from '../db/types.js';
import {conflictError} from './conflict-details.js';
import {ConflictError, ValidationError} from '../errors.js';
import {log} from '../log.js';
import {mutate, read, type ServiceContext} from './context.js';

/**
 * Workspace settings. A key never written reads as its default (version absent); the first
 * `setSetting` inserts it at version 1. A stored value that fails its rule reads as the
 * default and is logged, so one bad row never stops a smoke test.
 */

export interface SettingsState {
	values: Settings;
	versions: Partial<Record<keyof Settings, number>>;
}

export async function readSettings(sql: Queryable): Promise<SettingsState> {
	const values: Settings = {...settingDefaults};
	const versions: Partial<Record<keyof Settings, number>> = {};
	for (const row of await settingRows(sql)) {
		if (!isSettingKey(row.key)) continue;
		versions[row.key] = row.version;
		try {
			(values as unknown as Record<string, unknown>)[row.key] = settingRules[row.key](row.value);
		} catch {
			log.warn('stored setting fails its rule; using the default', {key: row.key, version: row.version});
		}
	}
	return {values, versions};
}

export async function getSettings(ctx: ServiceContext): Promise<SettingsState> {
	return read(ctx, (sql) => readSettings(sql));
}

/** The conflict for a setting that is no longer at `expectedVersion` (0: never written): who changed it and when. */
async function settingConflict(tx: Tx, name: SettingKey, expectedVersion: number): Promise<ConflictError> {
	const row = await settingRow(tx, name);
	return conflictError(tx, {type: 'setting', id: name, subject: `Setting ${name}`}, expectedVersion, {version: row?.version ?? 0, updatedBy: row?.updatedBy ?? null, updatedAt: row?.updatedAt ?? null});
}

/**
 * Sets one setting. `value` may be a string from a command line ("30000", "0.7"): it is coerced
 * by the key's rule. `expectedVersion` is the version read (0 or absent for a key never written);
 * a newer row is a ConflictError naming who changed it.
 */
export async function setSetting(ctx: ServiceContext, key: string, value: unknown, expectedVersion?: number): Promise<Settings> {
	const name: SettingKey = parseSettingKey(key);
	const next = parseSettingValue(name, value);
	if (expectedVersion !== undefined && (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 0)) {
		throw new ValidationError({expectedVersion: 'Expected version must be a whole number from 0 (0: never set)'});
	}
	return mutate(ctx, async (tx) => {
		const current = await settingRow(tx, name, {lock: true});
		if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) throw await settingConflict(tx, name, expectedVersion);
		let before: unknown = settingDefaults[name];
		if (current) {
			try {
				before = settingRules[name](current.value);
			} catch {
				before = current.value;
			}
		}
		const written = current ? await updateSetting(tx, name, current.version, next, ctx.actor) : await insertSetting(tx, name, next, ctx.actor);
		if (!written) throw await settingConflict(tx, name, current?.version ?? 0);
		const state = await readSettings(tx);
		return {
			value: state.values,
			audit: {action: 'setting.set', targetType: 'setting', targetId: name, details: {key: name, version: written.version, fields: ['value'], before, after: next}},
			changes: [{table: 'settings', id: name}],
		};
	});
}

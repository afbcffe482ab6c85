import * as z from 'zod';
import type {Queryable, Tx} from '../types.js';

/** Rows of `settings`: one jsonb value per key, checked against the domain rules by the service. */

const settingRowSchema = z.object({
	key: z.string(),
	value: z.unknown(),
	version: z.number().int(),
	updated_at: z.date(),
	updated_by: z.string().nullable(),
});

export interface SettingRow {
	readonly key: string;
	readonly value: unknown;
	readonly version: number;
	readonly updatedAt: Date;
	readonly updatedBy: string | null;
}

function toSetting(raw: unknown): SettingRow {
	const row = settingRowSchema.parse(raw);
	return {key: row.key, value: row.value, version: row.version, updatedAt: row.updated_at, updatedBy: row.updated_by};
}

export async function settingRows(sql: Queryable): Promise<SettingRow[]> {
	const rows = await sql`select * from settings order by key`;
	return rows.map(toSetting);
}

export async function settingRow(sql: Queryable, key: string, options: {lock?: boolean} = {}): Promise<SettingRow | undefined> {
	const rows = options.lock ? await sql`select * from settings where key = ${key} for update` : await sql`select * from settings where key = ${key}`;
	return rows[0] ? toSetting(rows[0]) : undefined;
}

/** First write of a key; undefined when another writer inserted it first. */
export async function insertSetting(tx: Tx, key: string, value: unknown, actor: string): Promise<SettingRow | undefined> {
	const [row] = await tx`
		insert into settings (key, value, updated_by) values (${key}, ${tx.json(value as never)}, ${actor})
		on conflict (key) do nothing
		returning *`;
	return row ? toSetting(row) : undefined;
}

export async function updateSetting(tx: Tx, key: string, expectedVersion: number, value: unknown, actor: string): Promise<SettingRow | undefined> {
	const [row] = await tx`
		update settings set value = ${tx.json(value as never)}, version = version + 1, updated_at = now(), updated_by = ${actor}
		where key = ${key} and version = ${expectedVersion}
		returning *`;
	return row ? toSetting(row) : undefined;
}

import {capabilities} from '../../domain/families.js';
import type {AliasEntry, Model, ModelInput} from '../../domain/model.js';
import {UserError} from '../../errors.js';
import type {Queryable, Tx} from '../types.js';
import {isUniqueViolation} from './providers.js';

/** Rows of `models`; the per-provider unique model name becomes a domain error. */

export type ModelRow = Model & {updatedBy: string | null};

/** Mapped by hand: every column's type is the database's promise, and writes went through the model rules. */
function toModel(raw: unknown): ModelRow {
	const row = raw as Record<string, unknown>;
	return {
		id: row['id'] as string,
		providerId: row['provider_id'] as string,
		modelName: row['model_name'] as string,
		displayLabel: row['display_label'] as string,
		alias: (row['alias'] as string | null) ?? null,
		version: row['version'] as number,
		createdAt: row['created_at'] as Date,
		updatedAt: row['updated_at'] as Date,
		updatedBy: (row['updated_by'] as string | null) ?? null,
	};
}

export class DuplicateModel extends UserError {
	constructor(modelName: string, providerName: string) {
		super(`Model ${modelName} is already on provider ${providerName}`, {hint: 'edit that model instead (eval752 models list shows it)'});
	}
}

async function mapModelConflict<T>(modelName: string, providerName: string, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (isUniqueViolation(error, 'models_provider_id_model_name_key')) throw new DuplicateModel(modelName, providerName);
		throw error;
	}
}

export async function listModelRows(sql: Queryable, providerId?: string): Promise<ModelRow[]> {
	const rows = providerId
		? await sql`select m.* from models m where m.provider_id = ${providerId} order by lower(m.model_name), m.id`
		: await sql`select m.* from models m join providers p on p.id = m.provider_id order by lower(p.name), lower(m.model_name), m.id`;
	return rows.map(toModel);
}

export async function modelById(sql: Queryable, id: string, options: {lock?: boolean} = {}): Promise<ModelRow | undefined> {
	const rows = options.lock ? await sql`select * from models where id = ${id} for update` : await sql`select * from models where id = ${id}`;
	return rows[0] ? toModel(rows[0]) : undefined;
}

export async function modelsByIdPrefix(sql: Queryable, prefix: string, limit = 5): Promise<ModelRow[]> {
	const rows = await sql`select * from models where id::text like ${prefix + '%'} order by created_at limit ${limit}`;
	return rows.map(toModel);
}

export async function insertModel(tx: Tx, providerId: string, providerName: string, input: ModelInput, actor: string): Promise<ModelRow> {
	return mapModelConflict(input.modelName, providerName, async () => {
		const [row] = await tx`
			insert into models (provider_id, model_name, display_label, alias, updated_by)
			values (${providerId}, ${input.modelName}, ${input.displayLabel}, ${input.alias}, ${actor})
			returning *`;
		return toModel(row);
	});
}

export async function updateModelRow(tx: Tx, id: string, expectedVersion: number, providerName: string, input: ModelInput, actor: string): Promise<ModelRow | undefined> {
	return mapModelConflict(input.modelName, providerName, async () => {
		const [row] = await tx`
			update models set model_name = ${input.modelName}, display_label = ${input.displayLabel}, alias = ${input.alias},
				version = version + 1, updated_at = now(), updated_by = ${actor}
			where id = ${id} and version = ${expectedVersion}
			returning *`;
		return row ? toModel(row) : undefined;
	});
}

export async function deleteModelRow(tx: Tx, id: string): Promise<boolean> {
	const rows = await tx`delete from models where id = ${id} returning id`;
	return rows.length > 0;
}

interface AliasRow {
	readonly alias: string;
	readonly provider_id: string;
	readonly provider_name: string;
	readonly provider_enabled: boolean;
	readonly model_id: string;
	readonly model_name: string;
	readonly display_label: string;
	readonly capabilities: string[];
}

/** Each alias with every provider model serving it, aliases and providers by name. */
export async function aliasRows(sql: Queryable): Promise<AliasEntry[]> {
	const rows = await sql<AliasRow[]>`
		select m.alias, p.id as provider_id, p.name as provider_name, p.enabled as provider_enabled,
			m.id as model_id, m.model_name, m.display_label, p.capabilities
		from models m join providers p on p.id = m.provider_id
		where m.alias is not null
		order by m.alias, lower(p.name), m.model_name`;
	const entries: AliasEntry[] = [];
	for (const row of rows) {
		let entry = entries.at(-1);
		if (!entry || entry.alias !== row.alias) {
			entry = {alias: row.alias, providers: []};
			entries.push(entry);
		}
		entry.providers.push({
			providerId: row.provider_id,
			providerName: row.provider_name,
			providerEnabled: row.provider_enabled,
			modelId: row.model_id,
			modelName: row.model_name,
			displayLabel: row.display_label,
			capabilities: capabilities.filter((capability) => row.capabilities.includes(capability)),
		});
	}
	return entries;
}

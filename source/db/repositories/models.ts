import {z} from 'zod';
import {capabilities} from '../../domain/families.js';
import type {AliasEntry, Model, ModelInput} from '../../domain/model.js';
import {UserError} from '../../errors.js';
import type {Queryable, Tx} from '../types.js';
import {isUniqueViolation} from './providers.js';

/** Rows of `models`; the per-provider unique model name becomes a domain error. */

const modelRowSchema = z
	.object({
		id: z.string(),
		provider_id: z.string(),
		model_name: z.string(),
		display_label: z.string(),
		alias: z.string().nullable(),
		version: z.number().int(),
		created_at: z.date(),
		updated_at: z.date(),
		updated_by: z.string().nullable(),
	})
	.transform((row): ModelRow => ({
		id: row.id,
		providerId: row.provider_id,
		modelName: row.model_name,
		displayLabel: row.display_label,
		alias: row.alias,
		version: row.version,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
		updatedBy: row.updated_by,
	}));

export type ModelRow = Model & {updatedBy: string | null};

function toModel(raw: unknown): ModelRow {
	return modelRowSchema.parse(raw);
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

const aliasRowSchema = z.object({
	alias: z.string(),
	provider_id: z.string(),
	provider_name: z.string(),
	provider_enabled: z.boolean(),
	model_id: z.string(),
	model_name: z.string(),
	display_label: z.string(),
	capabilities: z.array(z.string()),
});

/** Each alias with every provider model serving it, aliases and providers by name. */
export async function aliasRows(sql: Queryable): Promise<AliasEntry[]> {
	const rows = await sql`
		select m.alias, p.id as provider_id, p.name as provider_name, p.enabled as provider_enabled,
			m.id as model_id, m.model_name, m.display_label, p.capabilities
		from models m join providers p on p.id = m.provider_id
		where m.alias is not null
		order by m.alias, lower(p.name), m.model_name`;
	const entries: AliasEntry[] = [];
	for (const raw of rows) {
		const row = aliasRowSchema.parse(raw);
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

import type {Queryable} from '../types.js';

/** What an audit row's target id names today, for the ids of one page of rows. */
export interface TargetNames {
	readonly providers: Map<string, {name: string}>;
	readonly keys: Map<string, {hint: string; label: string; providerId: string; providerName: string}>;
	readonly models: Map<string, {modelName: string; providerId: string; providerName: string}>;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function targetNames(sql: Queryable, ids: {providers: readonly string[]; keys: readonly string[]; models: readonly string[]}): Promise<TargetNames> {
	const only = (list: readonly string[]) => [...new Set(list.filter((id) => uuid.test(id)))];
	const [providers, keys, models] = [only(ids.providers), only(ids.keys), only(ids.models)];
	const names: TargetNames = {providers: new Map(), keys: new Map(), models: new Map()};
	if (providers.length > 0) {
		for (const row of await sql<{id: string; name: string}[]>`select id::text as id, name from providers where id = any(${providers}::uuid[])`) names.providers.set(row.id, {name: row.name});
	}
	if (keys.length > 0) {
		const rows = await sql<{id: string; display_hint: string; label: string; provider_id: string; provider_name: string}[]>`
			select k.id::text as id, k.display_hint, k.label, k.provider_id::text as provider_id, p.name as provider_name
			from provider_keys k join providers p on p.id = k.provider_id where k.id = any(${keys}::uuid[])`;
		for (const row of rows) names.keys.set(row.id, {hint: row.display_hint, label: row.label, providerId: row.provider_id, providerName: row.provider_name});
	}
	if (models.length > 0) {
		const rows = await sql<{id: string; model_name: string; provider_id: string; provider_name: string}[]>`
			select m.id::text as id, m.model_name, m.provider_id::text as provider_id, p.name as provider_name
			from models m join providers p on p.id = m.provider_id where m.id = any(${models}::uuid[])`;
		for (const row of rows) names.models.set(row.id, {modelName: row.model_name, providerId: row.provider_id, providerName: row.provider_name});
	}
	return names;
}

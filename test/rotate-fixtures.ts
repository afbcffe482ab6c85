import {randomBytes} from 'node:crypto';
import type {ServiceContext} from '../source/services/context.js';
import {addKey, listKeys} from '../source/services/keys.js';
import {addModel} from '../source/services/models.js';
import {createProvider} from '../source/services/providers.js';
import type {KeySummary} from '../source/domain/key.js';
import type {MockBehaviour, MockProvider, MockRequest} from './support/mock-provider.js';
import {mockErrors} from './support/mock-provider.js';

/** Builders shared by the rotation and comparison tests: real services, a mock provider on loopback. */

export function secretFor(tag: string): string {
	return `sk-rot-${tag}-${randomBytes(18).toString('hex')}`;
}

/** An OpenAI-family provider pointed at the mock, with models and (optionally) one active key. */
export async function providerWithKey(
	ctx: ServiceContext,
	mock: MockProvider,
	name: string,
	options: {models?: readonly string[]; alias?: string; secret?: string | null; capabilities?: readonly string[]; concurrency?: number | null; type?: 'openai' | 'openai-compatible'} = {},
): Promise<{providerId: string; oldSecret: string | null; oldKey: KeySummary | null}> {
	const provider = await createProvider(ctx, {
		name,
		type: options.type ?? 'openai',
		baseUrl: mock.baseUrl,
		capabilities: options.capabilities ?? [],
		rateLimits: {concurrency: options.concurrency ?? null},
	});
	for (const model of options.models ?? ['mock-small']) await addModel(ctx, provider.id, {modelName: model, alias: options.alias ?? null});
	const secret = options.secret === undefined ? secretFor(`${name}-old`) : options.secret;
	const oldKey = secret === null ? null : await addKey(ctx, provider.id, {secret, label: 'old'});
	return {providerId: provider.id, oldSecret: secret, oldKey};
}

/** The mock answers 401 (echoing the whole key) to this secret, and streams "pong" to any other. */
export function rejectKey(secret: string): (request: MockRequest) => MockBehaviour {
	return (request) => (request.headers['authorization'] === `Bearer ${secret}` ? mockErrors.unauthorized('full')(request) : {kind: 'stream', text: 'pong'});
}

export async function keysOf(ctx: ServiceContext, providerId: string): Promise<Map<string, KeySummary>> {
	return new Map((await listKeys(ctx, providerId)).map((key) => [key.id, key]));
}

export async function auditActions(ctx: ServiceContext, since = 0): Promise<string[]> {
	const rows = await ctx.db.sql<{action: string}[]>`select action from audit_log where seq > ${since} order by seq`;
	return rows.map((row) => row.action);
}

export async function lastSeq(ctx: ServiceContext): Promise<number> {
	const [row] = await ctx.db.sql<{seq: number}[]>`select coalesce(max(seq), 0)::int as seq from audit_log`;
	return row!.seq;
}

/** Every row of every table as JSON text, provider_keys without its ciphertext: where a leaked secret would show. */
export async function everythingStored(ctx: ServiceContext): Promise<string> {
	const sql = ctx.db.sql;
	const parts: string[] = [];
	for (const table of ['providers', 'models', 'settings', 'smoke_runs', 'comparison_runs', 'comparison_results', 'audit_log', 'encryption_canary']) {
		const rows = await sql<{row: string}[]>`select row_to_json(t)::text as row from ${sql(table)} t`;
		parts.push(...rows.map((row) => row.row));
	}
	const keys = await sql<{row: string}[]>`select (to_jsonb(k) - 'ciphertext')::text as row from provider_keys k`;
	parts.push(...keys.map((row) => row.row));
	return parts.join('\n');
}

import {withDotEnv} from '../config/env.js';
import {displayHint} from '../crypto/index.js';
import {families, providerTypes, type ProviderType} from '../domain/families.js';
import {normaliseBaseUrl} from '../domain/provider.js';
import {originOf} from '../domain/destination.js';
import {FieldProblem} from '../domain/fields.js';
import {normaliseSecret} from '../domain/key.js';
import {providerByName, providersOfType} from '../db/repositories/providers.js';
import {UserError} from '../errors.js';
import type {Provider} from '../domain/provider.js';
import {assertWritable, requireRing, type ServiceContext} from './context.js';
import {addKey, storedSecretLocation} from './keys.js';
import {createProvider} from './providers.js';

/**
 * Providers and keys out of the environment variables people already have (OPENAI_API_KEY…).
 * Each provider and each key is its own mutation (one audit row each), so a re-run after a
 * failure picks up where the last one stopped; secrets already stored are skipped by
 * fingerprint. Output carries display hints only.
 *
 * A vendor's key goes only where that vendor is: to a provider of its family whose base URL has
 * the vendor's own origin (OPENAI_API_KEY to https://api.openai.com, AZURE_OPENAI_API_KEY to the
 * origin of AZURE_OPENAI_ENDPOINT), or to a new provider created there. A provider of the family
 * at any other origin — a corporate proxy, a mock, a gateway — never receives it by this
 * command: the step is skipped and says why. Every step shows the base URL it concerns.
 */

export type ImportAction = 'create-provider' | 'add-key' | 'skip-duplicate' | 'skip-exists' | 'skip-incomplete' | 'skip-origin';

export interface ImportStep {
	provider: string;
	type: string;
	action: ImportAction;
	/** The base URL of the provider the step concerns (created, keyed, or skipped); absent when there is none. */
	baseUrl?: string;
	/** The display hint of the key, never the key. */
	keyHint?: string;
	/** The environment variable the step came from. */
	variable?: string;
	/** Why a step was skipped, in words. */
	reason?: string;
}

interface Found {
	readonly type: ProviderType;
	readonly variable: string;
	readonly secret: string | null;
	readonly baseUrl?: string;
	/** Set when the variable can't be used: reported in its place in the family order. */
	readonly skip?: string;
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
	const raw = env[name];
	return raw === undefined || raw.trim() === '' ? undefined : raw;
}

/** `https://res.openai.azure.com/` → `https://res.openai.azure.com/openai/v1` (the OpenAI-compatible v1 endpoint). */
export function azureBaseUrl(endpoint: string): string {
	const base = normaliseBaseUrl(endpoint);
	return /\/openai(\/v1)?$/.test(base) ? base.replace(/\/openai$/, '/openai/v1') : `${base}/openai/v1`;
}

/** OLLAMA_HOST is `host:port`, `http://host:port` or `0.0.0.0` (listen-everywhere, which a client reaches as localhost). */
export function ollamaBaseUrl(host: string): string {
	let text = host.trim();
	if (!/^https?:\/\//i.test(text)) text = `http://${text}`;
	const url = new URL(text);
	if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = 'localhost';
	if (url.port === '') url.port = '11434';
	return `${normaliseBaseUrl(`${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, ''))}/v1`.replace(/\/v1\/v1$/, '/v1');
}

function discover(env: NodeJS.ProcessEnv): Found[] {
	const found: Found[] = [];
	for (const type of providerTypes) {
		for (const variable of families[type].envKeys) {
			const secret = value(env, variable);
			if (!secret) continue;
			if (type === 'azure-openai') {
				const endpoint = value(env, 'AZURE_OPENAI_ENDPOINT');
				if (!endpoint) {
					found.push({type, variable, secret, skip: 'AZURE_OPENAI_ENDPOINT is not set (Azure has no default base URL)'});
					continue;
				}
				try {
					found.push({type, variable, secret, baseUrl: azureBaseUrl(endpoint)});
				} catch (error) {
					found.push({type, variable, secret, skip: `AZURE_OPENAI_ENDPOINT: ${error instanceof FieldProblem ? error.message : 'not a URL'}`});
				}
				continue;
			}
			found.push({type, variable, secret});
		}
	}
	const ollama = value(env, 'OLLAMA_HOST');
	if (ollama) {
		try {
			found.push({type: 'ollama', variable: 'OLLAMA_HOST', secret: null, baseUrl: ollamaBaseUrl(ollama)});
		} catch (error) {
			found.push({type: 'ollama', variable: 'OLLAMA_HOST', secret: null, skip: error instanceof FieldProblem ? `OLLAMA_HOST: ${error.message}` : 'OLLAMA_HOST is not a host:port or URL'});
		}
	}
	return found;
}

function originOfUrl(url: string): string | undefined {
	try {
		return originOf(new URL(url));
	} catch {
		return undefined;
	}
}

/**
 * Where a variable's key may go: providers of its family at the vendor's origin (the one named
 * after the family first, then the oldest), and those of the family elsewhere (never keyed here).
 */
async function providersFor(ctx: ServiceContext, type: ProviderType, origin: string): Promise<{at: Provider[]; elsewhere: Provider[]}> {
	const ofType = await providersOfType(ctx.db.sql, type);
	const at = ofType.filter((provider) => originOfUrl(provider.baseUrl) === origin);
	at.sort((a, b) => Number(b.name.toLowerCase() === type) - Number(a.name.toLowerCase() === type));
	return {at, elsewhere: ofType.filter((provider) => originOfUrl(provider.baseUrl) !== origin)};
}

/** A free name for a new provider: the family slug, or `<slug>-env` when a provider of another type took it. */
async function newProviderName(ctx: ServiceContext, type: ProviderType, planned: ReadonlySet<string>): Promise<string> {
	for (const candidate of [type, `${type}-env`, `${type}-env-2`, `${type}-env-3`]) {
		if (!planned.has(candidate) && !(await providerByName(ctx.db.sql, candidate))) return candidate;
	}
	throw new UserError(`Can't find a free name for a new ${families[type].label} provider`, {hint: `create one with eval752 providers add --type ${type}`});
}

/** The variables `import-env` reads: the process environment over a `.env` in `cwd` (the environment wins). */
export function importEnvironment(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
	return withDotEnv(env, cwd);
}

export async function importFromEnv(ctx: ServiceContext, env: NodeJS.ProcessEnv, options: {dryRun: boolean}): Promise<{actions: ImportStep[]}> {
	const steps: ImportStep[] = [];
	const found = discover(env);
	if (!options.dryRun) assertWritable(ctx);
	if (found.some((item) => item.secret !== null && !item.skip)) requireRing(ctx);
	// In a dry run nothing is created, so later steps must see what earlier ones would have done.
	const plannedProviders = new Map<string, {name: string; baseUrl: string}>();
	const plannedSecrets = new Set<string>();
	for (const item of found) {
		if (item.skip) {
			steps.push({provider: item.type, type: item.type, action: 'skip-incomplete', variable: item.variable, reason: item.skip});
			continue;
		}
		let secret: string | null = null;
		if (item.secret !== null) {
			try {
				secret = normaliseSecret(item.secret);
			} catch (error) {
				steps.push({provider: item.type, type: item.type, action: 'skip-incomplete', variable: item.variable, reason: `${item.variable}: ${error instanceof Error ? error.message : 'not a usable key'}`});
				continue;
			}
		}
		// The vendor's own address: its default base URL, or the one the environment gives (Azure's endpoint, OLLAMA_HOST).
		const vendorUrl = item.baseUrl ?? families[item.type].defaultBaseUrl!;
		const vendorOrigin = originOfUrl(vendorUrl)!;
		const {at, elsewhere} = await providersFor(ctx, item.type, vendorOrigin);
		// A keyless variable (OLLAMA_HOST) sends nothing secret: any provider of its family will do.
		let provider: Provider | undefined = at[0] ?? (secret === null ? elsewhere[0] : undefined);
		const planKey = `${item.type} ${vendorOrigin}`;
		const planned = plannedProviders.get(planKey);
		let name = provider?.name ?? planned?.name;
		let baseUrl = provider?.baseUrl ?? planned?.baseUrl ?? vendorUrl;
		// Azure's endpoint names the resource: a provider for another resource is no reason to skip this one.
		if (!name && elsewhere.length > 0 && item.type !== 'azure-openai') {
			// A provider of this family exists, but not at the vendor's origin: a proxy, a mock or a
			// gateway must not receive the vendor's key (nor be shadowed by a look-alike created here).
			for (const other of elsewhere) {
				steps.push({provider: other.name, type: item.type, action: 'skip-origin', baseUrl: other.baseUrl, variable: item.variable, ...(secret ? {keyHint: displayHint(secret)} : {}), reason: `base URL is not ${vendorOrigin}`});
			}
			continue;
		}
		if (!name) {
			name = await newProviderName(ctx, item.type, new Set([...plannedProviders.values()].map((entry) => entry.name)));
			steps.push({provider: name, type: item.type, action: 'create-provider', baseUrl: vendorUrl, variable: item.variable});
			if (!options.dryRun) provider = await createProvider(ctx, {name, type: item.type, ...(item.baseUrl ? {baseUrl: item.baseUrl} : {})});
			baseUrl = provider?.baseUrl ?? vendorUrl;
			plannedProviders.set(planKey, {name, baseUrl});
		} else if (secret === null) {
			steps.push({provider: name, type: item.type, action: 'skip-exists', baseUrl, variable: item.variable, reason: `a ${families[item.type].label} provider already exists`});
		}
		if (secret === null) continue;
		const hint = displayHint(secret);
		const stored = await storedSecretLocation(ctx, secret);
		if (stored || plannedSecrets.has(secret)) {
			steps.push({provider: name, type: item.type, action: 'skip-duplicate', baseUrl, variable: item.variable, keyHint: hint, reason: stored ? `already stored on provider ${stored.providerName}` : 'the same key appears in another variable'});
			continue;
		}
		plannedSecrets.add(secret);
		steps.push({provider: name, type: item.type, action: 'add-key', baseUrl, variable: item.variable, keyHint: hint});
		if (!options.dryRun) await addKey(ctx, provider!.id, {secret, label: `from ${item.variable}`});
	}
	return {actions: steps};
}

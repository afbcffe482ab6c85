import type {ProbeKind} from '../domain/probe.js';
import type {Provider} from '../domain/provider.js';
import {claimProbeLeases, probeLeases} from '../db/repositories/leases.js';
import {listProviderRows} from '../db/repositories/providers.js';
import {isUserError} from '../errors.js';
import {log} from '../log.js';
import type {SmokeEvent} from '../providers/index.js';
import {assertWritable, type ServiceContext} from './context.js';
import {getProvider} from './providers.js';
import {planFor, probeKindFor, runSmokeBatch, type SmokeOutcome, type SmokeSkipped} from './smoke.js';
import {DEFAULT_MAX_AGE_MS, providerStatus, type StatusReport} from './status.js';

export {MIN_GAP_FRACTION} from '../db/repositories/leases.js';
/** Loads the provider SDK at start, so `watch` pays the import before its first claimed interval. */
export {preloadClient} from '../providers/index.js';

/**
 * Probing many providers at once (`eval752 probe`) and on a schedule (`eval752 watch`). Each
 * provider gets its probe kind (or the one asked for) on every configured model, paced by its
 * own client-side limiter (rpm, rps, concurrency — what eval752 enforces for its own requests);
 * up to `parallel` providers are probed at the same time. Every run is stored and audited like
 * a smoke test. The verdict afterwards is the health model's, over the providers selected.
 */

export interface ProbeSelection {
	/** Every enabled provider. */
	readonly all?: boolean;
	/** Providers by name or id (a disabled one is reported as skipped, not probed). */
	readonly names?: readonly string[];
}

export interface ProbeOptions {
	/** The probe kind for every provider; default: each provider's own. */
	readonly kind?: ProbeKind;
	/** Providers probed at the same time (default {@link DEFAULT_PARALLEL}). */
	readonly parallel?: number;
	/** Freshness for the health verdict afterwards. */
	readonly maxAgeMs?: number;
}

export const DEFAULT_PARALLEL = 8;
export const MAX_PARALLEL = 64;

export interface ProviderProbe {
	readonly providerId: string;
	readonly provider: string;
	/** The kind that ran (null when skipped before a kind applied). */
	readonly kind: ProbeKind | null;
	/** Why nothing was sent: disabled, no models, no active key, probed by another watcher this interval. */
	readonly skipped: string | null;
	readonly results: ReadonlyArray<SmokeOutcome | SmokeSkipped>;
}

export interface ProbeRound {
	readonly startedAt: Date;
	readonly finishedAt: Date;
	readonly probes: readonly ProviderProbe[];
	/** The health of the selected providers after the round (status rules, exit code). */
	readonly report: StatusReport;
	readonly cancelled: boolean;
}

export interface ProbeHandlers {
	readonly onProviderStart?: (provider: Provider, kind: ProbeKind, models: readonly string[]) => void;
	readonly onEvent?: (provider: Provider, model: string, event: SmokeEvent) => void;
	readonly onOutcome?: (provider: Provider, outcome: SmokeOutcome) => void;
	readonly onProviderDone?: (probe: ProviderProbe) => void;
}

/** The providers a selection names, in name order; a name that matches nothing is an error before anything is sent. */
export async function selectProviders(ctx: ServiceContext, selection: ProbeSelection): Promise<Provider[]> {
	if (selection.all) return (await listProviderRows(ctx.db.sql)).filter((provider) => provider.enabled);
	const found = new Map<string, Provider>();
	for (const name of selection.names ?? []) {
		const provider = await getProvider(ctx, name);
		found.set(provider.id, provider);
	}
	return [...found.values()].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}

function parallelOf(options: ProbeOptions): number {
	const parallel = options.parallel ?? DEFAULT_PARALLEL;
	return Math.max(1, Math.min(MAX_PARALLEL, Math.floor(parallel)));
}

async function probeOne(ctx: ServiceContext, provider: Provider, options: ProbeOptions, signal: AbortSignal, handlers: ProbeHandlers): Promise<ProviderProbe> {
	const skip = (reason: string, kind: ProbeKind | null = null): ProviderProbe => ({providerId: provider.id, provider: provider.name, kind, skipped: reason, results: []});
	if (!provider.enabled) return skip('disabled — not probed');
	let kind: ProbeKind;
	try {
		kind = probeKindFor(provider, options.kind);
		const batch = await planFor(ctx, provider, {probe: kind});
		if (signal.aborted) return skip('cancelled before it started', kind);
		handlers.onProviderStart?.(provider, kind, batch.models);
		const results = await runSmokeBatch(ctx, batch, signal, {
			onEvent: (model, event) => handlers.onEvent?.(provider, model, event),
			onOutcome: (outcome) => handlers.onOutcome?.(provider, outcome),
		});
		return {providerId: provider.id, provider: provider.name, kind, skipped: null, results};
	} catch (error) {
		// "No models", "no active key": the provider is reported, the others are still probed.
		if (isUserError(error)) return skip(error.message.replace(new RegExp(`^Provider ${escapeRegExp(provider.name)} `), ''));
		throw error;
	}
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs `work` over `items` with at most `parallel` at once, results in the items' order. */
async function pool<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await work(items[index]!);
		}
	};
	await Promise.all(Array.from({length: Math.min(parallel, items.length)}, worker));
	return results;
}

/**
 * Probes the providers given, each within its own limits and up to `parallel` at once, then
 * judges them with the health model. A provider that can't be probed (no models, no key) is
 * reported as skipped and still judged (no active key is `failing`).
 */
export async function probeProviders(ctx: ServiceContext, providers: readonly Provider[], options: ProbeOptions, signal: AbortSignal, handlers: ProbeHandlers = {}): Promise<ProbeRound> {
	assertWritable(ctx);
	const startedAt = new Date();
	const probes = await pool(providers, parallelOf(options), async (provider) => {
		const probe = await probeOne(ctx, provider, options, signal, handlers);
		handlers.onProviderDone?.(probe);
		return probe;
	});
	const finishedAt = new Date();
	const report = await providerStatus(ctx, {maxAgeMs: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS, now: finishedAt, ids: providers.map((provider) => provider.id)});
	return {startedAt, finishedAt, probes, report, cancelled: signal.aborted};
}

export interface WatchOptions extends ProbeOptions {
	readonly selection: ProbeSelection;
	/** The watch interval: each provider is probed at most once per window of this length. */
	readonly intervalMs: number;
	/** Who this watcher is, as written to the lease (actor, host, process). */
	readonly holder: string;
}

/**
 * One round of `eval752 watch`: the selected providers are claimed for this window (a lease row
 * each, see repositories/leases.ts), only the ones this watcher claimed are probed, the others
 * are reported as probed elsewhere; then all of them are judged. Any number of watchers on one
 * server probe each provider at most once per window.
 */
export async function watchRound(ctx: ServiceContext, options: WatchOptions, signal: AbortSignal, handlers: ProbeHandlers = {}): Promise<ProbeRound> {
	assertWritable(ctx);
	const selected = await selectProviders(ctx, options.selection);
	const enabled = selected.filter((provider) => provider.enabled);
	const claimed = await claimProbeLeases(ctx.db.sql, enabled.map((provider) => provider.id), options.holder, options.intervalMs);
	const mine = selected.filter((provider) => !provider.enabled || claimed.has(provider.id));
	const round = await probeProviders(ctx, mine, options, signal, handlers);
	const elsewhere = enabled.filter((provider) => !claimed.has(provider.id));
	if (elsewhere.length === 0) return round;
	const leases = await probeLeases(ctx.db.sql, elsewhere.map((provider) => provider.id));
	log.info('watch round: probed elsewhere', {providers: elsewhere.length});
	const report = await providerStatus(ctx, {maxAgeMs: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS, now: round.finishedAt, ids: selected.map((provider) => provider.id)});
	const skipped: ProviderProbe[] = elsewhere.map((provider) => {
		const lease = leases.get(provider.id);
		return {
			providerId: provider.id,
			provider: provider.name,
			kind: null,
			skipped: `probed this interval by ${lease?.holder === options.holder ? 'this watcher' : (lease?.holder ?? 'another watcher')}`,
			results: [],
		};
	});
	const order = new Map(selected.map((provider, index) => [provider.id, index]));
	const probes = [...round.probes, ...skipped].sort((a, b) => (order.get(a.providerId) ?? 0) - (order.get(b.providerId) ?? 0));
	return {...round, probes, report};
}

import {createContext, useContext} from 'react';
import type {KeySummary} from '../domain/key.js';
import type {AliasEntry, Model} from '../domain/model.js';
import type {Provider} from '../domain/provider.js';
import type {Settings} from '../domain/settings.js';
import type {ChainResult, StoredAuditRow} from '../services/audit.js';
import type {AuditEntryDetail, AuditListItem} from '../services/audit-browse.js';
import type {AliasOverview, CompareEvent, CompareOutcome} from '../services/compare.js';
import type {ListWindow, WindowRequest} from '../lib/list-window.js';
import type {ProviderSummary} from '../services/providers.js';
import type {RunDetail, RunFilter, RunListItem, RunPoint} from '../services/runs.js';
import type {StatusReport} from '../services/status.js';
import type {FinishMode, FinishResult, Rotation, RotationProgress, RotationValidation} from '../services/rotate.js';
import type {SmokeEvent, SmokeOutcome, SmokeTarget} from '../services/smoke.js';

/**
 * What the dashboard may do, as plain async functions over the same services the headless
 * commands call. Components reach the world only through this (handed down by context);
 * `source/ui/run.tsx` binds the real services, and the UI tests bind the same real services over a
 * test database.
 */
export interface DashboardInfo {
	readonly databaseKind: 'embedded' | 'server';
	readonly location: string;
	readonly actor: string;
	/** `pending` while the database is still opening. */
	readonly keyStatus: 'ok' | 'missing' | 'wrong' | 'pending';
	readonly keyMessage: string | null;
	/** What to do about it, when the key is not ok (one piece of advice; the message states the facts). */
	readonly keyHint?: string | null;
	readonly readOnly: boolean;
}

export interface DashboardServices {
	readonly info: DashboardInfo;
	/** Every provider's id and name, in list order (the command line). */
	providerNames(): Promise<{id: string; name: string}[]>;
	/** The board's window: the summaries around the selection, the selection's position and the counts. */
	providerWindow(request: WindowRequest): Promise<ListWindow<ProviderSummary>>;
	/** One provider's summary: the same fields as the list (health inputs, observed limits). */
	providerSummary(id: string): Promise<ProviderSummary>;
	/** What `eval752 status` reports: every provider's health, limits declared and observed. */
	statusReport(): Promise<StatusReport>;
	/** Smoke runs (every probe kind) and comparison runs, newest first. */
	listRuns(filter: RunFilter): Promise<RunListItem[]>;
	getRun(id: string): Promise<RunDetail>;
	/** The last `count` runs of each provider, oldest first (sparklines). */
	recentRuns(providerIds: readonly string[], count: number): Promise<Map<string, RunPoint[]>>;
	getProvider(id: string): Promise<Provider>;
	listKeys(providerId: string): Promise<KeySummary[]>;
	listModels(providerId: string): Promise<Model[]>;
	listAliases(): Promise<AliasEntry[]>;
	createProvider(input: unknown): Promise<Provider>;
	updateProvider(id: string, version: number, patch: unknown): Promise<Provider>;
	setProviderEnabled(id: string, enabled: boolean, version: number): Promise<Provider>;
	deleteProvider(id: string): Promise<void>;
	addKey(providerId: string, input: {secret: string; label?: string}): Promise<KeySummary>;
	setKeyStatus(id: string, status: 'active' | 'disabled', version: number): Promise<KeySummary>;
	setKeyPriority(id: string, priority: number, version: number): Promise<KeySummary>;
	deleteKey(id: string): Promise<void>;
	addModel(providerId: string, input: {modelName: string; displayLabel?: string; alias?: string | null}): Promise<Model>;
	updateModel(id: string, version: number, patch: {modelName?: string; displayLabel?: string; alias?: string | null}): Promise<Model>;
	deleteModel(id: string): Promise<void>;
	/** What the provider serves; ids that fail the model-name rule are counted in `skippedNote`, never shown. */
	discoverModels(providerId: string, signal: AbortSignal): Promise<{names: string[]; skippedNote: string | null}>;
	/** The same target the CLI's `eval752 smoke` takes (here the provider is its id). */
	smoke(target: SmokeTarget, signal: AbortSignal): AsyncGenerator<SmokeEvent, SmokeOutcome>;
	getSettings(): Promise<{values: Settings; versions: Partial<Record<keyof Settings, number>>}>;
	/** A key's label, priority or status, at the version the edit started from. */
	updateKey(id: string, version: number, patch: {label?: string; priority?: number; status?: 'active' | 'disabled'}): Promise<KeySummary>;
	/**
	 * After a conflict the operator has read: the same patch (only their fields) over the row as
	 * the conflict found it; a row that moved again is a new conflict, never a silent overwrite.
	 */
	saveOverConflict(conflict: unknown, patch: unknown): Promise<unknown>;
	setSetting(key: keyof Settings, value: unknown, version?: number): Promise<Settings>;
	auditTail(limit: number): Promise<StoredAuditRow[]>;
	/** Newest first, a page at a time (`beforeSeq` continues), narrowed by the filter's words. */
	browseAudit(options: {beforeSeq?: number; filter?: string; limit?: number}): Promise<AuditListItem[]>;
	auditEntry(seq: number): Promise<AuditEntryDetail>;
	verifyAudit(): Promise<ChainResult>;
	/**
	 * Key rotation, one step per call so the wizard can stop between any two (see
	 * services/rotate.ts). `oldKeyId` defaults to the provider's first active key.
	 */
	startRotation(providerId: string, input: {secret: string; label?: string; oldKeyId?: string}): Promise<Rotation>;
	/** Yields progress per model and RETURNS the verdict: drive it with `next()`. */
	validateRotation(rotation: Rotation, choice: {model?: string; allModels?: boolean}, signal: AbortSignal): AsyncGenerator<RotationProgress, RotationValidation>;
	finishRotation(rotation: Rotation, mode: FinishMode): Promise<FinishResult>;
	/** Esc at any step (`null` before anything was stored): returns one sentence on the state left. */
	abandonRotation(rotation: Rotation | null): Promise<string>;
	/** Every alias with provider/model counts and capability drift. */
	aliasOverview(): Promise<AliasOverview[]>;
	/** One prompt (the smoke prompt unless given) on every enabled target of the alias at once. */
	compare(alias: string, options: {prompt?: string}, signal: AbortSignal): AsyncGenerator<CompareEvent, CompareOutcome>;
	/** Committed changes (this process, and other operators on a shared server): the table changed. */
	onChange(listener: (table: string) => void): () => void;
	/** Resolves when the database answers; rejects with a one-line reason when it does not. */
	ping(): Promise<void>;
	/** Connection dropped under us (server restart, pg_terminate_backend). */
	onConnectionLost(listener: () => void): () => void;
}

export const ServicesContext = createContext<DashboardServices | undefined>(undefined);

export function useServices(): DashboardServices {
	const services = useContext(ServicesContext);
	if (!services) throw new Error('useServices outside <ServicesContext.Provider>');
	return services;
}

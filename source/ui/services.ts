import {createContext, useContext} from 'react';
import type {KeySummary} from '../domain/key.js';
import type {AliasEntry, Model} from '../domain/model.js';
import type {Provider} from '../domain/provider.js';
import type {Settings} from '../domain/settings.js';
import type {SmokeEvent} from '../providers/smoke.js';
import type {ChainResult, StoredAuditRow} from '../db/repositories/audit.js';
import type {ProviderSummary} from '../services/providers.js';

/**
 * What the dashboard may do, as plain async functions. Components reach the world only
 * through this (handed down by context); `source/ui/run.tsx` binds the real services, and the
 * UI tests bind the same real services over a test database.
 */
export interface DashboardInfo {
	readonly databaseKind: 'embedded' | 'server';
	readonly location: string;
	readonly actor: string;
	readonly keyStatus: 'ok' | 'missing' | 'wrong';
	readonly keyMessage: string | null;
	readonly readOnly: boolean;
}

export interface SmokeTarget {
	readonly providerId: string;
	/** Defaults to the provider's first model. */
	readonly modelName?: string;
	/** Defaults to the first active key by priority. */
	readonly keyId?: string;
}

export interface DashboardServices {
	readonly info: DashboardInfo;
	listProviders(): Promise<ProviderSummary[]>;
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
	discoverModels(providerId: string, signal: AbortSignal): Promise<string[]>;
	smoke(target: SmokeTarget, signal: AbortSignal): AsyncIterable<SmokeEvent>;
	getSettings(): Promise<{values: Settings; versions: Partial<Record<keyof Settings, number>>}>;
	setSetting(key: keyof Settings, value: unknown, version?: number): Promise<Settings>;
	auditTail(limit: number): Promise<StoredAuditRow[]>;
	verifyAudit(): Promise<ChainResult>;
	/** Committed changes (this process, and other operators on a shared server). */
	onChange(listener: () => void): () => void;
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

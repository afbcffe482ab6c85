import {keyHint, type ServiceContext} from '../services/context.js';
import {tailAudit, verifyAudit} from '../services/audit.js';
import {auditEntry, browseAudit} from '../services/audit-browse.js';
import {aliasOverview, runComparison} from '../services/compare.js';
import {pingDatabase} from '../services/connection.js';
import {abandonRotation, finishRotation, startRotation, validateRotation} from '../services/rotate.js';
import {addKey, deleteKey, listKeys, setKeyPriority, setKeyStatus, updateKey} from '../services/keys.js';
import {saveOverConflict} from '../services/conflicts.js';
import {ConflictError} from '../errors.js';
import {addModel, deleteModel, listAliases, listModels, updateModel} from '../services/models.js';
import {createProvider, deleteProvider, getProvider, providerNames, providerSummary, providerWindow, setProviderEnabled, updateProvider} from '../services/providers.js';
import {getRun, listRuns, recentRunPoints} from '../services/runs.js';
import {providerStatus} from '../services/status.js';
import {getSettings, setSetting} from '../services/settings.js';
import {discoverModels, runSmoke} from '../services/smoke.js';
import type {DashboardServices} from './services.js';

/**
 * The dashboard's services bound to one service context: the same functions the headless
 * commands call. The dashboard confirms destructive actions itself, so deletes here are forced.
 */
export function createDashboardServices(ctx: ServiceContext): DashboardServices {
	return {
		info: {
			databaseKind: ctx.db.kind,
			location: ctx.db.location,
			actor: ctx.actor,
			keyStatus: ctx.keys.status,
			keyMessage: ctx.keys.status === 'ok' ? null : ctx.keys.message,
			keyHint: ctx.keys.status === 'ok' ? null : keyHint(ctx.keys),
			readOnly: ctx.readOnly,
		},
		providerNames: () => providerNames(ctx),
		providerWindow: (request) => providerWindow(ctx, request),
		providerSummary: (id) => providerSummary(ctx, id),
		statusReport: () => providerStatus(ctx),
		listRuns: (filter) => listRuns(ctx, filter),
		getRun: (id) => getRun(ctx, id),
		recentRuns: (providerIds, count) => recentRunPoints(ctx, providerIds, count),
		getProvider: (id) => getProvider(ctx, id),
		listKeys: (providerId) => listKeys(ctx, providerId),
		listModels: (providerId) => listModels(ctx, providerId),
		listAliases: () => listAliases(ctx),
		createProvider: (input) => createProvider(ctx, input),
		updateProvider: (id, version, patch) => updateProvider(ctx, id, version, patch),
		setProviderEnabled: (id, enabled, version) => setProviderEnabled(ctx, id, enabled, version),
		deleteProvider: (id) => deleteProvider(ctx, id, {force: true}),
		addKey: (providerId, input) => addKey(ctx, providerId, input),
		setKeyStatus: (id, status, version) => setKeyStatus(ctx, id, status, version),
		setKeyPriority: (id, priority, version) => setKeyPriority(ctx, id, priority, version),
		deleteKey: (id) => deleteKey(ctx, id, {force: true}),
		addModel: (providerId, input) => addModel(ctx, providerId, input),
		updateModel: (id, version, patch) => updateModel(ctx, id, version, patch),
		deleteModel: (id) => deleteModel(ctx, id),
		discoverModels: async (providerId, signal) => {
			const found = await discoverModels(ctx, providerId, signal);
			return {names: found.served, skippedNote: found.skippedNote};
		},
		smoke: (target, signal) => runSmoke(ctx, target, signal),
		getSettings: () => getSettings(ctx),
		updateKey: (id, version, patch) => updateKey(ctx, id, version, patch),
		saveOverConflict: (conflict, patch) => {
			if (!(conflict instanceof ConflictError)) throw new TypeError('saveOverConflict needs the ConflictError the save met');
			return saveOverConflict(ctx, conflict, patch);
		},
		setSetting: (key, value, version) => setSetting(ctx, key, value, version),
		auditTail: (limit) => tailAudit(ctx, limit),
		browseAudit: (options) => browseAudit(ctx, options),
		auditEntry: (seq) => auditEntry(ctx, seq),
		verifyAudit: () => verifyAudit(ctx),
		startRotation: (providerId, input) => startRotation(ctx, providerId, {secret: input.secret, label: input.label, oldKeyRef: input.oldKeyId}),
		validateRotation: (rotation, choice, signal) => validateRotation(ctx, rotation, choice, signal),
		finishRotation: (rotation, mode) => finishRotation(ctx, rotation, mode),
		abandonRotation: (rotation) => abandonRotation(ctx, rotation),
		aliasOverview: () => aliasOverview(ctx),
		compare: (alias, options, signal) => runComparison(ctx, alias, options, signal),
		onChange: (listener) => ctx.db.changes.subscribe((change) => listener(change.table)),
		ping: () => pingDatabase(ctx),
		onConnectionLost: (listener) => ctx.db.onConnectionLost(listener),
	};
}

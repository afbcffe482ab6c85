import {conflictSentence, type ConflictDetails} from '../domain/conflict.js';
import type {KeySummary} from '../domain/key.js';
import type {Model} from '../domain/model.js';
import type {Provider} from '../domain/provider.js';
import type {Settings} from '../domain/settings.js';
import {ConflictError, UserError} from '../errors.js';
import type {ServiceContext} from './context.js';
import {updateKey} from './keys.js';
import {updateModel} from './models.js';
import {updateProvider} from './providers.js';
import {setSetting} from './settings.js';

/**
 * After a conflict: the operator has seen who changed the row and which fields, and chooses to
 * put their own values over theirs. The same patch — only the fields the operator changed — is
 * applied on top of the row as the conflict found it (its current version), so the other
 * operator's changes to other fields stay. If the row moved again since the conflict was shown,
 * this is a new ConflictError with the new details: a change nobody has seen is never overwritten.
 *
 * `patch` is what the edit sent: provider and model fields, key fields (label, priority,
 * status), or for a setting the value itself.
 */
export async function saveOverConflict(ctx: ServiceContext, conflict: ConflictError, patch: unknown): Promise<Provider | Model | KeySummary | Settings> {
	const details = conflict.details;
	if (!details) throw new UserError('This conflict does not say which row it was about', {hint: 'reload and make the change again'});
	switch (details.targetType) {
		case 'provider':
			return updateProvider(ctx, details.targetId, details.currentVersion, patch);
		case 'model':
			return updateModel(ctx, details.targetId, details.currentVersion, patch);
		case 'key':
			return updateKey(ctx, details.targetId, details.currentVersion, patch);
		case 'setting':
			return setSetting(ctx, details.targetId, patch, details.currentVersion);
	}
}

/** The details of an error when it is a conflict with details; what the dashboard's banner needs. */
export function conflictOf(error: unknown): ConflictDetails | undefined {
	return error instanceof ConflictError ? error.details : undefined;
}

/** "Provider groq-prod was changed by bob@ops 12 s ago: base URL, rpm", with the age as of `now`. */
export function describeConflict(details: ConflictDetails, now: Date = new Date()): string {
	return conflictSentence(details, now);
}

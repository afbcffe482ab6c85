import {log} from '../log.js';

/**
 * Personal, non-secret preferences kept by `conf` (~/.config/eval752-nodejs/config.json on
 * Linux): only things that are about this operator, never workspace settings or secrets.
 */
export interface Preferences {
	/** Open the dashboard read-only unless told otherwise. */
	readonly readOnly: boolean;
}

export async function loadPreferences(): Promise<Preferences> {
	try {
		const {default: Conf} = await import('conf');
		const store = new Conf<{readOnly: boolean}>({projectName: 'eval752', schema: {readOnly: {type: 'boolean', default: false}}});
		return {readOnly: store.get('readOnly')};
	} catch (error) {
		// A broken preferences file must not keep an on-call engineer out of the dashboard.
		log.warn('preferences unreadable; using defaults', {error: String(error)});
		return {readOnly: false};
	}
}

export async function savePreference(name: 'readOnly', value: boolean): Promise<string> {
	const {default: Conf} = await import('conf');
	const store = new Conf<{readOnly: boolean}>({projectName: 'eval752', schema: {readOnly: {type: 'boolean', default: false}}});
	store.set(name, value);
	return store.path;
}

import {log} from '../log.js';

/**
 * Personal, non-secret preferences kept by `conf` (~/.config/eval752-nodejs/config.json on
 * Linux): only things that are about this operator, never workspace settings or secrets.
 */
export interface Preferences {
	/** Open the dashboard read-only unless told otherwise. */
	readonly readOnly: boolean;
}

const defaults: Preferences = {readOnly: false};

/**
 * The preferences, through `conf` without a JSON schema: a schema makes `conf` compile it with
 * ajv on every start (~35 ms before the board's data can show), for one boolean checked here.
 * The first start writes the file with the defaults, so there is one to edit. `cwd` is for tests.
 */
export async function loadPreferences(options: {readonly cwd?: string} = {}): Promise<Preferences> {
	try {
		const {default: Conf} = await import('conf');
		const store = new Conf<Record<string, unknown>>({projectName: 'eval752', defaults: {...defaults}, ...(options.cwd ? {cwd: options.cwd} : {})});
		const readOnly = store.get('readOnly');
		if (typeof readOnly !== 'boolean') throw new Error(`readOnly must be true or false, not ${JSON.stringify(readOnly)}`);
		return {readOnly};
	} catch (error) {
		// A broken preferences file must not keep an on-call engineer out of the dashboard.
		log.warn('preferences unreadable; using defaults', {error: String(error)});
		return defaults;
	}
}

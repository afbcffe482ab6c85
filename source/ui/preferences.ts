import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {log} from '../log.js';

/**
 * Personal, non-secret preferences in one JSON file (~/.config/eval752-nodejs/config.json on
 * Linux): only things that are about this operator, never workspace settings or secrets.
 *
 * The file is the one the `conf` package kept before, read and written the way it did (same
 * place; the first start writes it with the defaults as tab-indented JSON; a file that is not a
 * JSON object or holds a `readOnly` that is not a boolean is refused). Reading it by hand costs a millisecond; loading `conf` (and the JSON-schema
 * compiler under it) cost about a tenth of a second on every start, between the first frame and
 * the first frame with data.
 */
export interface Preferences {
	/** Open the dashboard read-only unless told otherwise. */
	readonly readOnly: boolean;
}

const defaults: Preferences = {readOnly: false};

/** Where `conf` (through `env-paths`, project `eval752`, suffix `nodejs`) keeps the file. */
export function preferencesFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
	const name = 'eval752-nodejs';
	const dir =
		platform === 'darwin'
			? path.join(home, 'Library', 'Preferences', name)
			: platform === 'win32'
				? path.join(env['APPDATA'] || path.join(home, 'AppData', 'Roaming'), name, 'Config')
				: path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), name);
	return path.join(dir, 'config.json');
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces the file in one step: a reader never sees half of it. */
async function writeAtomically(file: string, text: string): Promise<void> {
	const temporary = `${file}.tmp-${process.pid}-${Date.now()}`;
	try {
		await fs.writeFile(temporary, text, {mode: 0o666});
		await fs.rename(temporary, file);
	} catch (error) {
		await fs.rm(temporary, {force: true}).catch(() => undefined);
		throw error;
	}
}

export async function loadPreferences(file: string = preferencesFile()): Promise<Preferences> {
	try {
		let text: string;
		try {
			text = await fs.readFile(file, 'utf8');
		} catch (error) {
			if ((error as {code?: string}).code !== 'ENOENT') throw error;
			// The first start writes the file with the defaults, so there is one to edit.
			await fs.mkdir(path.dirname(file), {recursive: true});
			await writeAtomically(file, JSON.stringify(defaults, undefined, '\t'));
			return defaults;
		}
		const stored: unknown = JSON.parse(text);
		if (!isObject(stored)) throw new Error('Config schema violation: `` must be object');
		const readOnly = stored['readOnly'] === undefined ? defaults.readOnly : stored['readOnly'];
		if (typeof readOnly !== 'boolean') throw new Error('Config schema violation: `readOnly` must be boolean');
		return {readOnly};
	} catch (error) {
		// A broken preferences file must not keep an on-call engineer out of the dashboard.
		log.warn('preferences unreadable; using defaults', {error: String(error)});
		return defaults;
	}
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {loadPreferences, preferencesFile} from './preferences.js';

let dir: string;
let file: string;

beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-prefs-'));
	file = path.join(dir, 'eval752-nodejs', 'config.json');
});

afterEach(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

function given(text: string): void {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	fs.writeFileSync(file, text);
}

describe('loadPreferences', () => {
	it('writes the defaults on the first start, tab-indented, so there is a file to edit', async () => {
		expect(await loadPreferences(file)).toEqual({readOnly: false});
		expect(fs.readFileSync(file, 'utf8')).toBe('{\n\t"readOnly": false\n}');
		expect(fs.readdirSync(path.dirname(file))).toEqual(['config.json']);
	});

	it('reads readOnly and leaves the file as the operator wrote it', async () => {
		given('{"readOnly": true, "other": 1}');
		expect(await loadPreferences(file)).toEqual({readOnly: true});
		given('{"other": 1}');
		expect(await loadPreferences(file)).toEqual({readOnly: false});
		expect(fs.readFileSync(file, 'utf8')).toBe('{"other": 1}');
	});

	it('falls back to the defaults when the file is broken, and leaves it alone', async () => {
		for (const text of ['{x', 'null', '[]', '"x"', '{"readOnly": "yes"}', '{"readOnly": null}']) {
			given(text);
			expect(await loadPreferences(file), text).toEqual({readOnly: false});
			expect(fs.readFileSync(file, 'utf8')).toBe(text);
		}
	});
});

describe('preferencesFile', () => {
	it('is where conf kept it (env-paths, project eval752, suffix nodejs)', () => {
		expect(preferencesFile({}, 'linux', '/home/op')).toBe('/home/op/.config/eval752-nodejs/config.json');
		expect(preferencesFile({XDG_CONFIG_HOME: '/xdg'}, 'linux', '/home/op')).toBe('/xdg/eval752-nodejs/config.json');
		expect(preferencesFile({}, 'darwin', '/Users/op')).toBe('/Users/op/Library/Preferences/eval752-nodejs/config.json');
		expect(preferencesFile({APPDATA: '/appdata'}, 'win32', '/home/op')).toBe(path.join('/appdata', 'eval752-nodejs', 'Config', 'config.json'));
	});
});

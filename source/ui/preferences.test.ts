import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {loadPreferences} from './preferences.js';

let cwd: string;
const file = () => path.join(cwd, 'config.json');

beforeEach(() => {
	cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-prefs-'));
});
afterEach(() => {
	fs.rmSync(cwd, {recursive: true, force: true});
});

describe('loadPreferences (conf, without a schema)', () => {
	it('writes the defaults on the first start, so there is a file to edit', async () => {
		expect(await loadPreferences({cwd})).toEqual({readOnly: false});
		expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual({readOnly: false});
	});

	it('reads readOnly and keeps what else the operator wrote', async () => {
		fs.writeFileSync(file(), '{"readOnly": true, "other": 1}');
		expect(await loadPreferences({cwd})).toEqual({readOnly: true});
		expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual({readOnly: true, other: 1});
	});

	it('falls back to the defaults when the file is broken or readOnly is not a boolean, and leaves the file alone', async () => {
		for (const text of ['{x', '{"readOnly": "yes"}', '{"readOnly": null}', '{"readOnly": 1}']) {
			fs.writeFileSync(file(), text);
			expect(await loadPreferences({cwd}), text).toEqual({readOnly: false});
			expect(fs.readFileSync(file(), 'utf8'), text).toBe(text);
		}
	});
});

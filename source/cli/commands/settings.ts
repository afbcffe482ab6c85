import {parseSettingKey, settingDefaults, settingDescriptions, settingKeys} from '../../domain/settings.js';
import {getSettings, setSetting} from '../../services/settings.js';
import {expectVersion, parse} from '../args.js';
import {columns, printJson, table} from '../format.js';
import {dispatch, withContext, type Subcommand, type Command} from '../command.js';

function shown(value: unknown): string {
	return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const get: Subcommand = async (args, io) => {
	const {values, positionals} = parse('settings get', args, {json: {type: 'boolean'}}, {max: 1, names: 'KEY'});
	const key = positionals[0] === undefined ? undefined : parseSettingKey(positionals[0]);
	return withContext(io, async (ctx) => {
		const state = await getSettings(ctx);
		if (key) {
			const entry = {key, value: state.values[key], version: state.versions[key] ?? 0, default: settingDefaults[key], description: settingDescriptions[key]};
			if (values.json) printJson(io.stdout, entry);
			else io.stdout.write(typeof entry.value === 'string' ? `${entry.value}\n` : `${String(entry.value)}\n`);
			return 0;
		}
		if (values.json) printJson(io.stdout, state);
		else {
			io.stdout.write(
				table(
					['KEY', 'VALUE', 'VERSION', 'DESCRIPTION'],
					settingKeys.map((name) => [name, shown(state.values[name]), state.versions[name] ? String(state.versions[name]) : 'default', settingDescriptions[name]]),
					columns(io.stdout),
				),
			);
		}
		return 0;
	});
};

const set: Subcommand = async (args, io) => {
	const {values, positionals} = parse('settings set', args, {'expect-version': {type: 'string'}, json: {type: 'boolean'}}, {min: 2, max: 2, names: 'KEY and VALUE'});
	const expected = values['expect-version'] === '0' ? 0 : expectVersion('settings set', values['expect-version']);
	return withContext(io, async (ctx) => {
		const key = parseSettingKey(positionals[0]);
		const settings = await setSetting(ctx, key, positionals[1], expected);
		if (values.json) printJson(io.stdout, settings);
		else io.stdout.write(`Setting ${key} set to ${shown(settings[key])}\n`);
		return 0;
	});
};

export const command: Command = {
	name: 'settings',
	summary: 'show and change workspace runtime defaults',
	help: `Usage: eval752 settings [--json]                 (the same as settings get)
       eval752 settings get [KEY] [--json]
       eval752 settings set KEY VALUE [--expect-version N] [--json]

Workspace runtime defaults, shared by everyone using this database:
${settingKeys.map((key) => `  ${key.padEnd(20)} ${settingDescriptions[key]}; default ${shown(settingDefaults[key])}`).join('\n')}

Unknown keys are refused. --expect-version N refuses if the setting changed since you read
version N (0: never set); the refusal says who changed it and when, and the version to give to
put your value over theirs.

JSON (--json):
  get       {values: {timeout_ms, max_retries, max_output_tokens, temperature, smoke_prompt,
             default_concurrency, probe_max_tokens}, versions: {key: version, …}}  (a key never set has no version)
  get KEY   {key, value, version, default, description}
  set       the whole values object after the change

Exit codes: 0 done, 1 refused (a conflict), 2 usage (an unknown key or a value out of bounds).

Examples:
  eval752 settings set timeout_ms 30000
  eval752 settings set smoke_prompt "Say hello in one word."
`,
	run: (args, io) => dispatch('settings', args, io, {get, set}, {bare: 'get'}),
};

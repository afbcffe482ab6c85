import {UsageError} from '../../errors.js';
import {discoverModels} from '../../services/smoke.js';
import {addModel, deleteModel, listModels, resolveModel, updateModel} from '../../services/models.js';
import {getProvider, listProviders} from '../../services/providers.js';
import {expectVersion, intFlag, parse} from '../args.js';
import {columns, printJson, table} from '../format.js';
import {dispatch, withContext, type Subcommand, type Command} from '../command.js';

const list: Subcommand = async (args, io) => {
	const {values, positionals} = parse('models list', args, {json: {type: 'boolean'}}, {max: 1, names: 'PROVIDER'});
	return withContext(io, async (ctx) => {
		const providers = await listProviders(ctx);
		const names = new Map(providers.map((provider) => [provider.id, provider.name]));
		const provider = positionals[0] === undefined ? undefined : await getProvider(ctx, positionals[0]);
		const models = (await listModels(ctx, provider?.id)).map((model) => ({...model, providerName: names.get(model.providerId) ?? ''}));
		if (values.json) printJson(io.stdout, models);
		else if (models.length === 0) io.stdout.write(`No models${provider ? ` on ${provider.name}` : ''} yet — add one with eval752 models add PROVIDER --model MODEL_NAME\n`);
		else {
			io.stdout.write(
				table(
					['ID', 'PROVIDER', 'MODEL', 'LABEL', 'ALIAS'],
					models.map((model) => [model.id.slice(0, 8), model.providerName, model.modelName, model.displayLabel, model.alias ?? '—']),
					columns(io.stdout),
				),
			);
		}
		return 0;
	});
};

const add: Subcommand = async (args, io) => {
	const {values, positionals} = parse(
		'models add',
		args,
		{model: {type: 'string'}, label: {type: 'string'}, alias: {type: 'string'}, json: {type: 'boolean'}},
		{min: 1, max: 1, names: 'PROVIDER'},
	);
	if (values.model === undefined) throw new UsageError('models add: --model is required', 'eval752 models add --help');
	return withContext(io, async (ctx) => {
		const model = await addModel(ctx, positionals[0]!, {modelName: values.model!, displayLabel: values.label, alias: values.alias ?? null});
		if (values.json) printJson(io.stdout, model);
		else io.stdout.write(`Model ${model.modelName} added (id ${model.id.slice(0, 8)}${model.alias ? `, alias ${model.alias}` : ''})\n`);
		return 0;
	});
};

const edit: Subcommand = async (args, io) => {
	const {values, positionals} = parse(
		'models edit',
		args,
		{model: {type: 'string'}, label: {type: 'string'}, alias: {type: 'string'}, 'no-alias': {type: 'boolean'}, 'expect-version': {type: 'string'}, json: {type: 'boolean'}},
		{min: 1, max: 1, names: 'MODEL_ID'},
	);
	const expected = expectVersion('models edit', values['expect-version']);
	const patch: Record<string, unknown> = {};
	if (values.model !== undefined) patch['modelName'] = values.model;
	if (values.label !== undefined) patch['displayLabel'] = values.label;
	if (values.alias !== undefined) patch['alias'] = values.alias;
	if (values['no-alias']) {
		if (values.alias !== undefined) throw new UsageError('models edit: --alias and --no-alias contradict each other', 'eval752 models edit --help');
		patch['alias'] = null;
	}
	if (Object.keys(patch).length === 0) throw new UsageError('models edit: nothing to change — give --model, --label, --alias or --no-alias', 'eval752 models edit --help');
	return withContext(io, async (ctx) => {
		const model = await resolveModel(ctx, positionals[0]!);
		const updated = await updateModel(ctx, model.id, expected ?? model.version, patch);
		if (values.json) printJson(io.stdout, updated);
		else io.stdout.write(`Model ${updated.modelName} updated (version ${updated.version})\n`);
		return 0;
	});
};

const remove: Subcommand = async (args, io) => {
	const {values, positionals} = parse('models rm', args, {json: {type: 'boolean'}}, {min: 1, max: 1, names: 'MODEL_ID'});
	return withContext(io, async (ctx) => {
		const model = await resolveModel(ctx, positionals[0]!);
		await deleteModel(ctx, model.id);
		if (values.json) printJson(io.stdout, {deleted: model.id});
		else io.stdout.write(`Model ${model.modelName} deleted\n`);
		return 0;
	});
};

/**
 * What the provider serves right now (its /models list), against what is configured here:
 * configured models it no longer lists are flagged, and the exit code says so for scripts.
 * Ids that fail the model-name rule are counted, never printed.
 */
const discover: Subcommand = async (args, io) => {
	const {values, positionals} = parse('models discover', args, {'timeout-ms': {type: 'string'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'PROVIDER'});
	const timeoutMs = intFlag('models discover', 'timeout-ms', values['timeout-ms'], {min: 1000, max: 600_000});
	return withContext(io, async (ctx) => {
		const provider = await getProvider(ctx, positionals[0]!);
		const {served, missing, skipped, skippedNote} = await discoverModels(ctx, provider.id, undefined, timeoutMs === undefined ? {} : {timeoutMs});
		const configuredNames = new Set((await listModels(ctx, provider.id)).map((model) => model.modelName));
		if (values.json) {
			printJson(io.stdout, {
				provider: provider.name,
				served: served.map((name) => ({modelName: name, configured: configuredNames.has(name)})),
				missing,
				skipped,
			});
		} else {
			io.stdout.write(`${provider.name} serves ${served.length} model${served.length === 1 ? '' : 's'}:\n`);
			for (const name of served) io.stdout.write(`  ${configuredNames.has(name) ? '*' : ' '} ${name}\n`);
			if (skippedNote) io.stdout.write(`  (${skippedNote})\n`);
			if (configuredNames.size > 0) io.stdout.write('  (* configured here)\n');
			for (const name of missing) io.stdout.write(`! ${name} is configured here but ${provider.name} no longer lists it\n`);
		}
		return missing.length > 0 ? 1 : 0;
	});
};

export const command: Command = {
	name: 'models',
	summary: 'list, add, edit, remove and discover models',
	help: `Usage: eval752 models list [PROVIDER] [--json]
       eval752 models add PROVIDER --model MODEL_NAME [--label DISPLAY_LABEL] [--alias ALIAS] [--json]
       eval752 models edit MODEL_ID [--model MODEL_NAME] [--label DISPLAY_LABEL] [--alias ALIAS | --no-alias]
                                    [--expect-version N] [--json]
       eval752 models rm MODEL_ID [--json]
       eval752 models discover PROVIDER [--timeout-ms N] [--json]

PROVIDER is a provider's name (any case) or id; MODEL_ID is a model's id or its first 4+ characters.

Fields:
  --model MODEL_NAME     the id the provider serves, exactly (1–256 characters, no spaces);
                         unique per provider
  --label DISPLAY_LABEL  what people see (0–64 characters; defaults to the model name)
  --alias ALIAS          groups models across providers for comparisons: lowercased,
                         a–z 0–9 . _ : / - only, 1–64 characters
  --no-alias             edit: remove the alias
  --expect-version N     edit: refuse if the model changed since you read version N; the refusal
                         says who changed which fields and when, and the version to give to put
                         your values over theirs

discover asks the provider for its model list (with its first active key) and marks the models
configured here; configured models it no longer lists are flagged and make the exit code 1.
Listed ids are checked by the same rule as --model: ids with control, escape or invisible
characters or spaces are never printed, only counted ("2 ids skipped (unsafe characters)"),
and an id that quotes the key shows it as [redacted].

JSON (--json):
  list      [{id, providerId, providerName, modelName, displayLabel, alias, version, createdAt, updatedAt}]
  add, edit the model {id, providerId, modelName, displayLabel, alias, version, createdAt, updatedAt}
  rm        {deleted: id}
  discover  {provider, served: [{modelName, configured}], missing: [modelName], skipped: number}

Exit codes: 0 done, 1 refused or failed (discover: a configured model is no longer served), 2 usage
(including a value the rules above refuse).

Examples:
  eval752 models add groq --model llama-3.3-70b-versatile --label "Llama 3.3 70B" --alias llama-70b
  eval752 models edit 9c1e --no-alias
`,
	run: (args, io) => dispatch('models', args, io, {list, ls: list, add, edit, rm: remove, discover}),
};

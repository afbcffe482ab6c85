import {listAliases} from '../../services/models.js';
import {parse} from '../args.js';
import {columns, printJson, table} from '../format.js';
import {dispatch, withContext, type Subcommand, type Command} from '../command.js';

const list: Subcommand = async (args, io) => {
	const {values} = parse('aliases list', args, {json: {type: 'boolean'}}, {max: 0});
	return withContext(io, async (ctx) => {
		const aliases = await listAliases(ctx);
		if (values.json) printJson(io.stdout, aliases);
		else if (aliases.length === 0) io.stdout.write('No aliases yet — give a model one with eval752 models add PROVIDER --model M --alias ALIAS\n');
		else {
			const rows = aliases.flatMap((entry) =>
				entry.providers.map((served, index) => [index === 0 ? entry.alias : '', served.providerName, served.modelName, served.displayLabel, served.providerEnabled ? 'yes' : 'no (provider disabled)']),
			);
			io.stdout.write(table(['ALIAS', 'PROVIDER', 'MODEL', 'LABEL', 'ENABLED'], rows, columns(io.stdout)));
		}
		return 0;
	});
};

export const command: Command = {
	name: 'aliases',
	summary: 'list aliases with the providers and models serving them',
	help: `Usage: eval752 aliases [list] [--json]          (list is the default)

Each alias with every provider and model serving it (a disabled provider is shown but not used
by comparisons).

JSON (--json):
  [{alias, providers: [{providerId, providerName, providerEnabled, modelId, modelName,
                        displayLabel, capabilities: [..]}]}]   (aliases and providers by name)

Exit codes: 0 done, 1 failed, 2 usage.
`,
	run: (args, io) => dispatch('aliases', args, io, {list, ls: list}, {bare: 'list'}),
};

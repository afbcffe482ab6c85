import {importEnvironment, importFromEnv} from '../../services/import-env.js';
import {parse} from '../args.js';
import {columns, printJson, table} from '../format.js';
import {withContext, type Command} from '../command.js';

export const command: Command = {
	name: 'import-env',
	summary: 'create providers and keys from OPENAI_API_KEY and friends',
	help: `Usage: eval752 import-env [--dry-run] [--json]

Creates providers and stores keys from the environment variables people already have (and the .env
in the working directory): OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY / GOOGLE_API_KEY,
MISTRAL_API_KEY, GROQ_API_KEY, TOGETHER_API_KEY, DEEPSEEK_API_KEY, OPENROUTER_API_KEY,
XAI_API_KEY, FIREWORKS_API_KEY, AZURE_OPENAI_API_KEY (with AZURE_OPENAI_ENDPOINT) and OLLAMA_HOST.

A key goes to the provider of its family (the one named after the family, else the oldest); a
provider is created when there is none. Keys already stored anywhere are skipped. Output shows
key hints (sk-…a1b2), never keys. Safe to run again.

Options:
  --dry-run   show what would be done; change nothing
  --json      print JSON

JSON (--json):
  {dryRun, actions: [{provider, type, action, keyHint?, variable?, reason?}]}
  action: create-provider | add-key | skip-duplicate | skip-exists | skip-incomplete

Exit codes: 0 done (also when there was nothing to import), 1 failed, 2 usage.
`,
	async run(args, io) {
		const {values} = parse('import-env', args, {'dry-run': {type: 'boolean'}, json: {type: 'boolean'}}, {max: 0});
		const dryRun = values['dry-run'] ?? false;
		return withContext(io, async (ctx) => {
			const {actions} = await importFromEnv(ctx, importEnvironment(io.env, io.cwd), {dryRun});
			if (values.json) printJson(io.stdout, {dryRun, actions});
			else if (actions.length === 0) io.stdout.write('Nothing to import: none of the usual API key variables is set\n');
			else {
				io.stdout.write(
					table(
						['ACTION', 'PROVIDER', 'TYPE', 'KEY', 'FROM', 'NOTE'],
						actions.map((step) => [step.action, step.provider, step.type, step.keyHint ?? '', step.variable ?? '', step.reason ?? '']),
						columns(io.stdout),
					),
				);
				if (dryRun) io.stdout.write('Dry run: nothing was changed.\n');
			}
			return 0;
		});
	},
};

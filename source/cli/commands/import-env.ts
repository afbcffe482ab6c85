import {importEnvironment, importFromEnv} from '../../services/import-env.js';
import {parse} from '../args.js';
import {printJson} from '../format.js';
import {withContext, type Command} from '../command.js';

export const command: Command = {
	name: 'import-env',
	summary: 'create providers and keys from OPENAI_API_KEY and friends',
	help: `Usage: eval752 import-env [--dry-run] [--json]

Creates providers and stores keys from the environment variables people already have (and the
.env eval752 reads, see eval752 --help): OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY /
GOOGLE_API_KEY, MISTRAL_API_KEY, GROQ_API_KEY, TOGETHER_API_KEY, DEEPSEEK_API_KEY,
OPENROUTER_API_KEY, XAI_API_KEY, FIREWORKS_API_KEY, AZURE_OPENAI_API_KEY (with
AZURE_OPENAI_ENDPOINT) and OLLAMA_HOST.

A vendor's key goes only to that vendor's own origin: to a provider of its family whose base URL
is at the vendor's default origin (https://api.openai.com for OPENAI_API_KEY; for Azure the
origin of AZURE_OPENAI_ENDPOINT) — the one named after the family first, else the oldest — or to
a new provider created there when the family has none. A provider of the family at any other
origin (a corporate proxy, a mock, a gateway) never gets it: the step is skip-origin, "base URL is
not <vendor origin>"; add the key to it yourself if that is intended (eval752 keys add). Keys
already stored anywhere are skipped. Every step shows the base URL it concerns; output shows key
hints (sk-…a1b2), never keys. Safe to run again.

Options:
  --dry-run   show what would be done; change nothing
  --json      print JSON

JSON (--json):
  {dryRun, actions: [{provider, type, action, baseUrl?, keyHint?, variable?, reason?}]}
  action: create-provider | add-key | skip-duplicate | skip-exists | skip-incomplete | skip-origin

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
				// One step a block, the base URL whole: the plan is read for where each key would go.
				const width = Math.max(...actions.map((step) => step.action.length));
				for (const step of actions) {
					io.stdout.write(`${step.action.padEnd(width)}  ${step.provider} (${step.type})${step.baseUrl ? ` at ${step.baseUrl}` : ''}\n`);
					const details = [step.keyHint ? `key ${step.keyHint}` : '', step.variable ? `from ${step.variable}` : '', step.reason ?? ''].filter(Boolean);
					if (details.length > 0) io.stdout.write(`${' '.repeat(width)}  ${details.join(' · ')}\n`);
				}
				if (dryRun) io.stdout.write('Dry run: nothing was changed.\n');
			}
			return 0;
		});
	},
};

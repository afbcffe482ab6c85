import type {Command} from './command.js';

/** Commands load on demand: `eval752 status` should not pay for the dashboard, nor the dashboard for backup. */
export const commands: Readonly<Record<string, {summary: string; load: () => Promise<Command>}>> = {
	providers: {summary: 'list, show, add, edit, remove, enable and disable providers', load: async () => (await import('./commands/providers.js')).command},
	keys: {summary: 'list, add, rotate, disable, enable, remove and prioritise API keys', load: async () => (await import('./commands/keys.js')).command},
	models: {summary: 'list, add, edit, remove and discover models', load: async () => (await import('./commands/models.js')).command},
	aliases: {summary: 'list aliases with the providers and models serving them', load: async () => (await import('./commands/aliases.js')).command},
	smoke: {summary: 'probe a provider with the exact model (models, chat or stream)', load: async () => (await import('./commands/smoke.js')).command},
	probe: {summary: 'probe many providers at once within their limits; exit with the health verdict', load: async () => (await import('./commands/probe.js')).command},
	watch: {summary: 'keep probing on a schedule; a live status table or one JSON line a round', load: async () => (await import('./commands/watch.js')).command},
	runs: {summary: 'list and show stored smoke, probe and comparison runs', load: async () => (await import('./commands/runs.js')).command},
	compare: {summary: 'run one prompt on every provider serving an alias', load: async () => (await import('./commands/compare.js')).command},
	status: {summary: 'every provider at a glance; exit 0 healthy, 1 failing, 3 degraded, 4 unknown', load: async () => (await import('./commands/status.js')).command},
	settings: {summary: 'show and change workspace runtime defaults', load: async () => (await import('./commands/settings.js')).command},
	audit: {summary: 'show and verify the tamper-evident audit log', load: async () => (await import('./commands/audit.js')).command},
	'import-env': {summary: 'create providers and keys from OPENAI_API_KEY and friends', load: async () => (await import('./commands/import-env.js')).command},
	doctor: {summary: 'check the database, migrations and encryption key', load: async () => (await import('./commands/doctor.js')).command},
	migrate: {summary: 'apply pending database migrations', load: async () => (await import('./commands/migrate.js')).command},
	keygen: {summary: 'print a new ENCRYPTION_KEY', load: async () => (await import('./commands/keygen.js')).command},
	rekey: {summary: 're-encrypt every secret under the current ENCRYPTION_KEY', load: async () => (await import('./commands/rekey.js')).command},
	backup: {summary: 'write a logical backup of the database (ciphertext only)', load: async () => (await import('./commands/backup.js')).command},
	restore: {summary: 'load a backup into an empty database', load: async () => (await import('./commands/restore.js')).command},
};

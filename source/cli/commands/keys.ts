import type {KeySummary} from '../../domain/key.js';
import {UsageError, UserError} from '../../errors.js';
import {rotateHelp, runKeysRotate} from './keys-rotate.js';
import {addKey, deleteKey, listKeys, resolveKey, setKeyPriority, setKeyStatus, shortId, updateKey} from '../../services/keys.js';
import {getProvider} from '../../services/providers.js';
import {expectVersion, parse} from '../args.js';
import {age, columns, printJson, table} from '../format.js';
import {readFirstLine, readHiddenLine} from '../prompt.js';
import {dispatch, withContext, type Subcommand, type Command} from '../command.js';

/**
 * API keys from the command line. A secret never comes from argv (shell history, `ps`, CI
 * logs): `keys add` reads it from a hidden prompt on a terminal or the first line of stdin with
 * --from-stdin, and refuses anything on the command line that looks like it carries one —
 * without repeating it.
 */

/** Flags people reach for to pass a secret; refused whatever their value. */
const SECRET_FLAG = /^--?(key|secret|api-?key|token|password|value|sk)(=|$)/i;

const NOT_FROM_ARGV = 'secrets are never taken from the command line (they end up in shell history and ps)';

function validationText(key: KeySummary): string {
	const validation = key.lastValidation;
	if (!validation) return 'never';
	return `${validation.outcome}${validation.errorClass ? ` (${validation.errorClass})` : ''} ${age(key.lastValidatedAt)} ago`;
}

function keyRows(keys: readonly KeySummary[]): string[][] {
	return keys.map((key) => [shortId(key.id), key.label || '—', key.displayHint, key.status, String(key.priority), age(key.createdAt), validationText(key)]);
}

const list: Subcommand = async (args, io) => {
	const {values, positionals} = parse('keys list', args, {json: {type: 'boolean'}}, {min: 1, max: 1, names: 'PROVIDER'});
	return withContext(io, async (ctx) => {
		const provider = await getProvider(ctx, positionals[0]!);
		const keys = await listKeys(ctx, provider.id);
		if (values.json) printJson(io.stdout, keys);
		else if (keys.length === 0) io.stdout.write(`Provider ${provider.name} has no keys — add one with eval752 keys add ${provider.name}\n`);
		else io.stdout.write(table(['ID', 'LABEL', 'KEY', 'STATUS', 'PRIORITY', 'AGE', 'LAST VALIDATION'], keyRows(keys), columns(io.stdout)));
		return 0;
	});
};

const add: Subcommand = async (args, io) => {
	if (args.some((arg) => SECRET_FLAG.test(arg))) {
		throw new UsageError(`keys add: ${NOT_FROM_ARGV} — pipe the key with --from-stdin, or run on a terminal for a hidden prompt`, 'eval752 keys add --help');
	}
	let parsed;
	try {
		parsed = parse('keys add', args, {label: {type: 'string'}, priority: {type: 'string'}, disabled: {type: 'boolean'}, 'from-stdin': {type: 'boolean'}, json: {type: 'boolean'}});
	} catch {
		// parseArgs' own message repeats the offending argument, which may be a pasted key.
		throw new UsageError('keys add: unknown option or a value in the wrong place (not shown: it may be a secret)', 'eval752 keys add --help');
	}
	const {values, positionals} = parsed;
	if (positionals.length === 0) throw new UsageError('keys add: missing PROVIDER', 'eval752 keys add --help');
	if (positionals.length > 1) {
		throw new UsageError(`keys add takes only the provider as an argument; ${NOT_FROM_ARGV} — pipe the key with --from-stdin`, 'eval752 keys add --help');
	}
	const providerRef = positionals[0]!;
	return withContext(io, async (ctx) => {
		let provider;
		try {
			provider = await getProvider(ctx, providerRef);
		} catch (error) {
			// The first argument may be a key pasted in the wrong place: never repeat it.
			if (error instanceof UserError) throw new UserError(`No provider matches the first argument (not shown; ${NOT_FROM_ARGV})`, {hint: 'eval752 providers list shows the names'});
			throw error;
		}
		let secret: string;
		if (values['from-stdin']) {
			if (io.stdin.isTTY) throw new UsageError('keys add: --from-stdin reads a pipe, and stdin is a terminal (what you type would show)', 'leave out --from-stdin for a hidden prompt');
			secret = await readFirstLine(io.stdin);
		} else if (io.stdin.isTTY) {
			secret = await readHiddenLine(io, `API key for ${provider.name} (input hidden, Enter to finish, Ctrl+C to cancel): `);
		} else {
			throw new UsageError('keys add: stdin is not a terminal, so the key can\'t be typed hidden', 'pipe it in and add --from-stdin (e.g. pass show groq | eval752 keys add groq --from-stdin)');
		}
		const key = await addKey(ctx, provider.id, {
			secret,
			label: values.label,
			...(values.priority !== undefined ? {priority: values.priority as unknown as number} : {}),
			...(values.disabled ? {status: 'disabled' as const} : {}),
		});
		secret = '';
		if (values.json) printJson(io.stdout, key);
		else io.stdout.write(`Key ${key.displayHint} added to ${provider.name} (id ${shortId(key.id)}, ${key.status}, priority ${key.priority})\n`);
		return 0;
	});
};

function status(next: 'active' | 'disabled'): Subcommand {
	const name = next === 'active' ? 'keys enable' : 'keys disable';
	return async (args, io) => {
		const {values, positionals} = parse(name, args, {'expect-version': {type: 'string'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'KEY'});
		const expected = expectVersion(name, values['expect-version']);
		return withContext(io, async (ctx) => {
			const key = await resolveKey(ctx, positionals[0]!);
			const updated = await setKeyStatus(ctx, key.id, next, expected);
			if (values.json) printJson(io.stdout, updated);
			else io.stdout.write(`Key ${updated.displayHint} (${shortId(updated.id)}) ${next === 'active' ? 'enabled' : 'disabled'}\n`);
			return 0;
		});
	};
}

const remove: Subcommand = async (args, io) => {
	const {values, positionals} = parse('keys rm', args, {force: {type: 'boolean'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'KEY'});
	return withContext(io, async (ctx) => {
		const key = await resolveKey(ctx, positionals[0]!);
		await deleteKey(ctx, key.id, {force: values.force ?? false});
		if (values.json) printJson(io.stdout, {deleted: key.id});
		else io.stdout.write(`Key ${key.displayHint} (${shortId(key.id)}) deleted\n`);
		return 0;
	});
};

const priority: Subcommand = async (args, io) => {
	const {values, positionals} = parse('keys priority', args, {'expect-version': {type: 'string'}, json: {type: 'boolean'}}, {min: 2, max: 2, names: 'KEY and PRIORITY'});
	const expected = expectVersion('keys priority', values['expect-version']);
	return withContext(io, async (ctx) => {
		const key = await resolveKey(ctx, positionals[0]!);
		const updated = await setKeyPriority(ctx, key.id, positionals[1] as unknown as number, expected);
		if (values.json) printJson(io.stdout, updated);
		else io.stdout.write(`Key ${updated.displayHint} (${shortId(updated.id)}) now has priority ${updated.priority}\n`);
		return 0;
	});
};

const edit: Subcommand = async (args, io) => {
	const {values, positionals} = parse('keys edit', args, {label: {type: 'string'}, priority: {type: 'string'}, 'expect-version': {type: 'string'}, json: {type: 'boolean'}}, {min: 1, max: 1, names: 'KEY'});
	const expected = expectVersion('keys edit', values['expect-version']);
	// Only the flags given become fields: an edit changes nothing else.
	const patch: Record<string, unknown> = {};
	if (values.label !== undefined) patch['label'] = values.label;
	if (values.priority !== undefined) patch['priority'] = values.priority;
	if (Object.keys(patch).length === 0) throw new UsageError('keys edit: nothing to change — give --label or --priority', 'eval752 keys edit --help');
	return withContext(io, async (ctx) => {
		const key = await resolveKey(ctx, positionals[0]!);
		const updated = await updateKey(ctx, key.id, expected ?? key.version, patch);
		if (values.json) printJson(io.stdout, updated);
		else io.stdout.write(`Key ${updated.displayHint} (${shortId(updated.id)}) updated: label ${updated.label ? JSON.stringify(updated.label) : '(none)'}, priority ${updated.priority} (version ${updated.version})\n`);
		return 0;
	});
};

export const command: Command = {
	name: 'keys',
	summary: 'list, add, edit, disable, enable, remove and prioritise API keys',
	help: `Usage: eval752 keys list PROVIDER [--json]
       eval752 keys add PROVIDER [--label L] [--priority N] [--disabled] [--from-stdin] [--json]
       eval752 keys disable|enable KEY [--expect-version N] [--json]
       eval752 keys rm KEY [--force] [--json]
       eval752 keys priority KEY N [--expect-version N] [--json]
       eval752 keys edit KEY [--label L] [--priority N] [--expect-version N] [--json]
       eval752 keys rotate PROVIDER --from-stdin [--label L] [--old KEY] [--model M | --all-models]
                           [--disable-old | --delete-old] [--json]   (eval752 keys rotate --help)

PROVIDER is a provider's name (any case) or id. KEY is a key's id or the first 4+ characters of it
(keys list shows 8).

Adding a key: the key is never an argument. On a terminal, eval752 asks for it with input hidden;
otherwise pipe it in with --from-stdin (the first line is read, its line ending dropped). It is
encrypted before it is stored; lists show only a hint like sk-…a1b2. The same key stored anywhere
is refused, naming where.

Options:
  --label L          a name for the key (0–64 characters), e.g. "ci" or "team budget"
  --priority N       0–1000; calls use the active key with the lowest number first (default 0)
  --disabled         store the key disabled
  --from-stdin       read the key from a pipe
  --force            rm: delete an active key (otherwise disable it first)
  --expect-version N refuse if the key changed since you read version N; the refusal says who
                     changed it, when and which fields, and the version to give to put yours
                     over theirs

JSON (--json):
  list               [{id, providerId, label, displayHint, status: "active"|"disabled", priority,
                       version, createdAt, updatedAt, disabledAt, lastValidatedAt,
                       lastValidation: {outcome, errorClass, message, model, at} | null}]
                     (active first, then by priority, then oldest first)
  add, disable, enable, priority, edit   that key, same shape
  rm                 {deleted: id}

Exit codes: 0 done, 1 refused or failed, 2 usage (including a value the rules refuse, or a piped key
that is not UTF-8 text).

Examples:
  pass show groq/api | eval752 keys add groq --label ci --from-stdin
  eval752 keys disable 3f2a9c1b
  eval752 keys priority 3f2a 10
  eval752 keys edit 3f2a --label "team budget" --expect-version 4
`,
	subcommandHelp: {rotate: rotateHelp},
	run: (args, io) => dispatch('keys', args, io, {list, ls: list, add, disable: status('disabled'), enable: status('active'), rm: remove, priority, edit, rotate: runKeysRotate}),
};

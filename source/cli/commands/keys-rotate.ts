import {consume} from '../../lib/stream.js';
import {openApp} from '../../app.js';
import {UsageError, UserError} from '../../errors.js';
import {abandonRotation, finishRotation, startRotation, validateRotation, type FinishMode, type FinishResult, type Rotation, type RotationValidation} from '../../services/rotate.js';
import {parse} from '../args.js';
import {errorLine, printJson} from '../format.js';
import type {Io} from '../io.js';
import {readFirstLine, readHiddenLine} from '../prompt.js';

export const rotateHelp = `Usage: eval752 keys rotate <provider> --from-stdin [--label L] [--old KEY] [--model M | --all-models]
                          [--disable-old | --delete-old] [--json]

Replaces a provider's API key, step by step:
  1. the new key is stored encrypted as an active key BEHIND the old one (calls keep using the old key)
  2. a smoke test with the new key runs on one model (--model, default the provider's first) or on
     every configured model (--all-models)
  3. passed: the new key becomes the first key used, and the old key is disabled (--disable-old),
     deleted (--delete-old), or kept active as a fallback (neither flag)
     failed or interrupted: the new key is left stored but disabled with its error class, and the
     old key stays active and unchanged
Every step is one audit row (key.rotate.add, smoke.run per model, key.rotate.park_new or
key.rotate.disable_old / key.rotate.delete_old / key.rotate.promote_new).

The new key is read from the first line of standard input with --from-stdin, or typed at a prompt
that does not echo when standard input is a terminal; never from the command line.

Options:
  --from-stdin      read the new key from the first line of standard input
  --label L         label for the new key
  --old KEY         the key being replaced (id or prefix); default: the provider's first active key
  --model M         validate on this model
  --all-models      validate on every model configured for the provider
  --disable-old     after a passed validation, disable the old key
  --delete-old      after a passed validation, delete the old key
  --json            the rotation as JSON (progress lines go to stderr)

Ctrl+C cancels: the new key is left disabled and the old key untouched.
Exit codes: 0 the new key validated (and the old key was disabled or deleted when asked), 1 it did
not, or the rotation was refused or lost to another operator's, 2 usage or configuration error.
`;

/**
 * `eval752 keys rotate`: the same services the dashboard's rotation wizard drives, one line per
 * step. The secret is read once, handed to startRotation and dropped; nothing printed carries it.
 */
export async function runKeysRotate(args: readonly string[], io: Io): Promise<number> {
	let parsed;
	try {
		parsed = parseRotateArgs(args);
	} catch {
		// parseArgs' message repeats the offending argument, which may be a key pasted in the wrong place.
		throw new UsageError('keys rotate: unknown option, a value in the wrong place or an extra argument (not shown: it may be a secret)', 'eval752 keys rotate --help');
	}
	const {values, positionals} = parsed;
	if (positionals.length === 0) throw new UsageError('keys rotate: missing provider', 'eval752 keys rotate --help');
	if (values.model !== undefined && values['all-models']) throw new UsageError('keys rotate: give --model or --all-models, not both', 'eval752 keys rotate --help');
	if (values['disable-old'] && values['delete-old']) throw new UsageError('keys rotate: give --disable-old or --delete-old, not both', 'eval752 keys rotate --help');
	if (!values['from-stdin'] && !io.stdin.isTTY) {
		throw new UsageError('keys rotate: the new key is read from standard input only with --from-stdin', 'pipe it in with --from-stdin, or run in a terminal to type it at a prompt');
	}
	const mode: FinishMode = values['delete-old'] ? 'delete-old' : values['disable-old'] ? 'disable-old' : 'keep-old';
	const json = values.json === true;
	// Progress is for people; with --json stdout carries only the document.
	const say = (line: string) => void (json ? io.stderr : io.stdout).write(`${line}\n`);

	const secret = values['from-stdin'] ? await readFirstLine(io.stdin) : await readHiddenLine(io, 'New API key (not shown): ');
	if (secret.trim() === '') {
		io.stderr.write('eval752: nothing was stored; the provider\'s keys are unchanged\n');
		return 1;
	}

	const app = await openApp(io, {onProgress: (message) => io.stderr.write(`${message}\n`)});
	const controller = new AbortController();
	const onSigint = () => controller.abort();
	process.on('SIGINT', onSigint);
	let rotation: Rotation | null = null;
	try {
		rotation = await startRotation(app.ctx, positionals[0]!, {secret, label: values.label, oldKeyRef: values.old});
		say(`Key added: ${rotation.newKey.displayHint}${rotation.newKey.label ? ` (${rotation.newKey.label})` : ''} on ${rotation.providerName}, behind ${rotation.oldKey ? `the old key ${rotation.oldKey.displayHint}` : 'no old key'} — calls keep using the old key for now.`);

		const validation = await validate(app.ctx, rotation, values, controller.signal, say);
		let finish: FinishResult | null = null;
		let state = validation.state;
		if (validation.ok) {
			finish = await finishRotation(app.ctx, rotation, mode);
			state = finish.state;
		}
		say(state);
		if (json) {
			printJson(io.stdout, {
				provider: rotation.providerName,
				providerId: rotation.providerId,
				newKey: {id: rotation.newKeyId, displayHint: rotation.newKey.displayHint, label: rotation.newKey.label, status: finish ? finish.newKey.status : 'disabled'},
				oldKey: rotation.oldKey ? {id: rotation.oldKey.id, displayHint: rotation.oldKey.displayHint, status: finish ? (finish.oldKey?.status ?? 'deleted') : 'active'} : null,
				validation: {ok: validation.ok, cancelled: validation.cancelled, results: validation.results},
				finish: finish ? mode : null,
				state,
			});
		}
		return validation.ok ? 0 : 1;
	} catch (error) {
		// Whatever failed after the key was stored, leave the documented state and say what it is.
		if (rotation) {
			const state = await abandonRotation(app.ctx, rotation).catch(() => null);
			if (error instanceof UserError) io.stderr.write(`eval752: ${errorLine(error)}\n`);
			if (state) say(state);
			if (error instanceof UserError) return error.exitCode;
		}
		throw error;
	} finally {
		process.off('SIGINT', onSigint);
		await app.close();
	}
}

async function validate(ctx: Parameters<typeof validateRotation>[0], rotation: Rotation, values: {model?: string; 'all-models'?: boolean}, signal: AbortSignal, say: (line: string) => void): Promise<RotationValidation> {
	const models = values['all-models'] ? rotation.models : [values.model ?? rotation.models[0]!];
	say(`Validating the new key on ${models.join(', ')}…`);
	const verdict = await consume(validateRotation(ctx, rotation, {model: values.model, allModels: values['all-models']}, signal), ({model, event}) => {
		if (event.type === 'started') say(`  ${model}: started`);
	});
	for (const result of verdict.results) {
		if (result.outcome === 'ok') say(`  ${result.model}: ok in ${result.metrics?.totalMs ?? 0} ms (first token ${result.metrics?.ttftMs ?? '—'} ms)`);
		else say(`  ${result.model}: ${result.outcome} — ${result.errorClass ?? 'failed'}: ${result.message ?? ''}${result.hint ? ` (${result.hint})` : ''}`);
	}
	say(verdict.ok ? `New key validated on ${verdict.results.length} model${verdict.results.length === 1 ? '' : 's'}.` : 'New key not validated.');
	return verdict;
}

function parseRotateArgs(args: readonly string[]) {
	const parsed = parse(
		'keys rotate',
		args,
		{
			'from-stdin': {type: 'boolean'},
			label: {type: 'string'},
			old: {type: 'string'},
			model: {type: 'string'},
			'all-models': {type: 'boolean'},
			'disable-old': {type: 'boolean'},
			'delete-old': {type: 'boolean'},
			json: {type: 'boolean'},
		},
		{max: 1},
	);
	return parsed;
}

import {Box, useInput} from 'ink';
import {plural, tailLines} from '../../../lib/metrics.js';
import {truncate} from '../../../lib/text.js';
import {Form} from '../../components/Form.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useHold} from '../../input/input-target.js';
import {fieldErrors} from '../../components/form-outcome.js';
import {SelectList} from '../../components/SelectList.js';
import {Spinner} from '../../components/Spinner.js';
import {Text} from '../../components/Text.js';
import {resolve} from '../../keymap.js';
import {useServices} from '../../services.js';
import type {Theme} from '../../theme.js';
import {useModalSize, useUi} from '../../ui-context.js';
import {useRotation, type ModelProgress, type RotationState} from './use-rotation.js';

export interface RotationWizardProps {
	readonly providerId: string;
	readonly providerName: string;
	/** The key being replaced; the service picks the provider's first active key when absent. */
	readonly oldKeyId?: string;
}

const steps = ['new key', 'models', 'validate', 'retire old'] as const;

function stepIndex(state: RotationState): number {
	switch (state.step) {
		case 'key':
			return 0;
		case 'model':
			return 1;
		case 'validating':
			return 2;
		default:
			return 3;
	}
}

const ALL = '\u0000all';

/**
 * Guided key rotation (`R`): the new key (masked) and a label → which models to validate on →
 * the validation streaming inline → one key to retire the old key. Each step is one service call
 * and one audit row; Esc at any step says what state it left.
 */
export function RotationWizard({providerId, providerName, oldKeyId}: RotationWizardProps) {
	const services = useServices();
	const ui = useUi();
	const {width, height} = useModalSize();
	const rotation = useRotation(services, {providerId, oldKeyId}, (message, tone) => {
		ui.closeModal();
		ui.flash(message, tone);
	});
	const {state} = rotation;
	// The key expected to be replaced, for the title (the service has the last word).
	const keys = useAsyncResource(() => services.listKeys(providerId), [providerId], 0);
	const expected = oldKeyId ? keys.data?.find((k) => k.id === oldKeyId) : [...(keys.data ?? [])].filter((k) => k.status === 'active').sort((a, b) => a.priority - b.priority)[0];

	// Keys typed ahead of a validation or a finish (d right after Enter) go to the screen it
	// leads to: the decision after a passed validation, nothing after a failed one.
	useHold(state.step === 'validating' || state.step === 'finishing' || state.step === 'closing');

	// The form has the keys in step 1, the model list its own in step 2 (Enter picks).
	useInput(
		(input, key) => {
			const b = resolve(input, key, ['wizard']);
			switch (state.step) {
				case 'model':
					// The model list has Esc (it clears its filter first, then cancels through onCancel).
					return;
				case 'validating':
					if (b?.id === 'cancel') rotation.escape();
					return;
				case 'passed':
					if (b?.id === 'cancel') return rotation.escape();
					if (b?.id === 'disableOld') return rotation.finish('disable-old');
					if (b?.id === 'deleteOld') return state.rotation?.oldKey ? rotation.askDelete() : rotation.finish('delete-old');
					if (b?.id === 'keepOld') return rotation.finish('keep-old');
					return;
				case 'confirm-delete': {
					const answer = resolve(input, key, ['confirm']);
					if (answer?.id === 'yes') return rotation.finish('delete-old');
					if (answer?.id === 'no') rotation.cancelDelete();
					return;
				}
				case 'failed':
					if (b?.id === 'cancel' || key.return) rotation.escape();
					return;
				default:
					return;
			}
		},
		{isActive: state.step !== 'key'},
	);

	const oldText = state.rotation ? (state.rotation.oldKey ? state.rotation.oldKey.displayHint : 'no active key') : (expected?.displayHint ?? (keys.data ? 'no active key' : 'the active key'));
	const header = (
		<Text wrap="truncate">
			{steps.map((name, i) => (
				<Text key={name} color={i === stepIndex(state) ? ui.theme.accent : ui.theme.muted} bold={i === stepIndex(state)}>
					{i > 0 ? ' › ' : ''}
					{i + 1} {name}
				</Text>
			))}
		</Text>
	);

	if (state.step === 'key') {
		return (
			<Form
				title={truncate(`Rotate a key of ${providerName} · replacing ${oldText}`, width - 4)}
				theme={ui.theme}
				initial={{secret: '', label: ''}}
				fields={[
					{kind: 'text', name: 'secret', label: 'New API key', mask: true, placeholder: 'paste the new key (shown masked)'},
					{kind: 'text', name: 'label', label: 'Label', placeholder: 'e.g. prod-2026-11 (optional)'},
				]}
				onCancel={rotation.escape}
				onSubmit={async (values) => {
					try {
						await rotation.start(String(values['secret'] ?? ''), String(values['label'] ?? '').trim());
						return undefined;
					} catch (error) {
						return {errors: fieldErrors(error)};
					}
				}}
				note="Enter store it (encrypted, behind the old key) · Esc cancel · step 1 of 4"
			/>
		);
	}

	const inner = width - 4;
	let body;
	if (state.step === 'model') {
		const models = state.rotation?.models ?? [];
		const items = [{label: `All ${plural(models.length, 'model')}, one after the other`, value: ALL}, ...models.map((model) => ({label: model, value: model}))];
		body = (
			<Box flexDirection="column">
				<Text wrap="wrap">
					<Text color={ui.theme.ok}>✓</Text> New key {state.rotation?.newKey.displayHint} stored and active behind {oldText}; calls still use the old key.
				</Text>
				<Text bold>Validate it on:</Text>
				<SelectList items={items} focus limit={Math.max(2, height - 10)} theme={ui.theme} onSelect={(value) => rotation.choose(value === ALL ? {allModels: true} : {model: value})} onCancel={() => rotation.escape()} />
				<Text color={ui.theme.muted} wrap="truncate">
					↑/↓ choose · Enter validate · Esc cancel (the new key is then disabled)
				</Text>
			</Box>
		);
	} else if (state.step === 'closing') {
		body = <Spinner label="Cancelling: closing the request and parking the new key…" />;
	} else {
		const problems = state.models.filter((m) => m.error && m.status !== 'cancelled');
		const fixed = state.models.length + 4;
		const textHeight = state.step === 'validating' ? Math.max(1, height - fixed - 2) : Math.max(0, Math.min(3, height - fixed - 5));
		body = (
			<Box flexDirection="column">
				{state.models.map((m) => (
					<ModelLine key={m.model} progress={m} width={inner} theme={ui.theme} />
				))}
				{(state.text ? tailLines(state.text, Math.max(1, inner - 2), textHeight) : []).map((line, i) => (
					<Text key={i} color={ui.theme.muted} wrap="truncate">
						{'  '}
						{line || ' '}
					</Text>
				))}
				{state.step === 'validating' ? <Spinner label="validating the new key · Esc cancels (the new key is then disabled)" /> : null}
				{state.step === 'passed' || state.step === 'confirm-delete' || state.step === 'finishing' ? (
					<>
						<Text color={ui.theme.ok} wrap="wrap">
							✓ {state.outcome}
						</Text>
						<Problem text={state.problem} theme={ui.theme} />
						{state.step === 'confirm-delete' ? (
							<Text color={ui.theme.warn} bold wrap="wrap">
								Delete the old key {oldText}? This cannot be undone. y/N
							</Text>
						) : state.step === 'finishing' ? (
							<Spinner label="Retiring the old key…" />
						) : (
							<Text wrap="wrap">
								<Text bold>d</Text> disable {oldText} · <Text bold>x</Text> delete it · <Text bold>k</Text> keep both (new first) · <Text bold>Esc</Text> cancel
							</Text>
						)}
					</>
				) : null}
				{state.step === 'failed' ? (
					<>
						{problems.map((m) => (
							<Text key={m.model} wrap="wrap">
								<Text color={ui.theme.error}>
									✕ {m.error!.errorClass}: {m.error!.message}
								</Text>
								<Text color={ui.theme.muted}> try: {m.error!.hint}</Text>
							</Text>
						))}
						<Problem text={state.problem} theme={ui.theme} />
						{/* Read back from the database, not assumed: the old key's and the new key's state now. */}
						<Text wrap="wrap">{state.outcome}</Text>
						<Text color={ui.theme.muted} wrap="truncate">
							Enter or Esc closes
						</Text>
					</>
				) : null}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" borderStyle="round" borderColor={state.step === 'failed' ? ui.theme.error : ui.theme.accent} paddingX={1} width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate">
				Rotate a key of {providerName}
			</Text>
			{header}
			{body}
		</Box>
	);

}

function ModelLine({progress, width: lineWidth, theme}: {readonly progress: ModelProgress; readonly width: number; readonly theme: Theme}) {
	const mark = progress.status === 'ok' ? '✓' : progress.status === 'failed' ? '✕' : progress.status === 'cancelled' ? '■' : progress.status === 'running' ? '●' : '·';
	const color = progress.status === 'ok' ? theme.ok : progress.status === 'failed' ? theme.error : progress.status === 'cancelled' ? theme.warn : progress.status === 'running' ? theme.accent : theme.muted;
	const detail =
		progress.status === 'waiting'
			? 'waiting'
			: progress.status === 'running'
				? 'streaming…'
				: `${progress.status === 'ok' ? 'ok' : (progress.error?.errorClass ?? progress.status)}${progress.summary ? ` · ${progress.summary}` : ''}`;
	return (
		<Text wrap="truncate">
			<Text color={color}>{mark}</Text> {truncate(`${progress.model}  ${detail}`, Math.max(1, lineWidth - 2))}
		</Text>
	);
}

/** What went wrong on the way, if anything, in the error colour. */
function Problem({text, theme}: {readonly text: string | null | undefined; readonly theme: Theme}) {
	return text ? (
		<Text color={theme.error} wrap="wrap">
			✕ {text}
		</Text>
	) : null;
}

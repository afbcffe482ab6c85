import {Box, Text, type Key} from 'ink';
import {useKeys} from '../keys.js';
import {useRef, useState} from 'react';
import {truncate} from '../../lib/text.js';
import {Form} from '../components/Form.js';
import {Spinner} from '../components/Spinner.js';
import {fieldErrors} from '../forms.js';
import type {DashboardServices} from '../services.js';
import type {Theme} from '../theme.js';
import {tailLines} from '../use-smoke.js';
import {useRotation, type ModelProgress, type RotationState, type RotationTarget} from '../use-rotation.js';

export interface RotationWizardProps {
	readonly services: DashboardServices;
	readonly theme: Theme;
	readonly width: number;
	readonly height: number;
	readonly providerName: string;
	/** The mask of the key expected to be replaced, for the title (the service has the last word). */
	readonly oldKeyHint: string | null;
	readonly target: RotationTarget;
	readonly onClose: (message: string, tone: 'ok' | 'error' | 'info') => void;
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

/**
 * Guided key rotation (`R`): the new key (masked) and a label → which models to validate on →
 * the validation streaming inline → one key to retire the old key. The wizard owns its keys while
 * it is open: one input handler for its lifetime that reads the step from a ref, so no key is lost
 * between steps; the key form in step 1 keeps its own handler.
 */
export function RotationWizard({services, theme, width, height, providerName, oldKeyHint, target, onClose}: RotationWizardProps) {
	const rotation = useRotation(services, target, onClose);
	const {state} = rotation;
	const [cursor, setCursor] = useState(0);
	const choices = state.rotation ? [{label: `All ${state.rotation.models.length} model${state.rotation.models.length === 1 ? '' : 's'}, one after the other`, allModels: true as boolean, model: undefined as string | undefined}, ...state.rotation.models.map((model) => ({label: model, allModels: false, model}))] : [];

	const onKey = useRef<(input: string, key: Key) => void>(() => undefined);
	onKey.current = (input, key) => {
		switch (state.step) {
			case 'key':
				return; // the form has the keys
			case 'model': {
				if (key.escape) return rotation.escape();
				if (key.downArrow || input === 'j') return setCursor((c) => Math.min(choices.length - 1, c + 1));
				if (key.upArrow || input === 'k') return setCursor((c) => Math.max(0, c - 1));
				if (key.return) {
					const choice = choices[Math.min(cursor, choices.length - 1)];
					if (choice) rotation.choose(choice.allModels ? {allModels: true} : {model: choice.model});
				}
				return;
			}
			case 'validating':
				if (key.escape) rotation.escape();
				return;
			case 'passed':
				if (key.escape) return rotation.escape();
				if (input === 'd') return rotation.finish('disable-old');
				if (input === 'x') return state.rotation?.oldKey ? rotation.askDelete() : rotation.finish('delete-old');
				if (input === 'k') return rotation.finish('keep-old');
				return;
			case 'confirm-delete':
				if (input === 'y' || input === 'Y') return rotation.finish('delete-old');
				if (input === 'n' || input === 'N' || key.escape || key.return) rotation.cancelDelete();
				return;
			case 'failed':
				if (key.escape || key.return) rotation.escape();
				return;
			case 'finishing':
			case 'closing':
				return;
		}
	};
	useKeys((input, key) => onKey.current(input, key));

	const oldText = state.rotation ? (state.rotation.oldKey ? state.rotation.oldKey.displayHint : 'no active key') : (oldKeyHint ?? 'no active key');
	const header = (
		<Text wrap="truncate">
			{steps.map((name, i) => (
				<Text key={name} color={i === stepIndex(state) ? theme.accent : theme.muted} bold={i === stepIndex(state)}>
					{i > 0 ? ' › ' : ''}
					{i + 1} {name}
				</Text>
			))}
		</Text>
	);

	if (state.step === 'key') {
		return (
			<Box flexDirection="column" width={width}>
				<Form
					title={truncate(`Rotate a key of ${providerName} · replacing ${oldText}`, width - 4)}
					theme={theme}
					width={width}
					initial={{secret: '', label: ''}}
					fields={[
						{kind: 'text', name: 'secret', label: 'New API key', mask: true, placeholder: 'paste the new key (shown masked)'},
						{kind: 'text', name: 'label', label: 'Label', placeholder: 'e.g. prod-2026-11 (optional)'},
					]}
					onCancel={rotation.escape}
					onSubmit={async (values) => {
						try {
							return await rotation.start(String(values['secret'] ?? ''), String(values['label'] ?? '').trim());
						} catch (error) {
							return fieldErrors(error);
						}
					}}
					note="Enter store it (encrypted, behind the old key) · Esc cancel · 1 of 4"
				/>
			</Box>
		);
	}

	const inner = width - 4;
	let body;
	if (state.step === 'model') {
		body = (
			<Box flexDirection="column">
				<Text wrap="wrap">
					<Text color={theme.ok}>✓</Text> New key {state.rotation?.newKey.displayHint} stored and active behind {oldText}; calls still use the old key.
				</Text>
				<Text bold>Validate it on:</Text>
				{choices.slice(0, Math.max(2, height - 7)).map((choice, i) => (
					<Text key={choice.label} inverse={i === cursor} wrap="truncate">
						{i === cursor ? '›' : ' '} {truncate(choice.label, inner - 2)}
					</Text>
				))}
				<Text color={theme.muted} wrap="truncate">
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
					<ModelLine key={m.model} progress={m} theme={theme} width={inner} />
				))}
				{(state.text ? tailLines(state.text, Math.max(1, inner - 2), textHeight) : []).map((line, i) => (
					<Text key={i} color={theme.muted} wrap="truncate">
						{'  '}
						{line || ' '}
					</Text>
				))}
				{state.step === 'validating' ? <Spinner label="validating the new key · Esc cancels (the new key is then disabled)" /> : null}
				{state.step === 'passed' || state.step === 'confirm-delete' || state.step === 'finishing' ? (
					<>
						<Text color={theme.ok} wrap="wrap">
							✓ {state.outcome}
						</Text>
						{state.problem ? (
							<Text color={theme.error} wrap="wrap">
								✕ {state.problem}
							</Text>
						) : null}
						{state.step === 'confirm-delete' ? (
							<Text color={theme.warn} bold wrap="truncate">
								Delete the old key {oldText}? This cannot be undone. y/N
							</Text>
						) : state.step === 'finishing' ? (
							<Spinner label="Retiring the old key…" />
						) : (
							<Text wrap="truncate">
								<Text bold>d</Text> disable {oldText} · <Text bold>x</Text> delete it · <Text bold>k</Text> keep both (new first) · <Text bold>Esc</Text> cancel
							</Text>
						)}
					</>
				) : null}
				{state.step === 'failed' ? (
					<>
						{problems.map((m) => (
							<Text key={m.model} wrap="wrap">
								<Text color={theme.error}>
									✕ {m.error!.errorClass}: {m.error!.message}
								</Text>
								<Text color={theme.muted}> try: {m.error!.hint}</Text>
							</Text>
						))}
						{state.problem ? (
							<Text color={theme.error} wrap="wrap">
								✕ {state.problem}
							</Text>
						) : null}
						{/* Read back from the database, not assumed: the old key's and the new key's state now. */}
						<Text wrap="wrap">{state.outcome}</Text>
						<Text color={theme.muted} wrap="truncate">
							Enter or Esc closes
						</Text>
					</>
				) : null}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" borderStyle="round" borderColor={state.step === 'failed' ? theme.error : theme.accent} paddingX={1} width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate">
				Rotate a key of {providerName}
			</Text>
			{header}
			{body}
		</Box>
	);
}

function ModelLine({progress, theme, width}: {readonly progress: ModelProgress; readonly theme: Theme; readonly width: number}) {
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
			<Text color={color}>{mark}</Text> {truncate(`${progress.model}  ${detail}`, Math.max(1, width - 2))}
		</Text>
	);
}

import {useCallback, useMemo, useReducer, useRef} from 'react';
import {ConflictError} from '../../../errors.js';
import {formatMetrics} from '../../../lib/metrics.js';
import {describeError} from '../../describe-error.js';
import type {FinishMode, Rotation, RotationValidation} from '../../../services/rotate.js';
import {useStreamRun} from '../../hooks/use-stream-run.js';
import type {DashboardServices} from '../../services.js';

/**
 * The rotation wizard's state machine. Each step maps to one service call, so the wizard can be
 * left between any two of them and the database is never half way through a step:
 *
 *   key ──startRotation──▶ model ──validateRotation──▶ validating ──▶ passed ──finishRotation──▶ (closed)
 *                                                                 └─▶ failed (the new key parked)
 *   Esc anywhere ──abandonRotation──▶ (closed, with the sentence the service returns)
 */
export type RotationStep = 'key' | 'model' | 'validating' | 'passed' | 'confirm-delete' | 'finishing' | 'failed' | 'closing';

export interface ModelProgress {
	readonly model: string;
	readonly status: 'waiting' | 'running' | 'ok' | 'failed' | 'cancelled';
	/** "ttft 120 ms · total 400 ms · 9 tokens", once the model is done. */
	readonly summary: string | null;
	readonly error: {readonly errorClass: string; readonly message: string; readonly hint: string} | null;
}

export interface RotationState {
	readonly step: RotationStep;
	readonly rotation: Rotation | null;
	readonly models: readonly ModelProgress[];
	/** The streamed text of the model being validated (sanitised by the provider layer). */
	readonly text: string;
	readonly validation: RotationValidation | null;
	/** One sentence on where the keys stand, read back from the database after a failure. */
	readonly outcome: string | null;
	/** An inline problem with the last action (a refused finish), shown in the wizard. */
	readonly problem: string | null;
}

export type RotationAction =
	| {readonly type: 'started'; readonly rotation: Rotation}
	| {readonly type: 'validating'; readonly models: readonly string[]}
	| {readonly type: 'model-started'; readonly model: string}
	| {readonly type: 'model-done'; readonly progress: ModelProgress}
	| {readonly type: 'text'; readonly text: string}
	| {readonly type: 'passed'; readonly validation: RotationValidation}
	| {readonly type: 'failed'; readonly validation: RotationValidation | null; readonly outcome: string; readonly problem: string | null}
	| {readonly type: 'confirm-delete'}
	| {readonly type: 'cancel-delete'}
	| {readonly type: 'finishing'}
	| {readonly type: 'finish-refused'; readonly problem: string}
	| {readonly type: 'closing'};

export const initialRotationState: RotationState = {step: 'key', rotation: null, models: [], text: '', validation: null, outcome: null, problem: null};

export function rotationReducer(state: RotationState, action: RotationAction): RotationState {
	switch (action.type) {
		case 'started':
			return {...state, step: 'model', rotation: action.rotation};
		case 'validating':
			return {...state, step: 'validating', models: action.models.map((model) => ({model, status: 'waiting', summary: null, error: null})), text: ''};
		case 'model-started':
			return {...state, text: '', models: state.models.map((m) => (m.model === action.model ? {...m, status: 'running'} : m))};
		case 'model-done':
			return {...state, models: state.models.map((m) => (m.model === action.progress.model ? action.progress : m))};
		case 'text':
			return state.text === action.text ? state : {...state, text: action.text};
		case 'passed':
			return {...state, step: 'passed', validation: action.validation, outcome: action.validation.state, problem: null};
		case 'failed':
			return {...state, step: 'failed', validation: action.validation, outcome: action.outcome, problem: action.problem};
		case 'confirm-delete':
			return state.step === 'passed' ? {...state, step: 'confirm-delete'} : state;
		case 'cancel-delete':
			return state.step === 'confirm-delete' ? {...state, step: 'passed'} : state;
		case 'finishing':
			return {...state, step: 'finishing', problem: null};
		case 'finish-refused':
			return {...state, step: 'passed', problem: action.problem};
		case 'closing':
			return {...state, step: 'closing'};
	}
}

export interface RotationTarget {
	readonly providerId: string;
	/** The key being replaced; the service picks the provider's first active key when absent. */
	readonly oldKeyId?: string;
}

/**
 * Drives one rotation from the wizard. `onClose` is called exactly once, when the wizard is done
 * (finished, failed and dismissed, or abandoned with Esc), with the sentence to flash and whether
 * it was a lost race (the caller reloads either way).
 */
export function useRotation(services: DashboardServices, target: RotationTarget, onClose: (message: string, tone: 'ok' | 'error' | 'info') => void) {
	const [state, dispatch] = useReducer(rotationReducer, initialRotationState);
	const rotation = useRef<Rotation | null>(null);
	const starting = useRef<Promise<unknown> | undefined>(undefined);
	const validating = useRef<Promise<void> | undefined>(undefined);
	const buffer = useRef('');
	const closed = useRef(false);
	const close = useRef(onClose);
	close.current = onClose;
	const step = useRef(state.step);
	step.current = state.step;

	const finishWith = useCallback((message: string, tone: 'ok' | 'error' | 'info') => {
		if (closed.current) return;
		closed.current = true;
		close.current(message, tone);
	}, []);

	// Unmounted some other way (the dashboard quits): the run's request is aborted; the service parks the key.
	const run = useStreamRun(state.step === 'validating', () => dispatch({type: 'text', text: buffer.current}));

	/** Step 1: resolves to field errors for the form, or undefined once the key is stored. */
	const start = useCallback(
		async (secret: string, label: string): Promise<Record<string, string> | undefined> => {
			const pending = services.startRotation(target.providerId, {secret, label: label || undefined, oldKeyId: target.oldKeyId});
			starting.current = pending.catch(() => undefined);
			const stored = await pending;
			rotation.current = stored;
			// Esc was pressed while the key was being stored: the escape path abandons it.
			if (!closed.current) dispatch({type: 'started', rotation: stored});
			return undefined;
		},
		[services, target.providerId, target.oldKeyId],
	);

	/** Step 2 → 3: validates on one model or on all of them, streaming. */
	const choose = useCallback(
		(choice: {model?: string; allModels?: boolean}) => {
			const current = rotation.current;
			if (!current || run.running()) return;
			const models = choice.allModels ? current.models : [choice.model ?? current.models[0]!];
			const abort = run.begin()!;
			buffer.current = '';
			dispatch({type: 'validating', models});
			validating.current = (async () => {
				let verdict: RotationValidation | null = null;
				let problem: string | null = null;
				let model: string | null = null;
				const generator = services.validateRotation(current, choice, abort.signal);
				try {
					for (;;) {
						const next = await generator.next();
						if (next.done) {
							verdict = next.value;
							break;
						}
						const {event} = next.value;
						switch (event.type) {
							case 'started':
								if (next.value.model !== model) {
									model = next.value.model;
									buffer.current = '';
									dispatch({type: 'model-started', model});
								}
								if (event.attempt > 1) buffer.current += `\n[retry ${event.attempt}]\n`;
								break;
							case 'delta':
								buffer.current += event.text;
								break;
							case 'usage':
								break;
							case 'finished':
								dispatch({type: 'model-done', progress: {model: next.value.model, status: 'ok', summary: formatMetrics(event.metrics), error: null}});
								break;
							case 'failed':
								dispatch({
									type: 'model-done',
									progress: {
										model: next.value.model,
										status: event.error.class === 'cancelled' ? 'cancelled' : 'failed',
										summary: formatMetrics(event.metrics),
										error: {errorClass: event.error.class, message: event.error.message, hint: event.error.hint},
									},
								});
								break;
						}
					}
				} catch (error) {
					// A refused validation (the key deleted meanwhile, the database gone): the service
					// parks the new key before it throws.
					problem = describeError(error);
				} finally {
					run.end();
				}
				dispatch({type: 'text', text: buffer.current});
				if (closed.current) return;
				if (verdict?.ok) return dispatch({type: 'passed', validation: verdict});
				const outcome = verdict?.state ?? (await services.abandonRotation(current).catch((error: unknown) => describeError(error)));
				if (!closed.current) dispatch({type: 'failed', validation: verdict, outcome, problem});
			})();
		},
		[services, run],
	);

	/** Step 4, after a passed validation: one transaction; a lost race closes the wizard and reloads. */
	const finish = useCallback(
		(mode: FinishMode) => {
			const current = rotation.current;
			if (!current) return;
			dispatch({type: 'finishing'});
			services.finishRotation(current, mode).then(
				(result) => finishWith(`Key rotated: ${result.state}`, 'ok'),
				(error: unknown) => {
					if (error instanceof ConflictError) return finishWith(`${error.message}; ${error.hint ?? 'review the keys'}`, 'error');
					dispatch({type: 'finish-refused', problem: describeError(error)});
				},
			);
		},
		[services, finishWith],
	);

	/**
	 * Esc at any step: stops the running request, waits for the step in flight to settle (a key
	 * being stored, a validation parking it), then abandons and reports the state it left.
	 */
	const escape = useCallback(() => {
		if (closed.current || step.current === 'finishing' || step.current === 'closing') return;
		const failed = step.current === 'failed';
		dispatch({type: 'closing'});
		run.cancel();
		void (async () => {
			await starting.current;
			await validating.current;
			try {
				const sentence = await services.abandonRotation(rotation.current);
				finishWith(`${failed ? 'Rotation failed' : 'Rotation cancelled'}: ${sentence}`, failed ? 'error' : 'info');
			} catch (error) {
				if (error instanceof ConflictError) return finishWith(`${error.message}; ${error.hint ?? 'review the keys'}`, 'error');
				finishWith(`Rotation cancelled, but the new key was not parked: ${describeError(error)}`, 'error');
			}
		})();
	}, [services, finishWith, run]);

	return useMemo(
		() => ({
			state,
			start,
			choose,
			finish,
			escape,
			askDelete: () => dispatch({type: 'confirm-delete'}),
			cancelDelete: () => dispatch({type: 'cancel-delete'}),
		}),
		[state, start, choose, finish, escape],
	);
}

import {createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode} from 'react';
import {presentError} from '../../../services/faults.js';
import type {SmokeTarget} from '../../../services/smoke.js';
import {smokeVerdict, streamedText, useStreamRun} from '../../hooks/use-stream-run.js';
import {useServices} from '../../services.js';
import {useUi} from '../../ui-context.js';

export interface SmokeState {
	readonly status: 'idle' | 'running' | 'ok' | 'failed' | 'cancelled';
	readonly title: string;
	readonly text: string;
	readonly summary: string | null;
	readonly error: {readonly errorClass: string; readonly message: string; readonly hint: string} | null;
	/** When the running test started (the pane shows the time elapsed while a slow stream runs). */
	readonly startedAt: number | null;
	/** Whole seconds since `startedAt` at the last redraw. */
	readonly elapsed: number;
	/**
	 * Redraws of the running test so far. One timer drives the text, the spinner (it turns with
	 * this) and the elapsed seconds, so a streaming pane redraws ten times a second, not once per
	 * delta plus once per spinner frame plus once a second.
	 */
	readonly frame: number;
}

const idle: SmokeState = {status: 'idle', title: '', text: '', summary: null, error: null, startedAt: null, elapsed: 0, frame: 0};

export interface SmokeRunner {
	readonly state: SmokeState;
	readonly running: boolean;
	/** Starts a test unless one is running (then says so and returns false). */
	start(target: SmokeTarget, title: string): boolean;
	/** Aborts the running request; false when nothing was running. */
	cancel(): boolean;
}

const SmokeContext = createContext<SmokeRunner | undefined>(undefined);

/** Starting and cancelling, without the streamed state: what panes that only start a test read, so a stream's frames redraw the smoke pane alone. */
export type SmokeControl = Pick<SmokeRunner, 'start' | 'cancel'>;

const SmokeControlContext = createContext<SmokeControl | undefined>(undefined);

/** How the last test ended (changes only when a test starts or ends, never per frame): the board lays out by it. */
const SmokeStatusContext = createContext<SmokeState['status']>('idle');

export function useSmokeStatus(): SmokeState['status'] {
	return useContext(SmokeStatusContext);
}

export function useSmokeControl(): SmokeControl {
	const control = useContext(SmokeControlContext);
	if (!control) throw new Error('useSmokeControl outside <SmokeRunnerProvider>');
	return control;
}

export function useSmokeRunner(): SmokeRunner {
	const runner = useContext(SmokeContext);
	if (!runner) throw new Error('useSmokeRunner outside <SmokeRunnerProvider>');
	return runner;
}

/**
 * One smoke test at a time for the whole board (the providers, keys and models panes start it,
 * the smoke pane shows it, Esc cancels it): consumes the service's event stream, buffers deltas
 * and redraws ten times a second (FRAME_MS).
 */
export function SmokeRunnerProvider({children}: {readonly children: ReactNode}) {
	const services = useServices();
	const ui = useUi();
	const [state, setState] = useState<SmokeState>(idle);
	const buffer = useRef('');
	const run = useStreamRun(state.status === 'running', () =>
		setState((s) =>
			s.status !== 'running' ? s : {...s, text: buffer.current, frame: s.frame + 1, elapsed: Math.max(0, Math.floor((Date.now() - (s.startedAt ?? Date.now())) / 1000))},
		),
	);

	const start = useCallback(
		(target: SmokeTarget, title: string) => {
			const abort = run.begin();
			if (!abort) {
				ui.flash('A smoke test is running — Esc cancels it', 'info');
				return false;
			}
			buffer.current = '';
			setState({...idle, status: 'running', title, startedAt: Date.now()});
			void (async () => {
				let final: SmokeState = {...idle, status: 'failed', title, summary: '✕ protocol', error: {errorClass: 'protocol', message: 'The smoke test ended without a result', hint: 'run it again'}};
				try {
					for await (const event of services.smoke(target, abort.signal)) {
						buffer.current += streamedText(event);
						if (event.type === 'started') {
							title = `${event.provider} · ${event.model} · ${event.keyHint ? `key ${event.keyHint}` : 'no key'}`;
							setState((s) => ({...s, title}));
						} else if (event.type === 'finished' || event.type === 'failed') {
							const {status, metrics, error} = smokeVerdict(event);
							const head = status === 'ok' ? '✓ ok' : status === 'cancelled' ? '■ cancelled' : `✕ ${error!.errorClass}`;
							final = {...idle, status, title, text: buffer.current, summary: `${head} · ${metrics}`, error};
						}
					}
				} catch (error) {
					const {message, hint} = presentError(error);
					final = {...idle, status: 'failed', title, text: buffer.current, summary: '✕ not run', error: {errorClass: 'error', message, hint: hint ?? ''}};
				} finally {
					run.end();
				}
				setState(final);
				if (final.status === 'ok') ui.flash(`Smoke test passed: ${final.title}`, 'ok');
				else if (final.status === 'cancelled') ui.flash('Smoke test cancelled; the request was closed', 'info');
				else ui.flash(`Smoke test failed: ${final.error?.message ?? 'error'}`, 'error');
			})();
			return true;
		},
		[services, run, ui],
	);

	const value = useMemo<SmokeRunner>(() => ({state, running: state.status === 'running', start, cancel: run.cancel}), [state, start, run]);
	const control = useMemo<SmokeControl>(() => ({start, cancel: run.cancel}), [start, run]);
	return (
		<SmokeControlContext.Provider value={control}>
			<SmokeStatusContext.Provider value={state.status}>
				<SmokeContext.Provider value={value}>{children}</SmokeContext.Provider>
			</SmokeStatusContext.Provider>
		</SmokeControlContext.Provider>
	);
}

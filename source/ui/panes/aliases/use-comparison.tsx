import {createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode} from 'react';
import {consume} from '../../../lib/stream.js';
import type {CompareResult, CompareTarget} from '../../../services/compare.js';
import {useStreamRun} from '../../hooks/use-stream-run.js';
import {useServices} from '../../services.js';
import {useUi} from '../../ui-context.js';

export interface TargetProgress {
	readonly target: CompareTarget;
	readonly phase: 'queued' | 'streaming' | 'done';
	/** Streamed text so far (sanitised and redacted by the provider layer). */
	readonly text: string;
	readonly ttftMs: number | null;
	readonly result: CompareResult | null;
}

export interface ComparisonState {
	readonly status: 'idle' | 'starting' | 'running' | 'finished' | 'cancelled' | 'failed';
	readonly alias: string;
	readonly prompt: string | null;
	readonly runId: string | null;
	readonly targets: readonly TargetProgress[];
	readonly wallMs: number | null;
	/** The comparison could not start (no enabled provider, read-only, the database gone). */
	readonly error: {readonly message: string; readonly hint: string} | null;
}

export const idleComparison: ComparisonState = {status: 'idle', alias: '', prompt: null, runId: null, targets: [], wallMs: null, error: null};

/**
 * Runs one alias comparison at a time: consumes the service's merged event stream, buffers every
 * target's text and time to first token, and renders them ten times a second (FRAME_MS). `cancel`
 * aborts every request at once; the service stores the run as cancelled with whatever finished.
 */
export interface ComparisonOutcome {
	readonly status: 'finished' | 'cancelled' | 'failed';
	readonly alias: string;
	readonly results: readonly CompareResult[];
	readonly error: {readonly message: string; readonly hint: string} | null;
}

function describeOutcome(outcome: ComparisonOutcome): {text: string; tone: 'ok' | 'error' | 'info'} {
	if (outcome.status === 'cancelled') return {text: `Comparison of ${outcome.alias} cancelled: every request was closed and the run stored as cancelled`, tone: 'info'};
	if (outcome.status === 'failed') return {text: `Comparison of ${outcome.alias} not run: ${outcome.error?.message ?? 'error'}${outcome.error?.hint ? ` — ${outcome.error.hint}` : ''}`, tone: 'error'};
	const ok = outcome.results.filter((r) => r.outcome === 'ok').length;
	const failed = outcome.results.length - ok;
	return {text: `Comparison of ${outcome.alias} finished: ${ok} ok${failed > 0 ? `, ${failed} failed` : ''} (stored)`, tone: failed > 0 ? 'info' : 'ok'};
}

export interface ComparisonRunner {
	readonly state: ComparisonState;
	readonly running: boolean;
	start(alias: string, prompt?: string): boolean;
	cancel(): boolean;
}

const ComparisonContext = createContext<ComparisonRunner | undefined>(undefined);

/** Starting and cancelling without the streamed state (see useSmokeControl): the comparison view alone redraws per frame. */
export interface ComparisonControl {
	start(alias: string, prompt?: string): boolean;
	cancel(): boolean;
	running(): boolean;
}

const ComparisonControlContext = createContext<ComparisonControl | undefined>(undefined);

export function useComparisonControl(): ComparisonControl {
	const control = useContext(ComparisonControlContext);
	if (!control) throw new Error('useComparisonControl outside <ComparisonRunnerProvider>');
	return control;
}

export function useComparisonRunner(): ComparisonRunner {
	const runner = useContext(ComparisonContext);
	if (!runner) throw new Error('useComparisonRunner outside <ComparisonRunnerProvider>');
	return runner;
}

/** One comparison at a time for the dashboard: the aliases view starts it, the compare view shows it, Esc cancels it. */
export function ComparisonRunnerProvider({children}: {readonly children: ReactNode}) {
	const ui = useUi();
	const runner = useComparison((outcome) => {
		const {text, tone} = describeOutcome(outcome);
		ui.flash(text, tone);
	});
	return (
		<ComparisonControlContext.Provider value={runner.control}>
			<ComparisonContext.Provider value={runner}>{children}</ComparisonContext.Provider>
		</ComparisonControlContext.Provider>
	);
}

function useComparison(onDone: (outcome: ComparisonOutcome) => void) {
	const services = useServices();
	const [state, setState] = useState<ComparisonState>(idleComparison);
	const texts = useRef<string[]>([]);
	const ttfts = useRef<(number | null)[]>([]);
	const done = useRef(onDone);
	done.current = onDone;

	const flush = useCallback(() => {
		setState((s) => {
			if (s.targets.every((t, i) => t.text === (texts.current[i] ?? '') && t.ttftMs === (ttfts.current[i] ?? null))) return s;
			return {...s, targets: s.targets.map((t, i) => ({...t, text: texts.current[i] ?? '', ttftMs: ttfts.current[i] ?? null}))};
		});
	}, []);

	const run = useStreamRun(state.status === 'running', flush);

	const start = useCallback(
		(alias: string, prompt?: string) => {
			const abort = run.begin();
			if (!abort) return false;
			texts.current = [];
			ttfts.current = [];
			setState({...idleComparison, status: 'starting', alias, prompt: prompt ?? null});
			void (async () => {
				let final: ComparisonOutcome = {status: 'failed', alias, results: [], error: {message: 'The comparison ended without a result', hint: 'run it again'}};
				const update = (change: (s: ComparisonState) => ComparisonState) => setState(change);
				const setTarget = (index: number, change: (t: TargetProgress) => TargetProgress) =>
					update((s) => ({...s, targets: s.targets.map((t, i) => (i === index ? change({...t, text: texts.current[i] ?? '', ttftMs: ttfts.current[i] ?? null}) : t))}));
				try {
					const end = await consume(services.compare(alias, {prompt}, abort.signal), (event) => {
						switch (event.type) {
							case 'run-started':
								texts.current = event.targets.map(() => '');
								ttfts.current = event.targets.map(() => null);
								update((s) => ({...s, status: 'running', alias: event.alias, prompt: event.prompt, runId: event.runId, targets: event.targets.map((target) => ({target, phase: 'queued', text: '', ttftMs: null, result: null}))}));
								break;
							case 'started':
								setTarget(event.index, (t) => ({...t, phase: 'streaming'}));
								break;
							case 'delta':
								texts.current[event.index] = (texts.current[event.index] ?? '') + event.text;
								if (event.ttftMs !== undefined) ttfts.current[event.index] = event.ttftMs;
								break;
							case 'finished':
							case 'failed':
								setTarget(event.index, (t) => ({...t, phase: 'done', result: event.result, ttftMs: event.result.ttftMs ?? t.ttftMs}));
								break;
						}
					});
					final = {status: end.status, alias, results: end.results, error: null};
					update((s) => ({
						...s,
						status: end.status,
						wallMs: end.wallMs,
						targets: s.targets.map((t, i) => ({...t, phase: 'done', text: texts.current[i] ?? '', result: end.results[i] ?? t.result, ttftMs: end.results[i]?.ttftMs ?? ttfts.current[i] ?? null})),
					}));
				} catch (error) {
					const problem = {message: error instanceof Error ? error.message : String(error), hint: (error as {hint?: string}).hint ?? ''};
					final = {status: 'failed', alias, results: [], error: problem};
					update((s) => ({...s, status: 'failed', error: problem}));
				} finally {
					run.end();
				}
				// A stream that ends without its closing event must not leave the view "running".
				update((s) => (s.status === 'running' || s.status === 'starting' ? {...s, status: 'failed', error: final.error} : s));
				done.current(final);
			})();
			return true;
		},
		[services, run],
	);

	const control = useMemo<ComparisonControl>(() => ({start, cancel: run.cancel, running: run.running}), [start, run]);
	return useMemo(() => ({state, start, cancel: run.cancel, running: state.status === 'starting' || state.status === 'running', control}), [state, start, run, control]);
}

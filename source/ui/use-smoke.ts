import {useCallback, useRef, useState} from 'react';
import type {SmokeEvent} from '../providers/smoke.js';
import type {DashboardServices, SmokeTarget} from './services.js';
import {useStreamRun} from './use-stream-run.js';

export interface SmokeState {
	readonly status: 'idle' | 'running' | 'ok' | 'failed' | 'cancelled';
	readonly title: string;
	readonly text: string;
	readonly summary: string | null;
	readonly error: {readonly errorClass: string; readonly message: string; readonly hint: string} | null;
}

const idle: SmokeState = {status: 'idle', title: '', text: '', summary: null, error: null};

export function formatMetrics(metrics: {ttftMs: number | null; totalMs: number; outputTokens: number | null; tokensPerSecond: number | null}): string {
	const parts = [`ttft ${metrics.ttftMs === null ? '—' : `${metrics.ttftMs} ms`}`, `total ${metrics.totalMs} ms`, `${metrics.outputTokens ?? '—'} tokens`];
	if (metrics.tokensPerSecond !== null) parts.push(`${metrics.tokensPerSecond.toFixed(1)} tok/s`);
	return parts.join(' · ');
}

/**
 * Runs one smoke test at a time from the dashboard: consumes the service's event stream,
 * buffers deltas and renders them at most ~30 times a second; Esc (cancel) aborts the request.
 */
export function useSmoke(services: DashboardServices, onDone: (state: SmokeState) => void) {
	const [state, setState] = useState<SmokeState>(idle);
	const buffer = useRef('');
	const done = useRef(onDone);
	done.current = onDone;
	const run = useStreamRun(state.status === 'running', () => setState((s) => (s.text === buffer.current ? s : {...s, text: buffer.current})));

	const start = useCallback(
		(target: SmokeTarget, title: string) => {
			const abort = run.begin();
			if (!abort) return false;
			buffer.current = '';
			setState({status: 'running', title, text: '', summary: null, error: null});
			void (async () => {
				let final: SmokeState = {status: 'failed', title, text: '', summary: null, error: {errorClass: 'protocol', message: 'The smoke test ended without a result', hint: 'run it again'}};
				try {
					for await (const event of services.smoke(target, abort.signal) as AsyncIterable<SmokeEvent>) {
						switch (event.type) {
							case 'started':
								if (event.attempt > 1) buffer.current += `\n[retry ${event.attempt}]\n`;
								setState((s) => ({...s, title: `${event.provider} · ${event.model}`}));
								title = `${event.provider} · ${event.model}`;
								break;
							case 'delta':
								buffer.current += event.text;
								break;
							case 'usage':
								break;
							case 'finished':
								final = {status: 'ok', title, text: buffer.current, summary: `✓ ok · ${formatMetrics(event.metrics)}`, error: null};
								break;
							case 'failed':
								final = {
									status: event.error.class === 'cancelled' ? 'cancelled' : 'failed',
									title,
									text: buffer.current,
									summary: `${event.error.class === 'cancelled' ? '■ cancelled' : `✕ ${event.error.class}`} · ${formatMetrics(event.metrics)}`,
									error: {errorClass: event.error.class, message: event.error.message, hint: event.error.hint},
								};
								break;
						}
					}
				} catch (error) {
					final = {status: 'failed', title, text: buffer.current, summary: '✕ error', error: {errorClass: 'error', message: error instanceof Error ? error.message : String(error), hint: (error as {hint?: string}).hint ?? ''}};
				} finally {
					run.end();
				}
				setState(final);
				done.current(final);
			})();
			return true;
		},
		[services, run],
	);


	return {state, start, cancel: run.cancel, running: state.status === 'running'};
}

/** Wraps text to `width` and returns the last `height` lines (the tail of a stream). */
export function tailLines(text: string, width: number, height: number): string[] {
	if (height <= 0 || width <= 0) return [];
	const out: string[] = [];
	for (const line of text.split('\n')) {
		if (line.length === 0) out.push('');
		for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
	}
	return out.slice(-height);
}

import {useCallback, useEffect, useMemo, useRef} from 'react';
import {formatMetrics} from '../../lib/metrics.js';
import type {SmokeEvent} from '../../services/smoke.js';

/**
 * Streaming text is redrawn ten times a second, never per delta: fast enough to read along, and
 * every redraw costs Ink a whole frame (measured: ~6 ms at 80×24 on a 2-core machine).
 */
export const FRAME_MS = 100;

export interface StreamRun {
	/** A new AbortController for a run, or undefined while one is still going (one at a time). */
	begin(): AbortController | undefined;
	/** The run ended (however): a new one may begin. */
	end(): void;
	/** Aborts the running request; false when nothing was running. */
	cancel(): boolean;
	readonly running: () => boolean;
}

/**
 * What every streaming view shares (smoke pane, rotation validation, alias comparison): one run
 * at a time behind an AbortController, `flush` called every frame ({@link FRAME_MS}) while
 * `active` so buffered text reaches the screen, and the request aborted if the view goes away
 * mid-stream.
 */
export function useStreamRun(active: boolean, flush: () => void): StreamRun {
	const controller = useRef<AbortController | undefined>(undefined);
	const latestFlush = useRef(flush);
	latestFlush.current = flush;

	useEffect(() => {
		if (!active) return;
		const timer = setInterval(() => latestFlush.current(), FRAME_MS);
		return () => clearInterval(timer);
	}, [active]);

	useEffect(() => () => controller.current?.abort(), []);

	const begin = useCallback(() => {
		if (controller.current) return undefined;
		controller.current = new AbortController();
		return controller.current;
	}, []);
	const end = useCallback(() => {
		controller.current = undefined;
	}, []);
	const cancel = useCallback(() => {
		if (!controller.current) return false;
		controller.current.abort();
		return true;
	}, []);
	const running = useCallback(() => controller.current !== undefined, []);
	return useMemo(() => ({begin, end, cancel, running}), [begin, end, cancel, running]);
}

/** What a smoke event adds to the streamed text: a delta its text, a retry a marker line. */
export function streamedText(event: SmokeEvent): string {
	if (event.type === 'delta') return event.text;
	if (event.type === 'started' && event.attempt > 1) return `\n[retry ${event.attempt}]\n`;
	return '';
}

export interface SmokeVerdict {
	readonly status: 'ok' | 'failed' | 'cancelled';
	/** The metrics, one line ("~" on estimated tokens). */
	readonly metrics: string;
	readonly error: {readonly errorClass: string; readonly message: string; readonly hint: string} | null;
}

/** A smoke run's last event as every pane shows it: how it ended, its metrics, the classified error. */
export function smokeVerdict(event: Extract<SmokeEvent, {type: 'finished' | 'failed'}>): SmokeVerdict {
	const metrics = formatMetrics(event.metrics);
	if (event.type === 'finished') return {status: 'ok', metrics, error: null};
	const {class: errorClass, message, hint} = event.error;
	return {status: errorClass === 'cancelled' ? 'cancelled' : 'failed', metrics, error: {errorClass, message, hint}};
}

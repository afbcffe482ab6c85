import {useEffect, useRef, useState} from 'react';
import {RELOAD_HOLD_MS, useHold} from '../input/input-target.js';

export interface Resource<T> {
	readonly data: T | undefined;
	readonly error: Error | undefined;
	readonly loading: boolean;
}

/**
 * Loads data outside render: aborts a stale load when inputs change, keeps the previous data
 * while reloading (no flicker on live refresh), and reloads when `refresh` changes.
 */
export function useAsyncResource<T>(load: ((signal: AbortSignal) => Promise<T>) | undefined, deps: readonly unknown[], refresh: number): Resource<T> {
	const [state, setState] = useState<Resource<T>>({data: undefined, error: undefined, loading: load !== undefined});
	const keyRef = useRef<string>('');
	useEffect(() => {
		if (!load) {
			setState({data: undefined, error: undefined, loading: false});
			return;
		}
		const controller = new AbortController();
		const key = JSON.stringify(deps);
		const sameInputs = keyRef.current === key;
		keyRef.current = key;
		setState((previous) => ({data: sameInputs ? previous.data : undefined, error: undefined, loading: true}));
		load(controller.signal).then(
			(data) => {
				if (!controller.signal.aborted) setState({data, error: undefined, loading: false});
			},
			(error: unknown) => {
				if (!controller.signal.aborted) setState((previous) => ({data: previous.data, error: error instanceof Error ? error : new Error(String(error)), loading: false}));
			},
		);
		return () => controller.abort();
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [...deps, refresh, load === undefined]);
	// A key typed right after a change meets the reloaded list (held at most RELOAD_HOLD_MS).
	useHold(state.loading, RELOAD_HOLD_MS);
	return state;
}

import {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import {RELOAD_HOLD_MS, useHold} from '../input/input-target.js';
import type {ListWindow, WindowRequest} from '../../lib/list-window.js';
import {windowStart, type Selection} from './use-selection.js';

export interface WindowedList<T> extends Selection<T> {
	/** The rows on screen (`visible` of them at most), starting at position `start`; undefined before the first load. */
	readonly shown: readonly T[] | undefined;
	readonly start: number;
	readonly count: number;
	readonly total: number;
	readonly error: Error | undefined;
}

interface Cursor {
	readonly index: number;
	/** The item the operator means; null while its row is not loaded yet. */
	readonly id: string | null;
}

/** How many rows a list of `visible` rows on screen loads at a time: a screen's worth to either side (at least 12). */
export const windowSize = (visible: number) => Math.max(12, Math.max(1, visible) * 3);

const rowAt = <T>(window: ListWindow<T> | undefined, index: number): T | undefined => (window ? window.rows[index - window.offset] : undefined);

/** Does `window` hold the rows the screen needs around `index`, with `margin` to spare before an edge that is not the list's? */
function covers<T>(window: ListWindow<T>, index: number, visible: number, margin: number): boolean {
	const start = windowStart(index, window.count, visible);
	const end = Math.min(window.count, start + visible);
	const loadedEnd = window.offset + window.rows.length;
	const before = window.offset === 0 ? start >= 0 : start >= window.offset + margin;
	const after = loadedEnd >= window.count ? end <= loadedEnd : end <= loadedEnd - margin;
	return before && after;
}

/**
 * A long list loaded a window at a time: the rows on screen and some to either side, the counts,
 * and a selection held by item id like `useSelection`'s — after another operator's change
 * (`refresh`) or a new filter the loader finds the item's position again; when it is gone the
 * neighbour now in its row is selected. Moving near an edge of what is loaded loads the next
 * window; keys typed meanwhile wait for it (a hold, as for every reload).
 */
export function useListWindow<T>(
	load: (request: WindowRequest) => Promise<ListWindow<T>>,
	idOf: (item: T) => string,
	options: {readonly filter: string; readonly visible: number; readonly refresh: number},
): WindowedList<T> {
	const {filter, refresh} = options;
	const visible = Math.max(1, options.visible);
	const size = windowSize(visible);
	const margin = Math.floor(visible / 2);
	const [window, setWindow] = useState<ListWindow<T>>();
	const [error, setError] = useState<Error>();
	const [cursor, setCursor] = useState<Cursor>({index: 0, id: null});
	/** What is loading: nothing, the rows beyond an edge the cursor is near (a prefetch), or anything else. */
	const [loading, setLoading] = useState<'none' | 'prefetch' | 'load'>('load');
	/** Bumped to load a window around the cursor; `prefetch` when the rows on screen are all there already. */
	const [ask, setAsk] = useState({n: 0, prefetch: false});
	const latest = useRef({window, cursor, loading: loading !== 'none'});
	latest.current = {window, cursor, loading: loading !== 'none'};
	/** Moves made since a load began: its answer then keeps the operator's cursor instead of its own. */
	const moves = useRef(0);
	const loadRef = useRef(load);
	loadRef.current = load;
	const idOfRef = useRef(idOf);
	idOfRef.current = idOf;

	const place = useCallback((next: Cursor) => {
		latest.current = {...latest.current, cursor: next};
		setCursor(next);
	}, []);

	useEffect(() => {
		let live = true;
		const movesAtStart = moves.current;
		const want = latest.current.cursor;
		setLoading(ask.prefetch ? 'prefetch' : 'load');
		loadRef.current({filter, id: want.id, index: want.index, size}).then(
			(loaded) => {
				if (!live) return;
				setWindow(loaded);
				setError(undefined);
				setLoading('none');
				const current = latest.current.cursor;
				let index = loaded.index;
				if (moves.current !== movesAtStart) {
					// Keys moved the cursor while this loaded: keep where they put it.
					const at = current.id === null ? -1 : loaded.rows.findIndex((row) => idOfRef.current(row) === current.id);
					index = at >= 0 ? loaded.offset + at : Math.min(current.index, Math.max(0, loaded.count - 1));
				}
				const row = rowAt(loaded, index);
				place({index, id: row ? idOfRef.current(row) : null});
			},
			(failure: unknown) => {
				if (!live) return;
				setError(failure instanceof Error ? failure : new Error(String(failure)));
				setLoading('none');
			},
		);
		return () => {
			live = false;
		};
	}, [filter, size, refresh, ask, place]);

	// The cursor went past what is loaded (or near its edge): load the window around it.
	const uncovered = window !== undefined && window.count > 0 && !covers(window, cursor.index, visible, margin);
	const onScreen = window === undefined || window.count === 0 || covers(window, cursor.index, visible, 0);
	useEffect(() => {
		if (uncovered && !latest.current.loading) setAsk(({n}) => ({n: n + 1, prefetch: onScreen}));
	}, [uncovered, onScreen, cursor.index, loading]);
	// A key typed right after a change meets the reloaded list (held at most RELOAD_HOLD_MS). Loading
	// the rows beyond an edge while every row on screen is there holds nothing: keys move through
	// what is loaded, and the hold comes back once they reach rows that are not.
	useHold(loading === 'load' || (loading === 'prefetch' && !onScreen), RELOAD_HOLD_MS);

	const move = useCallback(
		(step: number) => {
			const {window: current, cursor: at} = latest.current;
			if (!current || current.count === 0) return;
			const index = Math.min(current.count - 1, Math.max(0, at.index + step));
			moves.current++;
			const row = rowAt(current, index);
			place({index, id: row ? idOfRef.current(row) : null});
		},
		[place],
	);
	const select = useCallback(
		(id: string) => {
			place({index: latest.current.cursor.index, id});
			setAsk(({n}) => ({n: n + 1, prefetch: false}));
		},
		[place],
	);

	const count = window?.count ?? 0;
	const index = Math.min(cursor.index, Math.max(0, count - 1));
	const selected = rowAt(window, index);
	const start = windowStart(index, count, visible);
	const shown = useMemo(() => {
		if (!window) return undefined;
		const from = Math.max(start, window.offset);
		return window.rows.slice(from - window.offset, Math.min(start + visible, window.offset + window.rows.length) - window.offset);
	}, [window, start, visible]);
	return useMemo(
		() => ({index, selected, move, select, shown, start: shown && window ? Math.max(start, window.offset) : start, count, total: window?.total ?? 0, error}),
		[index, selected, move, select, shown, start, window, count, error],
	);
}

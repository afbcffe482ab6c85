import {useCallback, useLayoutEffect, useMemo, useRef, useState} from 'react';

export interface Selection<T> {
	/** The selected item's index in `items` (0 for an empty list). */
	readonly index: number;
	readonly selected: T | undefined;
	/** Moves by `step` rows (clamped; no wrap-around). */
	move(step: number): void;
	/** Selects an item by id — also one not loaded yet (a row just created): it is selected when it appears. */
	select(id: string): void;
}

/** Reloads to wait for a just-created item to appear before the selection settles elsewhere. */
const PENDING_RELOADS = 2;

/**
 * The cursor of a list, held by item id, never by row number: after a re-sort (a key toggled), a
 * live refresh (another operator's change), a delete (the neighbour that took the row's place) or
 * a create (the new item, once the reload brings it) the cursor is on the item the operator means.
 */
export function useSelection<T>(items: readonly T[] | undefined, idOf: (item: T) => string): Selection<T> {
	const [target, setTarget] = useState<{id: string | null; pending: number}>({id: null, pending: 0});
	/** The row the selection last had: where its neighbour is when it disappears. */
	const row = useRef(0);
	const list = items ?? [];
	const found = target.id === null ? -1 : list.findIndex((item) => idOf(item) === target.id);
	const index = found >= 0 ? found : Math.min(row.current, Math.max(0, list.length - 1));
	const selected = list[index];
	const idOfRef = useRef(idOf);
	idOfRef.current = idOf;

	const seen = useRef<readonly T[] | undefined>(undefined);

	useLayoutEffect(() => {
		if (items === undefined) return;
		const fresh = items !== seen.current;
		seen.current = items;
		row.current = index;
		if (found >= 0) {
			if (target.pending > 0) setTarget({id: target.id, pending: 0});
			return;
		}
		if (target.pending > 0) {
			// A reload that does not bring the new item yet uses up one of its chances.
			if (fresh) setTarget({id: target.id, pending: target.pending - 1});
			return;
		}
		// Gone (deleted, or filtered out): the neighbour now in its row is the selection.
		const next = selected ? idOfRef.current(selected) : null;
		if (next !== target.id) setTarget({id: next, pending: 0});
		// Only a new list (or a new target) can change any of this.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [items, target]);

	const state = useRef({list, index});
	state.current = {list, index};
	const move = useCallback((step: number) => {
		const {list: current, index: at} = state.current;
		if (current.length === 0) return;
		const next = Math.min(current.length - 1, Math.max(0, at + step));
		row.current = next;
		setTarget({id: idOfRef.current(current[next]!), pending: 0});
	}, []);
	const select = useCallback((id: string) => {
		const present = state.current.list.some((item) => idOfRef.current(item) === id);
		setTarget({id, pending: present ? 0 : PENDING_RELOADS});
	}, []);
	return useMemo(() => ({index, selected, move, select}), [index, selected, move, select]);
}

/** The list keys (j/k, PgDn/PgUp) for a selection, as command handlers. */
export function listCommands(selection: Pick<Selection<unknown>, 'move'>, page: number) {
	return {
		down: () => selection.move(1),
		up: () => selection.move(-1),
		pageDown: () => selection.move(Math.max(1, page)),
		pageUp: () => selection.move(-Math.max(1, page)),
	};
}

/** The first row of the visible window that keeps `index` in view. */
export function windowStart(index: number, count: number, height: number): number {
	if (count <= height) return 0;
	const half = Math.floor(height / 2);
	return Math.max(0, Math.min(count - height, index - half));
}

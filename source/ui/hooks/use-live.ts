import {createContext, useContext, useEffect, useState} from 'react';
import {RELOAD_HOLD_MS, useHold} from '../input/input-target.js';

/**
 * Live refresh: every committed change (this process, and on a shared server every other
 * operator's, over LISTEN/NOTIFY), `r`, and a reconnect reach the panes whose data they touch —
 * and only those, so a pane that did not change does not reload or re-render.
 */
export interface LiveHub {
	/** `tables` the listener cares about; `*` (a restore, `r`, a reconnect) reaches everyone. */
	subscribe(tables: readonly string[], listener: () => void): () => void;
	/** Tells the listeners of `table` (or everyone, for `*`) that it changed. */
	changed(table: string): void;
}

export function createLiveHub(): LiveHub {
	const listeners = new Set<{tables: readonly string[]; listener: () => void}>();
	return {
		subscribe(tables, listener) {
			const entry = {tables, listener};
			listeners.add(entry);
			return () => {
				listeners.delete(entry);
			};
		},
		changed(table) {
			for (const entry of [...listeners]) {
				if (table === '*' || entry.tables.includes(table)) entry.listener();
			}
		},
	};
}

export const LiveContext = createContext<LiveHub>(createLiveHub());

/**
 * A counter that moves when one of `tables` changes, coalescing bursts (a rotation's several
 * rows, a restore) into one reload every `ms` at most. Pass it to useAsyncResource as `refresh`.
 */
export function useLive(tables: readonly string[], ms = 80): number {
	const hub = useContext(LiveContext);
	const [count, setCount] = useState(0);
	const [waiting, setWaiting] = useState(false);
	const key = tables.join(',');
	// Between a change and its reload, keys wait (at most RELOAD_HOLD_MS): they meet the new rows.
	useHold(waiting, RELOAD_HOLD_MS);
	useEffect(() => {
		let pending: NodeJS.Timeout | undefined;
		const off = hub.subscribe(key.split(','), () => {
			if (pending) return;
			setWaiting(true);
			pending = setTimeout(() => {
				pending = undefined;
				setWaiting(false);
				setCount((c) => c + 1);
			}, ms);
		});
		return () => {
			off();
			clearTimeout(pending);
		};
	}, [hub, key, ms]);
	return count;
}

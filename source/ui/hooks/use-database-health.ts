import {useEffect, useMemo, useRef, useState} from 'react';
import {presentError} from '../../services/faults.js';
import type {DashboardServices} from '../services.js';

export interface DatabaseHealth {
	readonly lost: boolean;
	/** Why, from the newest failed check only (never an older, stale reason). */
	readonly reason: string | null;
	/** Checks now (after an action failed); the banner shows if the database does not answer. */
	check(): void;
}

/**
 * Watches the connection: a lost connection (or a failing query) shows the banner until a
 * ping succeeds again, checking every second; the panes reload on recovery. Nothing is retried
 * blindly: actions that failed stay failed and say so.
 */
export function useDatabaseHealth(services: DashboardServices | undefined, onRecovered: () => void): DatabaseHealth {
	const [state, setState] = useState<{lost: boolean; reason: string | null}>({lost: false, reason: null});
	const lost = useRef(false);
	const generation = useRef(0);
	const timer = useRef<NodeJS.Timeout | undefined>(undefined);
	const recovered = useRef(onRecovered);
	recovered.current = onRecovered;

	const check = useRef(() => {});
	check.current = () => {
		if (!services) return;
		// Only the newest check may speak: a slow one that started before must not overwrite it.
		const mine = ++generation.current;
		clearTimeout(timer.current);
		services.ping().then(
			() => {
				if (mine !== generation.current) return;
				if (lost.current) {
					lost.current = false;
					setState({lost: false, reason: null});
					recovered.current();
				}
			},
			(error: unknown) => {
				if (mine !== generation.current) return;
				lost.current = true;
				setState({lost: true, reason: presentError(error).message});
				timer.current = setTimeout(() => check.current(), 1000);
			},
		);
	};

	useEffect(() => {
		if (!services) return;
		const off = services.onConnectionLost(() => {
			// Show it at once: the pool reconnects lazily and the next ping may already succeed.
			generation.current++;
			lost.current = true;
			setState({lost: true, reason: 'connection closed by the server'});
			clearTimeout(timer.current);
			timer.current = setTimeout(() => check.current(), 1000);
		});
		return () => {
			off();
			clearTimeout(timer.current);
		};
	}, [services]);

	return useMemo(() => ({...state, check: () => check.current()}), [state]);
}

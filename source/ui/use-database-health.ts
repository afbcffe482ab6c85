import {useEffect, useRef, useState} from 'react';
import type {DashboardServices} from './services.js';

/**
 * Watches the connection: a lost connection (or a failing query) shows the banner until a
 * ping succeeds again, retrying with backoff; the board reloads on recovery. Nothing is
 * retried blindly: actions that failed stay failed and say so.
 */
export function useDatabaseHealth(services: DashboardServices, onRecovered: () => void): {lost: boolean; reason: string | null; check: () => void} {
	const [state, setState] = useState<{lost: boolean; reason: string | null}>({lost: false, reason: null});
	const checking = useRef(false);
	const lostRef = useRef(false);
	const timer = useRef<NodeJS.Timeout | undefined>(undefined);
	const recovered = useRef(onRecovered);
	recovered.current = onRecovered;

	const check = useRef(() => {});
	check.current = () => {
		if (checking.current) return;
		checking.current = true;
		services.ping().then(
			() => {
				checking.current = false;
				if (lostRef.current) {
					lostRef.current = false;
					setState({lost: false, reason: null});
					recovered.current();
				}
			},
			(error: unknown) => {
				checking.current = false;
				lostRef.current = true;
				setState({lost: true, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error)});
				clearTimeout(timer.current);
				timer.current = setTimeout(() => check.current(), 1000);
			},
		);
	};

	useEffect(() => {
		const off = services.onConnectionLost(() => {
			// Show it at once: the pool reconnects lazily and the next ping may already succeed.
			lostRef.current = true;
			setState({lost: true, reason: 'connection closed by the server'});
			clearTimeout(timer.current);
			timer.current = setTimeout(() => check.current(), 1000);
		});
		return () => {
			off();
			clearTimeout(timer.current);
		};
	}, [services]);

	return {...state, check: () => check.current()};
}

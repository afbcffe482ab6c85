import {log} from '../log.js';
import type {Change, ChangeFeed, ChangeListener, Sql} from './types.js';

export const CHANGES_CHANNEL = 'eval752_changes';

/**
 * Live-refresh events. Every mutation NOTIFYs `eval752_changes` inside its transaction and
 * publishes in-process after commit. LISTEN brings every other process's changes: on a shared
 * server from the server, on the embedded database from its session server, which relays a
 * notification to every connection listening (session-server.ts) — so a dashboard holding the
 * embedded database hears the commands that reach it through its socket.
 */
export function createChangeFeed(sql: Sql | undefined): ChangeFeed & {stop(): Promise<void>} {
	const listeners = new Set<ChangeListener>();
	let listening: Promise<{unlisten(): Promise<void>}> | undefined;

	const dispatch = (change: Change) => {
		for (const listener of listeners) {
			try {
				listener(change);
			} catch (error) {
				log.error('change listener failed', {error: String(error)});
			}
		}
	};

	return {
		publish: dispatch,
		subscribe(listener) {
			listeners.add(listener);
			if (sql && !listening) {
				listening = sql.listen(CHANGES_CHANNEL, (payload) => {
					const change = parseChange(payload);
					if (change) dispatch(change);
				});
				listening.catch((error: unknown) => {
					log.warn('LISTEN failed; live refresh falls back to polling', {error: String(error)});
					listening = undefined;
				});
			}
			return () => {
				listeners.delete(listener);
			};
		},
		async stop() {
			listeners.clear();
			const pending = listening;
			listening = undefined;
			if (pending) await pending.then((l) => l.unlisten()).catch(() => undefined);
		},
	};
}

export function parseChange(payload: string): Change | undefined {
	try {
		const value = JSON.parse(payload) as unknown;
		if (value && typeof value === 'object' && typeof (value as Change).table === 'string' && typeof (value as Change).id === 'string') {
			return {table: (value as Change).table, id: (value as Change).id};
		}
	} catch {
		// A payload we did not write: ignore.
	}
	return undefined;
}

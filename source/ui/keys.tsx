import {useInput, type Key} from 'ink';
import {createContext, useContext, useLayoutEffect, useRef, type ReactNode} from 'react';

/**
 * Keyboard routing for the whole dashboard. Ink's `useInput` subscribes in a passive effect that
 * runs after Ink has painted, and React renders the result of a key in a later task: keys that
 * arrive together (typed fast, or several in one read over a slow SSH link) all reached the
 * handlers of the screen before the first key's effect. Here Ink's `useInput` is used once, at
 * the root, mounted before any key can arrive, and keys are delivered one at a time: each next
 * key waits until React has rendered and committed the previous one, so it meets the handlers of
 * the screen that key produced. Handlers register with `useKeys` in a layout effect (part of the
 * commit). Each active handler sees every key, in the order the components mounted (Ink's own
 * semantics); only the timing differs.
 */
export type KeyHandler = (input: string, key: Key) => void;

interface Registry {
	readonly handlers: Set<{current: KeyHandler}>;
}

const KeysContext = createContext<Registry | undefined>(undefined);

export function KeyRouter({children}: {readonly children: ReactNode}) {
	const registry = useRef<Registry>({handlers: new Set()});
	const queue = useRef<{input: string; key: Key}[]>([]);
	const draining = useRef(false);

	const deliver = (input: string, key: Key) => {
		for (const handler of [...registry.current.handlers]) {
			if (registry.current.handlers.has(handler)) handler.current(input, key);
		}
	};
	const drain = () => {
		const next = queue.current.shift();
		if (!next) {
			draining.current = false;
			return;
		}
		deliver(next.input, next.key);
		// React's scheduler renders this key's update in a setImmediate task queued during the
		// handler; immediates run in order, so two hops come after that render, its commit (with
		// the layout effects that register the next screen's handlers) and its passive effects.
		// Whatever key comes next — already queued or arriving meanwhile — meets that screen.
		setImmediate(() => setImmediate(drain));
	};

	// Also keeps raw mode on for the whole session: no layer switch ever drops it.
	useInput((input, key) => {
		queue.current.push({input, key});
		if (draining.current) return;
		draining.current = true;
		drain();
	});
	return <KeysContext.Provider value={registry.current}>{children}</KeysContext.Provider>;
}

/** Like Ink's `useInput`, but subscribed before the screen it belongs to can be seen. */
export function useKeys(handler: KeyHandler, options: {readonly isActive?: boolean} = {}): void {
	const registry = useContext(KeysContext);
	if (!registry) throw new Error('useKeys outside <KeyRouter>');
	const ref = useRef(handler);
	ref.current = handler;
	const active = options.isActive !== false;
	useLayoutEffect(() => {
		if (!active) return;
		registry.handlers.add(ref);
		return () => {
			registry.handlers.delete(ref);
		};
	}, [registry, active]);
}

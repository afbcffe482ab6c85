import {createContext, useCallback, useContext, useLayoutEffect, useRef} from 'react';
import type {InputTarget} from './key-routing.js';
import type {PacedInput} from './paced-input.js';

/**
 * The paced input, for the widgets that tell it what has the keyboard (a text field, a choice
 * list). Absent when the dashboard is rendered without pacing (a test of a single component).
 */
export const PacedInputContext = createContext<Pick<PacedInput, 'setTarget' | 'target' | 'hold'> | undefined>(undefined);

/** While `active`, `target` is what has the keyboard; released on blur and unmount. */
export function useInputTarget(active: boolean, target: InputTarget): void {
	const paced = useContext(PacedInputContext);
	const latest = useRef(target);
	latest.current = target;
	// A stable object whose methods read the latest props: registered once per focus.
	const stable = useRef<InputTarget | undefined>(undefined);
	if (!stable.current || stable.current.kind !== target.kind) {
		stable.current =
			target.kind === 'text'
				? {kind: 'text', clear: () => (latest.current as Extract<InputTarget, {kind: 'text'}>).clear()}
				: {kind: 'list', atStart: () => (latest.current as Extract<InputTarget, {kind: 'list'}>).atStart(), atEnd: () => (latest.current as Extract<InputTarget, {kind: 'list'}>).atEnd()};
	}
	const registered = stable.current;
	useLayoutEffect(() => {
		if (!paced || !active) return;
		paced.setTarget(registered);
		return () => {
			if (paced.target === registered) paced.setTarget(undefined);
		};
	}, [paced, active, registered]);
}

/** How long a reload may hold keys back before they act on what is on screen. */
export const RELOAD_HOLD_MS = 1000;

/**
 * While `active`, keys typed ahead wait (see PacedInput.hold): the screen is about to change
 * because of what the operator just did, and the next key is meant for the changed screen.
 */
export function useHold(active: boolean, maxMs?: number): void {
	const paced = useContext(PacedInputContext);
	useLayoutEffect(() => {
		if (!paced || !active) return;
		return paced.hold(maxMs);
	}, [paced, active, maxMs]);
}

/** The hold as a function, for work that starts in a handler (an action on the board). */
export function useHoldWhile(): <T>(work: Promise<T>) => Promise<T> {
	const paced = useContext(PacedInputContext);
	return useCallback(
		<T,>(work: Promise<T>) => {
			if (!paced) return work;
			const release = paced.hold();
			return work.finally(release);
		},
		[paced],
	);
}

import {useEffect, useState} from 'react';
import {Text} from './Text.js';

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface SpinnerProps {
	readonly label?: string;
	/**
	 * The frame to show, advanced by the caller: a stream's redraw tick turns the spinner in the
	 * same redraw as the text instead of adding redraws of its own. Without it the spinner turns
	 * itself ten times a second.
	 */
	readonly frame?: number;
}

/** A small spinner for long work; ten frames a second keeps redraws cheap over SSH. */
export function Spinner({label, frame}: SpinnerProps) {
	const [own, setOwn] = useState(0);
	const driven = frame !== undefined;
	useEffect(() => {
		if (driven) return;
		const timer = setInterval(() => setOwn((f) => (f + 1) % frames.length), 100);
		return () => clearInterval(timer);
	}, [driven]);
	return (
		<Text wrap="truncate">
			{frames[(frame ?? own) % frames.length]} {label ?? ''}
		</Text>
	);
}

import {useEffect, useState} from 'react';
import {Text} from './Text.js';

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A small spinner for long work; ten frames a second keeps redraws cheap over SSH. */
export function Spinner({label}: {readonly label?: string}) {
	const [frame, setFrame] = useState(0);
	useEffect(() => {
		const timer = setInterval(() => setFrame((f) => (f + 1) % frames.length), 100);
		return () => clearInterval(timer);
	}, []);
	return (
		<Text wrap="truncate">
			{frames[frame]} {label ?? ''}
		</Text>
	);
}

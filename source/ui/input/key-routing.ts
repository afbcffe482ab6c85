import {isPrintable, type KeyToken} from './split-keys.js';

/**
 * What has the keyboard right now, as far as pacing cares: a text field (runs of printable
 * characters travel as one event; Ctrl+U clears it; other Ctrl/Alt letters never reach it) or a
 * choice list (a move past either end is dropped, so the stock list never wraps around).
 */
export type InputTarget =
	| {readonly kind: 'text'; readonly clear: () => void}
	| {readonly kind: 'list'; readonly atStart: () => boolean; readonly atEnd: () => boolean};

export const CTRL_C = '\u0003';
const CTRL_U = '\u0015';
export const ESC = '\u001B';

function isCtrlLetter(sequence: string): boolean {
	return sequence.length === 1 && sequence.charCodeAt(0) >= 1 && sequence.charCodeAt(0) <= 26 && !['\r', '\t', '\b', '\n'].includes(sequence);
}

function isAltKey(sequence: string): boolean {
	return sequence.length >= 2 && sequence[0] === ESC && sequence[1] !== '[' && sequence[1] !== 'O' && sequence[1] !== ESC;
}

/**
 * Takes the next event off the queue for what has the keyboard: a text field gets a run of
 * printable keys as one event, Ctrl+U clears it and other Ctrl/Alt letters are dropped; a list
 * drops a move past either end. Anything else passes as the key it is.
 */
export function nextEvent(queue: KeyToken[], target: InputTarget | undefined): string | undefined {
	for (;;) {
		const token = queue.shift();
		if (!token) return undefined;
		if (token.kind === 'paste') return token.text;
		const sequence = token.sequence;
		if (target?.kind === 'text') {
			if (sequence === CTRL_U) {
				target.clear();
				return '';
			}
			if ((isCtrlLetter(sequence) && sequence !== CTRL_C) || isAltKey(sequence)) continue;
			if (isPrintable(token)) {
				let run = sequence;
				while (queue[0] && isPrintable(queue[0])) run += (queue.shift() as {sequence: string}).sequence;
				return run;
			}
		}
		if (target?.kind === 'list') {
			const down = sequence === '\u001B[B' || sequence === '\u001BOB' || sequence === 'j';
			const up = sequence === '\u001B[A' || sequence === '\u001BOA' || sequence === 'k';
			if ((down && target.atEnd()) || (up && target.atStart())) continue;
		}
		return sequence;
	}
}

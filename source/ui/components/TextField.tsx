import {Text} from 'ink';
import {useRef, useState} from 'react';
import {useKeys} from '../keys.js';

export interface TextFieldProps {
	readonly value: string;
	readonly onChange: (value: string) => void;
	readonly onSubmit?: (value: string) => void;
	/** Only the focused field takes keys. */
	readonly focus: boolean;
	/** Shown instead of each character (API keys). */
	readonly mask?: string;
	readonly placeholder?: string;
}

/**
 * One line of text entry: typing and pasting insert at the cursor, ←/→ move, Backspace/Delete
 * remove the character before the cursor, Ctrl+U clears the line, Enter submits. Tab, arrows
 * up/down and Esc are left to the form. Value and cursor live in refs as well as state, so keys
 * arriving faster than renders (a paste, a slow link) compose instead of overwriting each other.
 */
export function TextField({value, onChange, onSubmit, focus, mask, placeholder}: TextFieldProps) {
	const [cursor, setCursor] = useState(value.length);
	const current = useRef({value, cursor: Math.min(cursor, value.length)});
	// The parent may replace the value (a family filling its base URL): follow it.
	if (current.current.value !== value) current.current = {value, cursor: Math.min(current.current.cursor, value.length)};

	useKeys(
		(input, key) => {
			if (key.upArrow || key.downArrow || key.tab || key.escape || (key.ctrl && input === 'c')) return;
			if (key.return) {
				onSubmit?.(current.current.value);
				return;
			}
			let {value: next, cursor: at} = current.current;
			if (key.leftArrow) at = Math.max(0, at - 1);
			else if (key.rightArrow) at = Math.min(next.length, at + 1);
			else if (key.backspace || key.delete) {
				if (at > 0) {
					next = next.slice(0, at - 1) + next.slice(at);
					at--;
				}
			} else if (key.ctrl && input === 'u') {
				next = '';
				at = 0;
			} else if (key.ctrl || key.meta || input === '') return;
			else {
				// Control characters in a paste (newlines, escapes) never enter a field.
				const text = input.replace(/[\u0000-\u001F\u007F-\u009F]/g, '');
				next = next.slice(0, at) + text + next.slice(at);
				at += text.length;
			}
			current.current = {value: next, cursor: at};
			setCursor(at);
			if (next !== value) onChange(next);
		},
		{isActive: focus},
	);

	const shown = mask ? mask.repeat(value.length) : value;
	if (!focus) return <Text dimColor={shown.length === 0}>{shown.length > 0 ? shown : (placeholder ?? '')}</Text>;
	if (shown.length === 0) {
		const hint = placeholder ?? '';
		return (
			<Text>
				<Text inverse>{hint.length > 0 ? hint[0] : ' '}</Text>
				<Text dimColor>{hint.slice(1)}</Text>
			</Text>
		);
	}
	const at = Math.min(current.current.cursor, shown.length);
	return (
		<Text>
			{shown.slice(0, at)}
			<Text inverse>{shown[at] ?? ' '}</Text>
			{shown.slice(at + 1)}
		</Text>
	);
}

import InkTextInput from 'ink-text-input';
import {Box} from 'ink';
import {useRef} from 'react';
import {stripControls} from '../input/split-keys.js';
import {useInputTarget} from '../input/input-target.js';
import type {Theme} from '../theme.js';
import {Text} from './Text.js';

export interface TextInputProps {
	readonly value: string;
	readonly onChange: (value: string) => void;
	/** Only the focused field takes keys. */
	readonly focus: boolean;
	/** API keys: shown as a fixed •••••••• whatever was typed — neither the key nor its length. */
	readonly mask?: boolean;
	readonly placeholder?: string;
	readonly theme: Theme;
}

/** What a masked field shows once something is typed: the same for every key. */
const MASKED = '••••••••';

/**
 * Every text field of the dashboard: `ink-text-input`, wrapped once. The paced input delivers it
 * one event at a time (a run of typed characters as one), clears it on Ctrl+U and keeps Ctrl/Alt
 * letters and control characters out of it (see input/paced-input.ts); this wrapper adds the mask,
 * a placeholder that follows the theme (the stock one is always grey), and a value replaced from
 * outside (choosing a family fills the base URL) puts the cursor at its end. Enter is left to the
 * form or line that owns the field.
 */
export function TextInput({value, onChange, focus, mask, placeholder, theme}: TextInputProps) {
	useInputTarget(focus, {kind: 'text', clear: () => onChange('')});
	// The stock field keeps its cursor in state and only clamps it when the value shrinks: remount
	// it when the value changes other than by its own typing, so the cursor lands at the end.
	const own = useRef(value);
	const generation = useRef(0);
	if (value !== own.current) {
		own.current = value;
		generation.current++;
	}
	const shown = stripControls(value);
	const field = (
		<InkTextInput
			key={generation.current}
			value={shown}
			focus={focus}
			mask={mask ? '•' : undefined}
			showCursor
			onChange={(next) => {
				own.current = next;
				onChange(next);
			}}
		/>
	);
	if (mask) {
		// The stock field stays mounted — it takes the keys — but is never drawn: its one bullet a
		// character would show the key's length. What is shown is the same for every key.
		return (
			<Box>
				<Box display="none">{field}</Box>
				{shown.length > 0 ? (
					<Text>
						{MASKED}
						{focus ? <Text inverse> </Text> : null}
						<Text color={theme.muted}> entered</Text>
					</Text>
				) : (
					<Text>
						{focus ? <Text inverse> </Text> : null}
						<Text dimColor={theme.color}>{placeholder ? `${focus ? '' : ' '}${placeholder}` : ''}</Text>
					</Text>
				)}
			</Box>
		);
	}
	if (shown.length > 0 || !placeholder) return field;
	return (
		<Box>
			{focus ? field : null}
			<Text dimColor={theme.color} wrap="truncate">
				{focus ? placeholder : ` ${placeholder}`}
			</Text>
		</Box>
	);
}

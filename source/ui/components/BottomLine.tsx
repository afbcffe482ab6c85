import {Box, useInput} from 'ink';
import {useState} from 'react';
import {resolve} from '../keymap.js';
import type {Theme} from '../theme.js';
import {Text} from './Text.js';
import {TextInput} from './TextInput.js';

export interface LineInputProps {
	readonly prompt: string;
	readonly initial: string;
	readonly placeholder?: string;
	readonly theme: Theme;
	/** Every change (the providers filter narrows the board as it is typed). */
	readonly onChange?: (value: string) => void;
	readonly onSubmit: (value: string) => void;
	readonly onCancel: () => void;
	/** Tab: the completed text, or undefined when nothing completes. */
	readonly complete?: (value: string) => Promise<string | undefined>;
}

/** The bottom line taking text: the filters, the command line (`:`), a comparison prompt. */
export function LineInput({prompt, initial, placeholder, theme, onChange, onSubmit, onCancel, complete}: LineInputProps) {
	const [value, setValue] = useState(initial);
	const change = (next: string) => {
		setValue(next);
		onChange?.(next);
	};
	useInput((input, key) => {
		const b = resolve(input, key, ['command']);
		if (b?.id === 'save') onSubmit(value);
		else if (b?.id === 'cancel') onCancel();
		else if (b?.id === 'complete' && complete) {
			void complete(value).then((completed) => {
				if (completed !== undefined && completed !== value) change(completed);
			});
		}
	});
	return (
		<Box>
			<Text color={theme.accent}>{prompt}</Text>
			<TextInput value={value} onChange={change} focus placeholder={placeholder} theme={theme} />
		</Box>
	);
}

/** A y/N question: only y does it. */
export function ConfirmLine({message, theme, onAnswer}: {readonly message: string; readonly theme: Theme; readonly onAnswer: (yes: boolean) => void}) {
	useInput((input, key) => {
		const b = resolve(input, key, ['confirm']);
		if (b?.id === 'yes') onAnswer(true);
		else if (b?.id === 'no') onAnswer(false);
	});
	return (
		<Text color={theme.warn} bold wrap="wrap">
			{message} y/N
		</Text>
	);
}

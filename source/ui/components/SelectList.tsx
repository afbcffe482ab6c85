import SelectInput from 'ink-select-input';
import {Box} from 'ink';
import {useRef, useState} from 'react';
import {useInputTarget} from '../input/input-target.js';
import type {Theme} from '../theme.js';
import {Text} from './Text.js';

export interface SelectItem<T extends string> {
	readonly label: string;
	readonly value: T;
}

export interface SelectListProps<T extends string> {
	readonly items: readonly SelectItem<T>[];
	/** Enter (or a digit 1–9) picks an item. */
	readonly onSelect?: (value: T) => void;
	/** The highlighted item changed (a form's choice field takes it as the value at once). */
	readonly onHighlight?: (value: T) => void;
	readonly focus: boolean;
	/** Rows shown at once; the list scrolls. */
	readonly limit?: number;
	/** The item highlighted first. */
	readonly initial?: T;
	readonly theme: Theme;
	/** Shown instead of an empty list (Enter then does nothing). */
	readonly empty?: string;
}

/**
 * Every choice list of the dashboard: `ink-select-input`, wrapped once. It keeps what operators
 * rely on: theme colours (and none under NO_COLOR) on the selection, an "n of N" counter, no
 * wrap-around past either end (the paced input drops the move, see input/paced-input.ts), and an
 * empty list that does nothing on Enter. Labels pass the render boundary (components/Text.tsx):
 * model ids come from providers and may hold anything.
 */
export function SelectList<T extends string>({items, onSelect, onHighlight, focus, limit = 10, initial, theme, empty}: SelectListProps<T>) {
	const start = Math.max(0, items.findIndex((item) => item.value === initial));
	const [index, setIndex] = useState(start);
	const current = useRef(index);
	current.current = Math.min(index, Math.max(0, items.length - 1));
	useInputTarget(focus && items.length > 0, {kind: 'list', atStart: () => current.current <= 0, atEnd: () => current.current >= items.length - 1});
	if (items.length === 0) return <Text color={theme.muted}>{empty ?? 'Nothing to choose from.'}</Text>;
	return (
		<Box flexDirection="column">
			<SelectInput
				items={items.map((item) => ({key: item.value || '\u0000empty', label: item.label, value: item.value}))}
				isFocused={focus}
				limit={limit}
				initialIndex={start}
				indicatorComponent={({isSelected}) => <Text color={theme.accent}>{isSelected && focus ? '❯ ' : '  '}</Text>}
				itemComponent={({isSelected, label}) => (
					<Text color={isSelected && focus ? theme.accent : undefined} bold={isSelected && focus} wrap="truncate">
						{label}
					</Text>
				)}
				onHighlight={(item) => {
					const at = items.findIndex((candidate) => candidate.value === item.value);
					current.current = at;
					setIndex(at);
					onHighlight?.(item.value as T);
				}}
				onSelect={(item) => {
					if (item) onSelect?.(item.value as T);
				}}
			/>
			{items.length > 1 ? <Text color={theme.muted}>{`${current.current + 1} of ${items.length}`}</Text> : null}
		</Box>
	);
}

import {Box, Text} from 'ink';
import {useRef, useState} from 'react';
import {useKeys} from '../keys.js';
import type {Theme} from '../theme.js';

export interface PickListProps<T extends string> {
	readonly items: readonly {readonly label: string; readonly value: T}[];
	readonly onSelect: (value: T) => void;
	/** Rows shown at once; the list scrolls. */
	readonly limit?: number;
	readonly theme: Theme;
}

/** ↑/↓ (or j/k) choose, Enter picks. Only the visible window is rendered. */
export function PickList<T extends string>({items, onSelect, limit = 10, theme}: PickListProps<T>) {
	const [index, setIndex] = useState(0);
	const current = useRef(index);
	current.current = Math.min(index, items.length - 1);
	useKeys((input, key) => {
		if (key.downArrow || input === 'j') setIndex((current.current = Math.min(items.length - 1, current.current + 1)));
		else if (key.upArrow || input === 'k') setIndex((current.current = Math.max(0, current.current - 1)));
		else if (key.return && items[current.current]) onSelect(items[current.current]!.value);
	});
	const start = Math.max(0, Math.min(items.length - limit, current.current - Math.floor(limit / 2)));
	return (
		<Box flexDirection="column">
			{items.slice(start, start + limit).map((item, i) => {
				const selected = start + i === current.current;
				return (
					<Text key={item.value || `#${start + i}`} color={selected ? theme.accent : undefined} wrap="truncate">
						{selected ? '❯ ' : '  '}
						{item.label}
					</Text>
				);
			})}
			{items.length > limit ? <Text color={theme.muted}>{`${current.current + 1} of ${items.length}`}</Text> : null}
		</Box>
	);
}

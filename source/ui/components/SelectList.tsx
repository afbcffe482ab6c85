import SelectInput from 'ink-select-input';
import {Box, useInput} from 'ink';
import {useMemo, useRef, useState} from 'react';
import {useInputTarget} from '../input/input-target.js';
import {resolve} from '../keymap.js';
import type {Theme} from '../theme.js';
import {Text} from './Text.js';
import {TextInput} from './TextInput.js';

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
	/**
	 * A pick list (not a form's field): `/` filters it, and Esc is the list's to handle — it
	 * clears a filter first, and only then calls this (the picker closes).
	 */
	readonly onCancel?: () => void;
}

/** What `/` narrows to: every item whose label or value holds the text, in any case. */
export function filterItems<T extends string>(items: readonly SelectItem<T>[], filter: string): readonly SelectItem<T>[] {
	const needle = filter.trim().toLowerCase();
	if (!needle) return items;
	return items.filter((item) => item.label.toLowerCase().includes(needle) || item.value.toLowerCase().includes(needle));
}

/**
 * Every choice list of the dashboard: `ink-select-input`, wrapped once. It keeps what operators
 * rely on: theme colours (and none under NO_COLOR) on the selection, an "n of N" counter, no
 * wrap-around past either end (the paced input drops the move, see input/paced-input.ts), and an
 * empty list that does nothing on Enter. Labels pass the render boundary (components/Text.tsx):
 * model ids come from providers and may hold anything.
 *
 * The stock list moves one row at a time (j/k, arrows) and draws only its `limit` rows. The
 * jumps it lacks — PgDn/J and PgUp/K a page, G/End the last item, g/Home the first — are handled
 * here: the list is drawn again with the target highlighted (a new stock list, opened at that
 * index), so a 5,000-model list is crossed in a few keys and still only its visible rows are
 * drawn. A pick list (`onCancel` given) also filters: `/` opens a line above it, each character
 * narrows the list, Enter keeps the filter and goes back to the list, Esc clears it.
 */
export function SelectList<T extends string>({items, onSelect, onHighlight, focus, limit = 10, initial, theme, empty, onCancel}: SelectListProps<T>) {
	const filterable = onCancel !== undefined;
	const [filter, setFilter] = useState('');
	const [typing, setTyping] = useState(false);
	const shown = useMemo(() => filterItems(items, filter), [items, filter]);
	const start = Math.max(0, shown.findIndex((item) => item.value === initial));
	const [index, setIndex] = useState(start);
	/** A new stock list is opened at `index` whenever this moves (a jump, a new filter). */
	const [opened, setOpened] = useState({generation: 0, at: start});
	const current = useRef(index);
	current.current = Math.min(index, Math.max(0, shown.length - 1));
	const listFocus = focus && !typing;
	useInputTarget(listFocus && shown.length > 0, {kind: 'list', atStart: () => current.current <= 0, atEnd: () => current.current >= shown.length - 1});
	const stockItems = useMemo(() => shown.map((item) => ({key: item.value || '\u0000empty', label: item.label, value: item.value})), [shown]);
	const page = Math.max(1, Math.min(limit, shown.length) - 1);

	const jumpTo = (target: number) => {
		const next = Math.max(0, Math.min(shown.length - 1, target));
		if (shown.length === 0 || next === current.current) return;
		current.current = next;
		setIndex(next);
		setOpened((previous) => ({generation: previous.generation + 1, at: next}));
		onHighlight?.(shown[next]!.value);
	};
	const applyFilter = (text: string) => {
		setFilter(text);
		current.current = 0;
		setIndex(0);
		setOpened((previous) => ({generation: previous.generation + 1, at: 0}));
		const first = filterItems(items, text)[0];
		if (first) onHighlight?.(first.value);
	};

	useInput(
		(input, key) => {
			const binding = resolve(input, key, ['picker']);
			if (typing) {
				if (key.return) setTyping(false);
				else if (key.escape) {
					setTyping(false);
					applyFilter('');
				}
				return;
			}
			switch (binding?.id) {
				case 'pageDown':
					return jumpTo(current.current + page);
				case 'pageUp':
					return jumpTo(current.current - page);
				case 'last':
					return jumpTo(shown.length - 1);
				case 'first':
					return jumpTo(0);
				case 'filter':
					if (filterable) setTyping(true);
					return;
				case 'cancel':
					if (!filterable) return;
					if (filter) return applyFilter('');
					return onCancel?.();
				default:
			}
		},
		{isActive: focus},
	);

	const filterLine = typing ? (
		<Box>
			<Text color={theme.accent}>/</Text>
			<TextInput value={filter} onChange={applyFilter} focus theme={theme} placeholder="type to narrow the list · Enter keep · Esc clear" />
		</Box>
	) : filter ? (
		<Text color={theme.muted} wrap="truncate">{`/${filter} · ${shown.length === 1 ? '1 match' : `${shown.length} matches`} in ${items.length} · Esc clears`}</Text>
	) : null;

	if (shown.length === 0) {
		return (
			<Box flexDirection="column">
				{filterLine}
				<Text color={theme.muted}>{filter ? `Nothing matches /${filter}.` : (empty ?? 'Nothing to choose from.')}</Text>
			</Box>
		);
	}
	return (
		<Box flexDirection="column">
			{filterLine}
			<SelectInput
				key={opened.generation}
				items={stockItems}
				isFocused={listFocus}
				limit={limit}
				initialIndex={opened.at}
				indicatorComponent={({isSelected}) => <Text color={theme.accent}>{isSelected && focus ? '❯ ' : '  '}</Text>}
				itemComponent={({isSelected, label}) => (
					<Text color={isSelected && focus ? theme.accent : undefined} bold={isSelected && focus} wrap="truncate">
						{label}
					</Text>
				)}
				onHighlight={(item) => {
					const at = shown.findIndex((candidate) => candidate.value === item.value);
					current.current = at;
					setIndex(at);
					onHighlight?.(item.value as T);
				}}
				onSelect={(item) => {
					if (item) onSelect?.(item.value as T);
				}}
			/>
			{shown.length > 1 ? <Text color={theme.muted}>{`${current.current + 1} of ${shown.length}`}</Text> : null}
		</Box>
	);
}

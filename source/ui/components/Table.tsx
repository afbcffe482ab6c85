import {Box} from 'ink';
import {layoutRow, type ColumnSpec} from '../../lib/text.js';
import {windowStart} from '../hooks/use-selection.js';
import type {Theme} from '../theme.js';
import {Text} from './Text.js';

/** A table's header line: the columns that fit (`widths` from layoutColumns), one space in, muted. */
export function TableHeader({columns, widths, theme}: {readonly columns: readonly ColumnSpec[]; readonly widths: readonly number[]; readonly theme: Theme}) {
	return (
		<Text color={theme.muted} wrap="truncate">
			{' '}
			{layoutRow(
				columns.map((c) => c.header),
				widths,
			)}
		</Text>
	);
}

export interface TableRowsProps<T> {
	readonly items: readonly T[];
	readonly index: number;
	/** Rows shown at once: the window scrolls to keep the selection in view. */
	readonly rows: number;
	/** The selection is drawn inverse only while the list has focus (the › marker always). */
	readonly focused?: boolean;
	readonly keyOf: (item: T) => string | number;
	/** The row's text after the marker (untrusted parts pass the Text boundary). */
	readonly line: (item: T) => string;
	readonly color?: (item: T, selected: boolean) => string | undefined;
}

/** The visible window of a list, one line per item, the selected one marked with › . */
export function TableRows<T>({items, index, rows, focused = true, keyOf, line, color}: TableRowsProps<T>) {
	const start = windowStart(index, items.length, rows);
	return (
		<Box flexDirection="column">
			{items.slice(start, start + rows).map((item, i) => {
				const selected = start + i === index;
				return (
					<Text key={keyOf(item)} inverse={selected && focused} color={color?.(item, selected)} wrap="truncate">
						{selected ? '›' : ' '}
						{line(item)}
					</Text>
				);
			})}
		</Box>
	);
}

/** What a view of a provider's rows (its keys, its models) is drawn from. */
export interface ProviderRowsViewProps {
	readonly error: Error | undefined;
	readonly providerName: string | null;
	readonly index: number;
	readonly focused: boolean;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}

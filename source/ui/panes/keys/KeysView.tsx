import type {KeySummary} from '../../../domain/key.js';
import {age, layoutColumns, layoutRow, type ColumnSpec} from '../../../lib/text.js';
import {listStatus} from '../../components/ListStatus.js';
import {TableRows, type ProviderRowsViewProps} from '../../components/Table.js';

export interface KeysViewProps extends ProviderRowsViewProps {
	readonly keys: readonly KeySummary[] | undefined;
	readonly now: Date;
}

/** The last validation of a key, as a cell: ✓, ✕ and its class, or — when never validated. */
export function validationCell(key: KeySummary): string {
	if (!key.lastValidation) return '—';
	return key.lastValidation.outcome === 'ok' ? '✓' : `✕ ${key.lastValidation.errorClass ?? key.lastValidation.outcome}`;
}

// Narrow at 80 columns (half the screen): the validation class matters more than a long label,
// and the key's age goes first.
const columns: readonly ColumnSpec[] = [
	{header: 'KEY', min: 13, max: 13, keep: 9},
	{header: 'LABEL', min: 5, max: 12, keep: 5},
	{header: 'ON', min: 3, max: 3, keep: 8},
	{header: 'P', min: 3, max: 4, keep: 6},
	{header: 'AGE', min: 3, max: 3, keep: 2},
	{header: 'CHECK', min: 6, max: 16, keep: 7},
];

/** Keys of the selected provider: only the stored mask is ever shown, never decrypted. */
export function KeysView({keys, error, providerName, index, focused, width, height, theme, now}: KeysViewProps) {
	const status = listStatus({items: keys, error, none: providerName ? undefined : 'Select a provider.', noun: 'keys', empty: `No keys for ${providerName}. Press a (here) to add one.`, theme});
	if (status || !keys) return status;
	const widths = layoutColumns(width - 1, columns);
	return (
		<TableRows
			items={keys}
			index={index}
			rows={Math.max(1, height)}
			focused={focused}
			keyOf={(k) => k.id}
			line={(k) => layoutRow([k.displayHint, k.label, k.status === 'active' ? 'on' : 'off', `p${k.priority}`, age(k.createdAt, now), validationCell(k)], widths)}
			color={(k) => (k.status === 'active' ? undefined : theme.muted)}
		/>
	);
}

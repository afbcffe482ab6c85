import type {ReactNode} from 'react';
import {useAsyncResource} from '../hooks/use-async-resource.js';
import {useLive} from '../hooks/use-live.js';
import {useSelection} from '../hooks/use-selection.js';
import type {Ui} from '../ui-context.js';

/** What the board gives each of its lower panes: focus, size and the selected provider. */
export interface BoardPaneProps {
	readonly focused: boolean;
	readonly active: boolean;
	readonly width: number;
	readonly height: number;
	/** The board's selected provider (null while there is none). */
	readonly providerId: string | null;
	readonly providerName: string | null;
}

/**
 * The selected provider's rows of one kind (keys, models): loaded through the services, reloaded
 * when `tables` change (any operator's write), with a selection that follows the row, not its
 * position. No provider, no load.
 */
export function useProviderRows<T extends {readonly id: string}>(providerId: string | null, tables: readonly string[], load: (providerId: string) => Promise<readonly T[]>) {
	const refresh = useLive(tables);
	const rows = useAsyncResource(providerId ? () => load(providerId) : undefined, [providerId], refresh);
	const selection = useSelection(rows.data, (row) => row.id);
	return {rows, selection};
}

/** The "n of m" under a list: where the selection is, once the rows are there. */
export function positionOf(rows: readonly unknown[] | undefined, index: number): string | undefined {
	if (!rows) return undefined;
	return `${rows.length === 0 ? 0 : index + 1} of ${rows.length}`;
}

/**
 * `a` on a lower board pane: the add dialog for the selected provider; the new row is selected
 * once saved. Without a provider it says what to do first.
 */
export function openAddDialog<T extends {readonly id: string}>(
	ui: Ui,
	provider: {readonly id: string | null; readonly name: string | null},
	select: (id: string) => void,
	dialog: (provider: {readonly id: string; readonly name: string}, onSaved: (row: T) => void) => ReactNode,
): void {
	if (!provider.id || !provider.name) return ui.flash('Add a provider first (focus [1] and press a)', 'error');
	ui.openModal(
		dialog({id: provider.id, name: provider.name}, (row) => {
			ui.closeModal();
			select(row.id);
		}),
	);
}

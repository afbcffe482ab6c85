/**
 * A long list read a window at a time: what a front end asks for and what it gets back. The
 * services answer it (the board's providers); `ui/hooks/use-list-window.ts` drives it.
 */

/** `size` rows around item `id`, or around row `index` when that item is gone or filtered out. */
export interface WindowRequest {
	/** The list's filter; '' is every item. */
	readonly filter: string;
	readonly id: string | null;
	readonly index: number;
	readonly size: number;
}

/** Rows at positions `offset`… of the `count` items that match; `index` is the selection's position. */
export interface ListWindow<T> {
	readonly rows: readonly T[];
	readonly offset: number;
	readonly index: number;
	/** Items that match the filter. */
	readonly count: number;
	/** Every item, matching or not. */
	readonly total: number;
}

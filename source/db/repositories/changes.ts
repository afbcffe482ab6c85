import {CHANGES_CHANNEL} from '../changes.js';
import type {Change, Tx} from '../types.js';

/**
 * A change for live refresh: NOTIFY inside the writing transaction, so other operators' LISTEN
 * hears it only when the change commits (`mutate` sends one per change; a comparison closing
 * its run sends one without an audit row).
 */
export async function notifyChange(tx: Tx, change: Change): Promise<void> {
	await tx`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(change)})`;
}

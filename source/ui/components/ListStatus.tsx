import {Text} from 'ink';
import type {Theme} from '../theme.js';

/**
 * The states of a provider's list before it has rows to show: no provider selected, failed
 * with nothing loaded, loading, empty. Returns null when the list has rows to render.
 */
export function listStatus<T>(props: {readonly items: readonly T[] | undefined; readonly error: Error | undefined; readonly providerName: string | undefined; readonly noun: string; readonly empty: string; readonly theme: Theme}) {
	const {items, error, providerName, noun, empty, theme} = props;
	if (!providerName) return <Text color={theme.muted}>Select a provider.</Text>;
	if (error && !items) return <Text color={theme.error}>✕ {error.message}</Text>;
	if (!items) return <Text color={theme.muted}>Loading {noun}…</Text>;
	if (items.length === 0) return <Text color={theme.muted}>{empty}</Text>;
	return null;
}

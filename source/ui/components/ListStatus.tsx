import {presentError} from '../../services/faults.js';
import type {Theme} from '../theme.js';
import {Spinner} from './Spinner.js';
import {Text} from './Text.js';

/**
 * What a list shows before it has rows: nothing to show it for yet (`none`), failed with nothing
 * loaded, loading, empty. Returns null when the list has rows to render.
 */
export function listStatus<T>(props: {readonly items: readonly T[] | undefined; readonly error: Error | undefined; readonly none?: string; readonly noun: string; readonly empty: string; readonly theme: Theme}) {
	const {items, error, none, noun, empty, theme} = props;
	if (none) return <Text color={theme.muted}>{none}</Text>;
	if (error && !items) return <ErrorText error={error} theme={theme} />;
	if (!items) return <Spinner label={`Loading ${noun}…`} />;
	if (items.length === 0) return <Text color={theme.muted} wrap="wrap">{empty}</Text>;
	return null;
}

/** An error as the panes show it: ✕ what happened, then a muted "try:" with what to do. */
export function ErrorText({error, theme}: {readonly error: unknown; readonly theme: Theme}) {
	const {message, hint} = presentError(error);
	return (
		<Text wrap="wrap">
			<Text color={theme.error}>✕ {message}</Text>
			{hint ? <Text color={theme.muted}> try: {hint}</Text> : null}
		</Text>
	);
}

import {Box, Text} from 'ink';
import {age, pad, truncate} from '../../lib/text.js';
import type {KeySummary} from '../../domain/key.js';
import type {Theme} from '../theme.js';
import {windowStart} from '../state.js';
import {listStatus} from '../components/ListStatus.js';

export interface KeysViewProps {
	readonly keys: readonly KeySummary[] | undefined;
	readonly error: Error | undefined;
	readonly providerName: string | undefined;
	readonly cursor: number;
	readonly focused: boolean;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
	readonly now: Date;
}

/** Keys of the selected provider: only the stored mask is ever shown, never decrypted. */
export function KeysView({keys, error, providerName, cursor, focused, width, height, theme, now}: KeysViewProps) {
	const status = listStatus({items: keys, error, providerName, noun: 'keys', empty: `No keys for ${providerName}. Press a (here) to add one.`, theme});
	if (status || !keys) return status;
	const rows = Math.max(1, height);
	const start = windowStart(cursor, keys.length, rows);
	return (
		<Box flexDirection="column">
			{keys.slice(start, start + rows).map((k, i) => {
				const selected = start + i === cursor;
				const validation = k.lastValidation ? (k.lastValidation.outcome === 'ok' ? '✓' : `✕ ${k.lastValidation.errorClass ?? k.lastValidation.outcome}`) : '—';
				// Narrow at 80 columns (half the screen): the validation class matters more than a long label.
				// The key's age is dropped first when the pane is narrow.
				const ageCell = width >= 44 ? `${pad(age(k.createdAt, now), 3)} ` : '';
				const line = `${selected ? '›' : ' '}${pad(truncate(k.displayHint, 13), 13)} ${pad(truncate(k.label, 8), 8)} ${k.status === 'active' ? 'on ' : 'off'} p${k.priority} ${ageCell}${validation}`;
				return (
					<Text key={k.id} inverse={selected && focused} color={k.status === 'active' ? undefined : theme.muted} wrap="truncate">
						{truncate(line, width)}
					</Text>
				);
			})}
		</Box>
	);
}

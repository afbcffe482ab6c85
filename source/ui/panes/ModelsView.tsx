import {Box, Text} from 'ink';
import {truncate} from '../../cli/format.js';
import type {Model} from '../../domain/model.js';
import type {Theme} from '../theme.js';
import {windowStart} from '../state.js';

export interface ModelsViewProps {
	readonly models: readonly Model[] | undefined;
	readonly error: Error | undefined;
	readonly providerName: string | undefined;
	readonly cursor: number;
	readonly focused: boolean;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}

export function ModelsView({models, error, providerName, cursor, focused, width, height, theme}: ModelsViewProps) {
	if (!providerName) return <Text color={theme.muted}>Select a provider.</Text>;
	if (error && !models) return <Text color={theme.error}>✕ {error.message}</Text>;
	if (!models) return <Text color={theme.muted}>Loading models…</Text>;
	if (models.length === 0) return <Text color={theme.muted}>No models for {providerName}. Press a (here) to attach one.</Text>;
	const rows = Math.max(1, height);
	const start = windowStart(cursor, models.length, rows);
	return (
		<Box flexDirection="column">
			{models.slice(start, start + rows).map((m, i) => {
				const selected = start + i === cursor;
				const line = `${selected ? '›' : ' '}${m.modelName}${m.alias ? ` → ${m.alias}` : ''}${m.displayLabel && m.displayLabel !== m.modelName ? ` (${m.displayLabel})` : ''}`;
				return (
					<Text key={m.id} inverse={selected && focused} wrap="truncate">
						{truncate(line, width)}
					</Text>
				);
			})}
		</Box>
	);
}

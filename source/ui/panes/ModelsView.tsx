import {Box, Text} from 'ink';
import {truncate} from '../../lib/text.js';
import type {Model} from '../../domain/model.js';
import type {Theme} from '../theme.js';
import {windowStart} from '../state.js';
import {listStatus} from '../components/ListStatus.js';

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
	const status = listStatus({items: models, error, providerName, noun: 'models', empty: `No models for ${providerName}. Press a (here) to attach one.`, theme});
	if (status || !models) return status;
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

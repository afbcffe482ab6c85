import {Box} from 'ink';
import type {Model} from '../../../domain/model.js';
import {truncate} from '../../../lib/text.js';
import {listStatus} from '../../components/ListStatus.js';
import {Text} from '../../components/Text.js';
import {windowStart} from '../../hooks/use-selection.js';
import type {Theme} from '../../theme.js';

export interface ModelsViewProps {
	readonly models: readonly Model[] | undefined;
	readonly error: Error | undefined;
	readonly providerName: string | null;
	readonly index: number;
	readonly focused: boolean;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}

export function ModelsView({models, error, providerName, index, focused, width, height, theme}: ModelsViewProps) {
	const status = listStatus({items: models, error, none: providerName ? undefined : 'Select a provider.', noun: 'models', empty: `No models for ${providerName}. Press a (here) to attach one.`, theme});
	if (status || !models) return status;
	const rows = Math.max(1, height);
	const start = windowStart(index, models.length, rows);
	return (
		<Box flexDirection="column">
			{models.slice(start, start + rows).map((m, i) => {
				const selected = start + i === index;
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

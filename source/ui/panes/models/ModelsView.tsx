import type {Model} from '../../../domain/model.js';
import {truncate} from '../../../lib/text.js';
import {listStatus} from '../../components/ListStatus.js';
import {TableRows} from '../../components/Table.js';
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
	return (
		<TableRows
			items={models}
			index={index}
			rows={Math.max(1, height)}
			focused={focused}
			keyOf={(m) => m.id}
			line={(m) => truncate(`${m.modelName}${m.alias ? ` → ${m.alias}` : ''}${m.displayLabel && m.displayLabel !== m.modelName ? ` (${m.displayLabel})` : ''}`, width - 1)}
		/>
	);
}

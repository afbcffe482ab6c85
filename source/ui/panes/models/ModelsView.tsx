import type {Model} from '../../../domain/model.js';
import {truncate} from '../../../lib/text.js';
import {listStatus} from '../../components/ListStatus.js';
import {TableRows, type ProviderRowsViewProps} from '../../components/Table.js';

export interface ModelsViewProps extends ProviderRowsViewProps {
	readonly models: readonly Model[] | undefined;
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

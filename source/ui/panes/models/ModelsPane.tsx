import {memo} from 'react';
import {Pane} from '../../components/Pane.js';
import {listCommands} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useCommands, useUi} from '../../ui-context.js';
import {openAddDialog, positionOf, useProviderRows, type BoardPaneProps} from '../board-pane.js';
import {useSmokeControl} from '../smoke/use-smoke.js';
import {ModelForm} from './ModelForm.js';
import {ModelsView} from './ModelsView.js';

/** [3] Models of the board's selected provider: exact ids, aliases, labels. */
export const ModelsPane = memo(function ModelsPane({focused, active, width, height, providerId, providerName}: BoardPaneProps) {
	const services = useServices();
	const ui = useUi();
	const smoke = useSmokeControl();
	const {rows: models, selection} = useProviderRows(providerId, ['models', 'providers'], services.listModels);
	const selected = selection.selected;

	useCommands(
		'models',
		{
			...listCommands(selection, Math.max(1, height - 3)),
			add: () => openAddDialog(ui, {id: providerId, name: providerName}, selection.select, (provider, onSaved) => <ModelForm providerId={provider.id} providerName={provider.name} onSaved={onSaved} />),
			edit: () => {
				if (!providerId || !providerName || !selected) return ui.flash('No model to edit: press a to attach one', 'error');
				const snapshot = selected;
				ui.openModal(<ModelForm providerId={providerId} providerName={providerName} model={snapshot} onSaved={() => ui.closeModal()} />);
			},
			delete: () => {
				if (!selected || !providerName) return;
				const model = selected;
				ui.confirm(`Detach model ${model.modelName} from ${providerName}?`, async () => {
					await services.deleteModel(model.id);
					return `Model ${model.modelName} detached`;
				});
			},
			smoke: () => {
				if (!providerId || !providerName) return ui.flash('Select a provider to smoke-test', 'error');
				if (models.data && models.data.length === 0) return ui.flash(`Attach a model to ${providerName} first (press a)`, 'error');
				smoke.start({provider: providerId, model: selected?.modelName}, selected ? `${providerName} · ${selected.modelName}` : providerName);
			},
		},
		active,
	);

	return (
		<Pane title="Models" number={3} focused={focused} theme={ui.theme} width={width} height={height} footer={positionOf(models.data, selection.index)}>
			<ModelsView models={models.data} error={models.error} providerName={providerName} index={selection.index} focused={focused} width={width - 2} height={height - 3} theme={ui.theme} />
		</Pane>
	);
});

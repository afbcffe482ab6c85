import {memo} from 'react';
import {Pane} from '../../components/Pane.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useCommands, useUi} from '../../ui-context.js';
import {useSmokeRunner} from '../smoke/use-smoke.js';
import {ModelForm} from './ModelForm.js';
import {ModelsView} from './ModelsView.js';

export interface ModelsPaneProps {
	readonly focused: boolean;
	readonly active: boolean;
	readonly width: number;
	readonly height: number;
	readonly providerId: string | null;
	readonly providerName: string | null;
}

/** [3] Models of the board's selected provider: exact ids, aliases, labels. */
export const ModelsPane = memo(function ModelsPane({focused, active, width, height, providerId, providerName}: ModelsPaneProps) {
	const services = useServices();
	const ui = useUi();
	const smoke = useSmokeRunner();
	const refresh = useLive(['models', 'providers']);
	const models = useAsyncResource(providerId ? () => services.listModels(providerId) : undefined, [providerId], refresh);
	const selection = useSelection(models.data, (m) => m.id);
	const selected = selection.selected;

	useCommands(
		'models',
		{
			...listCommands(selection, Math.max(1, height - 3)),
			add: () => {
				if (!providerId || !providerName) return ui.flash('Add a provider first (focus [1] and press a)', 'error');
				ui.openModal(
					<ModelForm
						providerId={providerId}
						providerName={providerName}
						onSaved={(model) => {
							ui.closeModal();
							selection.select(model.id);
						}}
					/>,
				);
			},
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
				smoke.start({providerId, modelName: selected?.modelName}, selected ? `${providerName} · ${selected.modelName}` : providerName);
			},
		},
		active,
	);

	const count = models.data?.length ?? 0;
	return (
		<Pane title="Models" number={3} focused={focused} theme={ui.theme} width={width} height={height} footer={models.data ? `${count === 0 ? 0 : selection.index + 1} of ${count}` : undefined}>
			<ModelsView models={models.data} error={models.error} providerName={providerName} index={selection.index} focused={focused} width={width - 2} height={height - 3} theme={ui.theme} />
		</Pane>
	);
});

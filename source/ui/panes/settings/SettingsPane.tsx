import {settingKeys} from '../../../domain/settings.js';
import {Pane} from '../../components/Pane.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useCommands, useUi} from '../../ui-context.js';
import {SettingForm} from './SettingForm.js';
import {SettingsView} from './SettingsView.js';

/** The settings view (S, :settings): workspace-wide runtime defaults. */
export function SettingsPane({active, width, height}: {readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const refresh = useLive(['settings']);
	const settings = useAsyncResource(() => services.getSettings(), [], refresh);
	const selection = useSelection(settingKeys, (key) => key);
	useCommands(
		'settings',
		{
			...listCommands(selection, 3),
			edit: () => {
				const key = selection.selected;
				if (!key || !settings.data) return;
				ui.openModal(<SettingForm settingKey={key} value={settings.data.values[key]} version={settings.data.versions[key]} />);
			},
		},
		active,
	);
	return (
		<Pane title="Settings" focused theme={ui.theme} width={width} height={height} footer={`${selection.index + 1} of ${settingKeys.length}`}>
			<SettingsView values={settings.data?.values} error={settings.error} index={selection.index} width={width - 2} theme={ui.theme} />
		</Pane>
	);
}

import {Box} from 'ink';
import {settingDescriptions, settingKeys, type Settings} from '../../../domain/settings.js';
import {pad, truncate} from '../../../lib/text.js';
import {ErrorText} from '../../components/ListStatus.js';
import {Spinner} from '../../components/Spinner.js';
import {Text} from '../../components/Text.js';
import type {Theme} from '../../theme.js';

export interface SettingsViewProps {
	readonly values: Settings | undefined;
	readonly error: Error | undefined;
	readonly index: number;
	readonly width: number;
	readonly theme: Theme;
}

export function SettingsView({values, error, index, width, theme}: SettingsViewProps) {
	if (error && !values) return <ErrorText error={error} theme={theme} />;
	if (!values) return <Spinner label="Loading settings…" />;
	return (
		<Box flexDirection="column">
			<Text color={theme.muted} wrap="wrap">
				Workspace-wide runtime defaults, shared by every operator. Enter or e edits, Esc goes back.
			</Text>
			{settingKeys.map((key, i) => (
				<Box key={key} flexDirection="column">
					<Text inverse={i === index} wrap="truncate">
						{i === index ? '›' : ' '}
						{pad(key, 20)} {truncate(JSON.stringify(values[key]), Math.max(10, width - 24))}
					</Text>
					<Text color={theme.muted} wrap="wrap">
						{'   '}
						{settingDescriptions[key]}
					</Text>
				</Box>
			))}
		</Box>
	);
}

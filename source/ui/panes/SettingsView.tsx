import {Box, Text} from 'ink';
import {pad, truncate} from '../../lib/text.js';
import {settingDescriptions, type Settings} from '../../domain/settings.js';
import type {Theme} from '../theme.js';

export interface SettingsViewProps {
	readonly values: Settings | undefined;
	readonly error: Error | undefined;
	readonly cursor: number;
	readonly width: number;
	readonly theme: Theme;
}

export function settingKeys(): (keyof Settings)[] {
	return Object.keys(settingDescriptions) as (keyof Settings)[];
}

export function SettingsView({values, error, cursor, width, theme}: SettingsViewProps) {
	if (error && !values) return <Text color={theme.error}>✕ {error.message}</Text>;
	if (!values) return <Text color={theme.muted}>Loading settings…</Text>;
	const keys = settingKeys();
	return (
		<Box flexDirection="column">
			<Text color={theme.muted}>Workspace-wide runtime defaults (shared by every operator). e or Enter edits, Esc goes back.</Text>
			{keys.map((key, i) => (
				<Box key={key} flexDirection="column">
					<Text inverse={i === cursor} wrap="truncate">
						{i === cursor ? '›' : ' '}
						{pad(key, 20)} {truncate(JSON.stringify(values[key]), Math.max(10, width - 24))}
					</Text>
					<Text color={theme.muted} wrap="truncate">
						{'   '}
						{settingDescriptions[key]}
					</Text>
				</Box>
			))}
		</Box>
	);
}

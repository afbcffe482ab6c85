import {Box} from 'ink';
import type {ReactNode} from 'react';
import type {Theme} from '../theme.js';
import {Text} from './Text.js';

export interface PaneProps {
	readonly title: string;
	readonly number?: number;
	readonly focused: boolean;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
	/** "5 of 20" and similar, right of the title. */
	readonly footer?: string;
	readonly children: ReactNode;
}

/** A bordered pane; the focused one has a bold green border (k9s/lazygit convention). */
export function Pane({title, number, focused, width, height, theme, footer, children}: PaneProps) {
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle={focused ? 'bold' : 'single'} borderColor={focused ? theme.focus : theme.border} overflow="hidden">
			<Box justifyContent="space-between" height={1}>
				<Text bold={focused} wrap="truncate">
					{number === undefined ? '' : `[${number}] `}
					{title}
				</Text>
				{footer ? (
					<Box flexShrink={0} marginLeft={1}>
						<Text color={theme.muted}>{footer}</Text>
					</Box>
				) : null}
			</Box>
			<Box flexDirection="column" flexGrow={1} overflow="hidden">
				{children}
			</Box>
		</Box>
	);
}

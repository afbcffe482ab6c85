import {Box} from 'ink';
import {useState} from 'react';
import {useCommands, useUi, type CommandHandlers} from '../ui-context.js';
import {stripTerminalControls} from '../../lib/sanitize.js';
import {wrapText} from '../../lib/text.js';
import {ErrorText} from './ListStatus.js';
import {Pane} from './Pane.js';
import {Spinner} from './Spinner.js';
import {Text} from './Text.js';

export type LineTone = 'muted' | 'heading' | 'ok' | 'error' | 'warn' | 'accent';

/** One line of a detail view; long ones wrap under a hanging indent of `indent` spaces. */
export interface DetailLine {
	readonly text: string;
	readonly tone?: LineTone;
	readonly indent?: number;
}

export interface DetailViewProps {
	readonly title: string;
	readonly lines: readonly DetailLine[] | undefined;
	readonly error?: unknown;
	readonly loading?: string;
	/** The keys of this view besides scrolling (g, h…), shown muted at the bottom. */
	readonly hint?: string;
	readonly commands?: CommandHandlers;
	readonly active: boolean;
	readonly width: number;
	readonly height: number;
}

/**
 * A read-only view of one thing in full — a provider, an audit row, a run — as wrapped lines that
 * j/k and PgDn/PgUp scroll. Read-only mode changes nothing here: looking is always allowed.
 */
export function DetailView({title, lines, error, loading, hint, commands, active, width, height}: DetailViewProps) {
	const ui = useUi();
	const [offset, setOffset] = useState(0);
	const inner = Math.max(10, width - 4);
	const wrapped: {text: string; tone?: LineTone}[] = [];
	for (const line of lines ?? []) {
		const indent = ' '.repeat(line.indent ?? 0);
		// Wrapped as it is shown (sanitised, as Text would), with room for the hanging indent of
		// the lines after the first: every character is on screen, none cut off with "…".
		const shown = stripTerminalControls(line.text).replace(/\t/g, ' ');
		const pieces = shown === '' ? [''] : wrapText(shown, inner - indent.length, inner - indent.length - 2);
		pieces.forEach((piece, i) => wrapped.push({text: `${indent}${i > 0 ? '  ' : ''}${piece}`, tone: line.tone}));
	}
	const visible = Math.max(1, height - 3 - (hint ? 1 : 0));
	const last = Math.max(0, wrapped.length - visible);
	const start = Math.min(offset, last);
	useCommands(
		'detail',
		{
			down: () => setOffset((o) => Math.min(Math.min(o, last) + 1, last)),
			up: () => setOffset((o) => Math.max(0, Math.min(o, last) - 1)),
			pageDown: () => setOffset((o) => Math.min(Math.min(o, last) + visible, last)),
			pageUp: () => setOffset((o) => Math.max(0, Math.min(o, last) - visible)),
			...commands,
		},
		active,
	);
	const theme = ui.theme;
	const color = (tone: LineTone | undefined) =>
		tone === 'muted' ? theme.muted : tone === 'heading' || tone === 'accent' ? theme.accent : tone === 'ok' ? theme.ok : tone === 'error' ? theme.error : tone === 'warn' ? theme.warn : undefined;
	return (
		<Pane title={title} focused theme={theme} width={width} height={height} footer={lines && wrapped.length > visible ? `${start + 1}–${Math.min(wrapped.length, start + visible)} of ${wrapped.length}` : undefined}>
			{error && !lines ? <ErrorText error={error} theme={theme} /> : null}
			{!lines && !error ? <Spinner label={loading ?? 'Loading…'} /> : null}
			<Box flexDirection="column" paddingX={1} flexGrow={1}>
				{wrapped.slice(start, start + visible).map((line, i) => (
					<Text key={i} color={color(line.tone)} bold={line.tone === 'heading'} wrap="truncate">
						{line.text || ' '}
					</Text>
				))}
			</Box>
			{hint ? (
				<Text color={theme.muted} wrap="truncate">
					{' '}
					{hint}
				</Text>
			) : null}
		</Pane>
	);
}

import {Box, Text} from 'ink';
import {truncate} from '../../lib/text.js';
import {hintsFor, keymap, type Scope} from '../keymap.js';
import type {DashboardInfo} from '../services.js';
import type {Flash} from '../state.js';
import type {Theme} from '../theme.js';

export function Header({info, theme, width, banner}: {readonly info: DashboardInfo; readonly theme: Theme; readonly width: number; readonly banner: string | null}) {
	const keyText = info.keyStatus === 'ok' ? 'key ok' : info.keyStatus === 'wrong' ? 'WRONG KEY' : 'key missing';
	const db = info.databaseKind === 'embedded' ? 'embedded' : info.location;
	return (
		<Box flexDirection="column">
			<Box width={width}>
				<Text bold color={theme.accent}>
					eval752
				</Text>
				<Text wrap="truncate">
					{' '}
					· db {truncate(db, Math.max(8, width - 60))} ·{' '}
				</Text>
				<Text color={info.keyStatus === 'ok' ? theme.ok : theme.error} bold={info.keyStatus !== 'ok'}>
					{keyText}
				</Text>
				<Text wrap="truncate"> · {truncate(info.actor, 28)}</Text>
				{info.readOnly ? (
					<Text inverse color={theme.warn}>
						{' '}
						READ-ONLY{' '}
					</Text>
				) : null}
			</Box>
			{banner ? (
				<Text inverse color={theme.error} wrap="truncate">
					{' '}
					{banner}{' '}
				</Text>
			) : null}
		</Box>
	);
}

export function FlashLine({flash, theme}: {readonly flash: Flash | null; readonly theme: Theme}) {
	if (!flash) return <Text> </Text>;
	return (
		<Text color={flash.tone === 'ok' ? theme.ok : flash.tone === 'error' ? theme.error : undefined} wrap="truncate">
			{flash.tone === 'error' ? '✕ ' : flash.tone === 'ok' ? '✓ ' : ''}
			{flash.text}
		</Text>
	);
}

/** Generated from the keymap: what the focused pane and the global scope offer. */
export function HintBar({scopes, readOnly, theme, width}: {readonly scopes: readonly Scope[]; readonly readOnly: boolean; readonly theme: Theme; readonly width: number}) {
	const text = hintsFor(scopes, readOnly)
		.map((b) => `${b.keys} ${b.description.split(/[ (,]/)[0]}`)
		.join('  ');
	return (
		<Text color={theme.muted} wrap="truncate">
			{truncate(text, width)}
		</Text>
	);
}

/** The `?` overlay: every binding, generated from the keymap; j/k scroll when it does not fit. */
export function HelpOverlay({theme, readOnly, width, height, offset}: {readonly theme: Theme; readonly readOnly: boolean; readonly width: number; readonly height: number; readonly offset: number}) {
	const rows = keymap.map((b) => ({keys: b.keys, text: `${b.description}${b.mutating && readOnly ? ' — unavailable (read-only)' : ''}`, dim: b.mutating && readOnly}));
	const visible = Math.max(1, height - 3);
	const start = Math.max(0, Math.min(offset, rows.length - visible));
	const more = rows.length > visible;
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1} width={width} height={height}>
			<Text bold wrap="truncate">
				Keys — ? or Esc closes{more ? ` · j/k scroll (${start + 1}–${Math.min(rows.length, start + visible)} of ${rows.length})` : ''}
			</Text>
			{rows.slice(start, start + visible).map((row) => (
				<Text key={row.keys + row.text} color={row.dim ? theme.muted : undefined} wrap="truncate">
					{row.keys.padEnd(7)} {row.text}
				</Text>
			))}
		</Box>
	);
}

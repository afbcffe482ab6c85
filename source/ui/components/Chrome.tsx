import {Box} from 'ink';
import {truncate, width as textWidth, wrapText} from '../../lib/text.js';
import type {Flash} from '../app-state.js';
import {bindingsOf, hintsFor, hintText, scopeTitles, type Scope} from '../keymap.js';
import type {DashboardInfo} from '../services.js';
import type {Theme} from '../theme.js';
import {Text} from './Text.js';

export interface Banner {
	readonly text: string;
	readonly tone: 'error' | 'warn';
}

/** Lines a banner takes at `width` (it wraps: a key id or a remedy is never cut off). */
export function bannerRows(banners: readonly Banner[], width: number): number {
	return banners.reduce((rows, banner) => rows + wrapLines(` ${banner.text} `, width).length, 0);
}

export function Header({info, theme, width, banners}: {readonly info: DashboardInfo; readonly theme: Theme; readonly width: number; readonly banners: readonly Banner[]}) {
	const keyText = info.keyStatus === 'ok' ? 'key ok' : info.keyStatus === 'wrong' ? 'WRONG KEY' : info.keyStatus === 'missing' ? 'key missing' : '…';
	const db = info.databaseKind === 'embedded' ? 'embedded' : info.location;
	const fixed = 'eval752 ·  db  ·  · '.length + keyText.length + (info.readOnly ? 11 : 0);
	const room = Math.max(8, width - fixed);
	const dbWidth = Math.min(textWidth(db), Math.max(8, Math.floor(room * 0.55)));
	return (
		<Box flexDirection="column" width={width}>
			<Box width={width}>
				<Text bold color={theme.accent}>
					eval752
				</Text>
				<Text wrap="truncate"> · db {truncate(db, dbWidth)} · </Text>
				<Text color={info.keyStatus === 'ok' ? theme.ok : info.keyStatus === 'pending' ? theme.muted : theme.error} bold={info.keyStatus === 'wrong' || info.keyStatus === 'missing'}>
					{keyText}
				</Text>
				<Text wrap="truncate"> · {truncate(info.actor, Math.max(4, room - dbWidth))}</Text>
				{info.readOnly ? (
					<Text inverse color={theme.warn}>
						{' '}
						READ-ONLY{' '}
					</Text>
				) : null}
			</Box>
			{banners.map((banner) => (
				<Text key={banner.text} inverse color={banner.tone === 'error' ? theme.error : theme.warn} wrap="wrap">
					{` ${banner.text} `}
				</Text>
			))}
		</Box>
	);
}

/** Greedy word wrap on display width (what Ink's wrap does), for counting rows ahead of layout. */
export function wrapLines(text: string, width: number): string[] {
	return wrapText(text, width);
}

/** The flash line: an action's result; up to two lines, wrapped, so its end is never lost. */
export function FlashLine({flash, theme, width, rows}: {readonly flash: Flash | null; readonly theme: Theme; readonly width: number; readonly rows: number}) {
	if (!flash) return <Text> </Text>;
	const mark = flash.tone === 'error' ? '✕ ' : flash.tone === 'ok' ? '✓ ' : '';
	return (
		<Box height={rows} width={width} overflow="hidden">
			<Text color={flash.tone === 'ok' ? theme.ok : flash.tone === 'error' ? theme.error : undefined} wrap="wrap">
				{truncate(`${mark}${flash.text}`, width * rows - 1)}
			</Text>
		</Box>
	);
}

/** Rows the flash needs at `width`: one, or two when it does not fit. */
export function flashRows(flash: Flash | null, width: number): number {
	return flash && textWidth(flash.text) + 2 > width ? 2 : 1;
}

/**
 * The bottom line, generated from the keymap: the focused pane's or view's own keys first, then
 * global ones while they fit, and always `? keys` for the rest.
 */
export function HintBar({scopes, readOnly, theme, width}: {readonly scopes: readonly Scope[]; readonly readOnly: boolean; readonly theme: Theme; readonly width: number}) {
	const all = hintsFor(scopes, readOnly).filter((b) => b.id !== 'help');
	const tail = '? keys';
	const parts: string[] = [];
	let used = textWidth(tail);
	for (const binding of all) {
		const text = hintText(binding);
		if (used + textWidth(text) + 2 > width) break;
		parts.push(text);
		used += textWidth(text) + 2;
	}
	return (
		<Text color={theme.muted} wrap="truncate">
			{[...parts, tail].join('  ')}
		</Text>
	);
}

/** The lines of the `?` overlay: every scope's keys, descriptions wrapped under a hanging indent. */
export function helpLines(readOnly: boolean, width: number, first: readonly Scope[]): {text: string; heading: boolean; dim: boolean}[] {
	const order: Scope[] = [...first, ...(Object.keys(scopeTitles) as Scope[]).filter((scope) => !first.includes(scope))];
	const keyWidth = 12;
	const lines: {text: string; heading: boolean; dim: boolean}[] = [];
	for (const scope of order) {
		const bindings = bindingsOf(scope);
		if (bindings.length === 0) continue;
		lines.push({text: scopeTitles[scope], heading: true, dim: false});
		for (const b of bindings) {
			const dim = Boolean(b.mutating && readOnly);
			const description = `${b.description}${dim ? ' — unavailable (read-only)' : ''}`;
			const wrapped = wrapLines(description, Math.max(10, width - keyWidth - 1));
			wrapped.forEach((line, i) => lines.push({text: `${i === 0 ? b.keys.padEnd(keyWidth) : ' '.repeat(keyWidth)} ${line}`, heading: false, dim}));
		}
	}
	return lines;
}

/** The `?` overlay: every binding, generated from the keymap, grouped by where it works; j/k scroll. */
export function HelpOverlay({theme, readOnly, width, height, offset, first}: {readonly theme: Theme; readonly readOnly: boolean; readonly width: number; readonly height: number; readonly offset: number; readonly first: readonly Scope[]}) {
	const lines = helpLines(readOnly, width - 4, first);
	const visible = Math.max(1, height - 3);
	const start = Math.max(0, Math.min(offset, lines.length - visible));
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1} width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate">
				Keys — ? or Esc closes · j/k scroll ({start + 1}–{Math.min(lines.length, start + visible)} of {lines.length})
			</Text>
			{lines.slice(start, start + visible).map((line, i) => (
				<Text key={i} bold={line.heading} color={line.heading ? theme.accent : line.dim ? theme.muted : undefined} wrap="truncate">
					{line.text}
				</Text>
			))}
		</Box>
	);
}

/** Below this the panes cannot be laid out: one line says so instead. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;

export function TooSmall({columns, rows}: {readonly columns: number; readonly rows: number}) {
	return (
		<Text wrap="wrap">
			terminal too small ({columns}×{rows}; needs {MIN_COLUMNS}×{MIN_ROWS}) — enlarge it, or q quits
		</Text>
	);
}

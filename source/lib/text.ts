/**
 * Neutral text helpers shared by both front ends: display width, truncation, padding, plain
 * tables and ages. No I/O; nothing of ours imported beyond the sanitiser next door.
 */
import {sanitizeLine} from './sanitize.js';

/** Display width of a string, counting East Asian wide characters as two columns. */
export function width(text: string): number {
	let total = 0;
	for (const char of text) {
		const code = char.codePointAt(0)!;
		total += code >= 0x1100 && (code <= 0x115f || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1faff) || (code >= 0x20000 && code <= 0x3fffd)) ? 2 : 1;
	}
	return total;
}

/** The longest start of `text` that fits `max` columns (at least one character, so a cut always moves on). */
function fitStart(text: string, max: number): string {
	let out = '';
	for (const char of text) {
		if (out && width(out + char) > max) break;
		out += char;
	}
	return out;
}

/**
 * Greedy word wrap on display width that keeps every character: a word longer than a line is
 * cut at the line's width (by columns, so wide characters never overflow), never shortened with
 * "…". `next` is the width of the lines after the first (a hanging indent). Call it on the text
 * as it will be shown (sanitised): wrapping a string that is cut or cleaned afterwards loses or
 * shifts characters at every break.
 */
export function wrapText(text: string, first: number, next: number = first): string[] {
	if (first <= 0 || next <= 0) return [text];
	const lines: string[] = [];
	const limit = () => (lines.length === 0 ? first : next);
	for (const paragraph of text.split('\n')) {
		let line = '';
		for (const word of paragraph.split(/(?<= )/)) {
			if (line && width(line + word.trimEnd()) > limit()) {
				lines.push(line.trimEnd());
				line = '';
			}
			let rest = word;
			while (width(line + rest.trimEnd()) > limit()) {
				const piece = fitStart(rest, limit() - width(line));
				lines.push(line + piece);
				line = '';
				rest = rest.slice(piece.length);
			}
			line += rest;
		}
		lines.push(line.trimEnd());
	}
	return lines;
}

export function truncate(text: string, max: number): string {
	if (max <= 0) return '';
	if (width(text) <= max) return text;
	let out = '';
	for (const char of text) {
		if (width(out + char) > max - 1) break;
		out += char;
	}
	return out + '…';
}

/**
 * A stored or provider-sent value shown in a fixed-width cell (a list row, a header, a form
 * line): made one inert line ({@link sanitizeLine}), then cut to `max` columns. What both
 * front ends use for any field not written by eval752 itself.
 */
export function displayCell(text: string, max: number): string {
	return truncate(sanitizeLine(text), max);
}

export function pad(text: string, size: number): string {
	return text + ' '.repeat(Math.max(0, size - width(text)));
}

/**
 * A plain table: header, rows, columns sized to content, the widest column shrunk to fit the
 * terminal. No colour, no box drawing: it must survive `| grep` and slow links alike. Cells
 * are stored fields more often than not, so each is made one inert line first
 * ({@link sanitizeLine}) — widths are then measured on what is really shown.
 */
export function table(headers: readonly string[], input: readonly (readonly string[])[], maxWidth = 120): string {
	if (input.length === 0) return '';
	const rows = input.map((row) => row.map((cell) => sanitizeLine(cell)));
	const widths = headers.map((header, i) => Math.max(width(header), ...rows.map((row) => width(row[i] ?? ''))));
	const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
	while (total() > maxWidth) {
		const widest = widths.indexOf(Math.max(...widths));
		if (widths[widest]! <= 8) break;
		widths[widest]! -= 1;
	}
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, i) => (i === cells.length - 1 ? truncate(cell, widths[i]!) : pad(truncate(cell, widths[i]!), widths[i]!)))
			.join('  ')
			.trimEnd();
	return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** "3m", "2h", "5d" — how long ago, for lists read at a glance. */
export function age(from: Date | null | undefined, now: Date = new Date()): string {
	if (!from) return '—';
	const seconds = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
	if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
	return `${Math.floor(seconds / 86_400)}d`;
}

export interface ColumnSpec {
	readonly header: string;
	/** Narrowest useful width; below it the column is dropped instead. */
	readonly min: number;
	/** Widest it grows to (Infinity: takes what is left). */
	readonly max: number;
	/** Columns with the lowest `keep` are dropped first when the row does not fit. */
	readonly keep: number;
}

/**
 * Widths for a table row of `width` columns (cells separated by one space): every column kept at
 * least its `min`, the lowest-`keep` columns dropped (width 0) until that fits, then what is left
 * shared out in order up to each column's `max`. A table laid out this way never wraps or
 * misaligns, from a narrow terminal up.
 */
export function layoutColumns(width: number, specs: readonly ColumnSpec[]): number[] {
	const kept = specs.map(() => true);
	const need = () => specs.reduce((sum, spec, i) => sum + (kept[i] ? spec.min + 1 : 0), -1);
	const order = specs.map((spec, i) => ({keep: spec.keep, i})).sort((a, b) => a.keep - b.keep);
	for (const {i} of order) {
		if (need() <= width) break;
		if (kept.filter(Boolean).length === 1) break;
		kept[i] = false;
	}
	const widths = specs.map((spec, i) => (kept[i] ? spec.min : 0));
	let left = width - need();
	for (let i = 0; i < specs.length && left > 0; i++) {
		if (!kept[i]) continue;
		const grow = Math.min(left, specs[i]!.max - widths[i]!);
		widths[i]! += grow;
		left -= grow;
	}
	return widths;
}

/** One row of cells at the widths from layoutColumns (dropped columns left out). */
export function layoutRow(cells: readonly string[], widths: readonly number[]): string {
	return cells
		.map((cell, i) => (widths[i]! > 0 ? pad(truncate(cell, widths[i]!), widths[i]!) : null))
		.filter((cell): cell is string => cell !== null)
		.join(' ');
}

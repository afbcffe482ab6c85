import {EventEmitter} from 'node:events';
import {createElement as h, useState, type ReactNode} from 'react';
import {describe, expect, it} from 'vitest';
import {createTerminalWriter, diffFrame} from './terminal-writer.js';

// Ink decides once, as it loads, whether it runs in CI (then it draws only a final frame): load it
// with CI cleared so these tests see every frame, as on an operator's terminal.
delete process.env['CI'];
delete process.env['CONTINUOUS_INTEGRATION'];
const ink = await import('ink');

/** Just enough of a terminal to compare screens: cursor moves, erases, text, wrapping, scrolling. */
class Screen {
	grid: string[][];
	row = 0;
	col = 0;
	constructor(
		readonly rows: number,
		readonly cols: number,
	) {
		this.grid = Array.from({length: rows}, () => Array.from({length: cols}, () => ' '));
	}

	text(): string {
		return this.grid.map((line) => line.join('').trimEnd()).join('\n');
	}

	feed(data: string): void {
		for (let i = 0; i < data.length; i++) {
			const ch = data[i]!;
			if (ch === '\u001B') {
				const csi = /^\u001B\[([?>=]?)([\d;]*)([A-Za-z])/.exec(data.slice(i));
				if (!csi) throw new Error(`unexpected escape ${JSON.stringify(data.slice(i, i + 8))}`);
				i += csi[0].length - 1;
				this.csi(csi[1]!, csi[2]!.split(';').map((n) => (n === '' ? undefined : Number(n))), csi[3]!);
			} else if (ch === '\n') {
				this.col = 0;
				this.lineFeed();
			} else if (ch === '\r') this.col = 0;
			else {
				if (this.col >= this.cols) {
					this.col = 0;
					this.lineFeed();
				}
				this.grid[this.row]![this.col++] = ch;
			}
		}
	}

	private lineFeed(): void {
		if (this.row === this.rows - 1) {
			this.grid.shift();
			this.grid.push(Array.from({length: this.cols}, () => ' '));
		} else this.row++;
	}

	private csi(private_: string, params: (number | undefined)[], final: string): void {
		if (private_) return; // modes: cursor visibility, synchronized output
		const n = params[0] ?? 1;
		const clearLine = (row: number, from: number, to: number) => {
			for (let c = from; c < to; c++) this.grid[row]![c] = ' ';
		};
		switch (final) {
			case 'H':
				this.row = Math.min(this.rows - 1, (params[0] ?? 1) - 1);
				this.col = Math.min(this.cols - 1, (params[1] ?? 1) - 1);
				break;
			case 'A':
				this.row = Math.max(0, this.row - n);
				break;
			case 'B':
				this.row = Math.min(this.rows - 1, this.row + n);
				break;
			case 'G':
				this.col = Math.min(this.cols - 1, n - 1);
				break;
			case 'K': {
				const mode = params[0] ?? 0;
				const col = Math.min(this.col, this.cols - 1);
				if (mode === 0) clearLine(this.row, col, this.cols);
				else if (mode === 1) clearLine(this.row, 0, col + 1);
				else clearLine(this.row, 0, this.cols);
				break;
			}
			case 'J':
				if ((params[0] ?? 0) >= 2) for (let r = 0; r < this.rows; r++) clearLine(r, 0, this.cols);
				break;
			default: // SGR and the rest: no effect on the text
		}
	}
}

class FakeTty extends EventEmitter {
	readonly isTTY = true;
	readonly chunks: string[] = [];
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write(chunk: string): boolean {
		this.chunks.push(chunk);
		return true;
	}
}

class FakeIn extends EventEmitter {
	readonly isTTY = true;
	setRawMode() {}
	setEncoding() {}
	ref() {}
	unref() {}
	read() {
		return null;
	}
}

let setLines: (lines: string[]) => void = () => undefined;

function Board(): ReactNode {
	const {stdout} = ink.useStdout();
	const {columns, rows} = stdout;
	const [lines, set] = useState<string[]>(['first']);
	setLines = set;
	// A root one row shorter than the terminal, as the dashboard draws it.
	return h(
		ink.Box,
		{flexDirection: 'column', width: columns, height: rows - 1},
		h(ink.Text, {bold: true}, 'Header · eval752'),
		h(
			ink.Box,
			{flexDirection: 'column', borderStyle: 'single', flexGrow: 1},
			lines.map((line, i) => h(ink.Text, {key: i, color: i % 2 ? 'green' : undefined}, line)),
		),
		h(ink.Text, {dimColor: true}, `${lines.length} lines · q quits`),
	);
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 60));

/** Until Ink has written a frame holding `text` (throttled frames come late on a busy machine). */
async function drawn(tty: FakeTty, text: string): Promise<void> {
	for (let i = 0; i < 100 && !tty.chunks.some((chunk) => chunk.includes(text)); i++) await tick();
	await tick();
}

describe('the terminal writer', () => {
	it('writes only changed lines, and leaves the screen exactly as Ink would (real Ink frames)', async () => {
		const columns = 40;
		const rows = 12;
		const raw = new FakeTty(columns, rows);
		const viaWriter = new FakeTty(columns, rows);
		const writer = createTerminalWriter(viaWriter);
		// Ink writes to a tee: the raw bytes go to one screen as they are, and through the writer to another.
		const tee = new FakeTty(columns, rows);
		const forward = tee.write.bind(tee);
		tee.write = (chunk: string) => {
			raw.write(chunk);
			writer.stream.write(chunk);
			return forward(chunk);
		};
		const app = ink.render(h(Board), {stdout: tee as never, stdin: new FakeIn() as never, exitOnCtrlC: false, patchConsole: false});
		await drawn(raw, '1 lines');
		const steps: string[][] = [
			['first', 'second'],
			['first', 'second', 'third'],
			['first', 'second', 'third', 'a much longer fourth line that wraps past forty columns'],
			['first', 'second changed', 'third'],
			['only one'],
			Array.from({length: 20}, (_, i) => `overflowing ${i}`),
			['back to one'],
		];
		const rawScreen = new Screen(rows, columns);
		const writerScreen = new Screen(rows, columns);
		let rawBytes = 0;
		let writerBytes = 0;
		const compare = () => {
			for (const chunk of raw.chunks.splice(0)) {
				rawScreen.feed(chunk);
				rawBytes += chunk.length;
			}
			for (const chunk of viaWriter.chunks.splice(0)) {
				writerScreen.feed(chunk);
				writerBytes += chunk.length;
			}
			expect(writerScreen.text()).toBe(rawScreen.text());
		};
		compare();
		expect(rawScreen.text()).toContain('Header · eval752');
		for (const step of steps) {
			setLines(step);
			await drawn(raw, `${step.length} lines`);
			compare();
			expect(rawScreen.text()).toContain(`${step.length} lines`);
		}
		// A resize repaints everything, and the screens still agree.
		for (const size of [{columns: 30, rows: 10}, {columns: 50, rows: 14}]) {
			for (const tty of [tee, raw, viaWriter]) {
				tty.columns = size.columns;
				tty.rows = size.rows;
			}
			viaWriter.emit('resize');
			tee.emit('resize');
			await tick();
			// Both screens as the terminal would have them after its own resize: start from the same picture.
			const freshRaw = new Screen(size.rows, size.columns);
			const freshWriter = new Screen(size.rows, size.columns);
			raw.chunks.splice(0);
			viaWriter.chunks.splice(0);
			setLines(['after resize', `at ${size.columns}×${size.rows}`]);
			await drawn(raw, `at ${size.columns}×${size.rows}`);
			for (const chunk of raw.chunks.splice(0)) freshRaw.feed(chunk);
			for (const chunk of viaWriter.chunks.splice(0)) freshWriter.feed(chunk);
			expect(freshWriter.text()).toContain('after resize');
			expect(freshWriter.text().split('\n').filter((line) => line.trim()).length).toBeGreaterThanOrEqual(5);
			expect(freshWriter.text()).toBe(freshRaw.text());
		}
		app.unmount();
		writer.dispose();
		expect(writerBytes).toBeLessThan(rawBytes);
	});

	it('passes cursor and mode sequences through, and a one-line change costs one line', () => {
		const out = new FakeTty(20, 5);
		const writer = createTerminalWriter(out);
		writer.stream.write('\u001B[?25l');
		writer.stream.write('\u001B[?2026h');
		writer.stream.write('a\nb\nc\n');
		writer.stream.write('\u001B[?2026l');
		expect(out.chunks[0]).toBe('\u001B[?25l');
		expect(out.chunks[1]).toBe('\u001B[?2026h');
		expect(out.chunks[3]).toBe('\u001B[?2026l');
		out.chunks.splice(0);
		// log-update's erase of the 4 lines (3 and the empty one after the last newline), then the frame.
		writer.stream.write('\u001B[2K\u001B[1A\u001B[2K\u001B[1A\u001B[2K\u001B[1A\u001B[2K\u001B[G' + 'a\nB\nc\n');
		expect(out.chunks).toEqual(['\u001B[2;1H\u001B[2KB\u001B[4;1H']);
	});

	it('diffs frames: unchanged lines cost nothing, removed lines are erased, unknown screens are repainted', () => {
		expect(diffFrame(['a', 'b'], ['a', 'b'])).toBe('');
		expect(diffFrame(['a', 'b', 'c'], ['a'])).toBe('\u001B[2;1H\u001B[2K\u001B[3;1H\u001B[2K');
		expect(diffFrame(null, ['x', '', 'z'])).toBe('\u001B[H\u001B[2J\u001B[1;1H\u001B[2Kx\u001B[3;1H\u001B[2Kz');
	});
});

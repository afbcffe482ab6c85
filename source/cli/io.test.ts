import {describe, expect, it} from 'vitest';
import {terminalIo, terminalOutput, writeControl, type Io, type Output} from './io.js';

class Capture implements Output {
	text = '';
	isTTY = true;
	columns = 80;
	write(chunk: string): boolean {
		this.text += chunk;
		return true;
	}
}

describe('terminalOutput', () => {
	it('strips controls from what is written, and passes plain text through unchanged', () => {
		const raw = new Capture();
		const out = terminalOutput(raw);
		out.write('Provider \u001b]0;pwned\u0007groq ─ ✓\n');
		out.write('plain 世界 🙂\n');
		expect(raw.text).toBe('Provider ]0;pwnedgroq ─ ✓\nplain 世界 🙂\n');
	});

	it('reads isTTY and columns from the stream underneath, live', () => {
		const raw = new Capture();
		const out = terminalOutput(raw);
		expect(out.isTTY).toBe(true);
		raw.columns = 132;
		expect(out.columns).toBe(132);
	});

	it('is applied once: guarding a guarded output changes nothing', () => {
		const out = terminalOutput(new Capture());
		expect(terminalOutput(out)).toBe(out);
	});

	it('writeControl goes around the boundary, to the stream underneath', () => {
		const raw = new Capture();
		const io = terminalIo({stdout: raw, stderr: new Capture()} as unknown as Io);
		writeControl(io.stdout, '\u001b[2K\u001b[1A');
		io.stdout.write('\u001b[2Kredrawn\n');
		expect(raw.text).toBe('\u001b[2K\u001b[1A[2Kredrawn\n');
		// On an unguarded output it simply writes.
		const plain = new Capture();
		writeControl(plain, '\u001b[H');
		expect(plain.text).toBe('\u001b[H');
	});
});

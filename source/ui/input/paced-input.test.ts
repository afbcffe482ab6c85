import {EventEmitter} from 'node:events';
import {describe, expect, it} from 'vitest';
import {PacedInput} from './paced-input.js';

class Source extends EventEmitter {
	readonly isTTY = true;
	readonly chunks: string[] = [];
	raw = false;
	setRawMode(mode: boolean) {
		this.raw = mode;
	}
	setEncoding() {}
	read() {
		return this.chunks.shift() ?? null;
	}
	send(text: string) {
		this.chunks.push(text);
		this.emit('readable');
	}
}

/** What Ink would see: each event it reads, and a manual "React has settled" switch. */
function harness(options: {altBound?: (char: string) => boolean} = {}) {
	const source = new Source();
	const events: string[] = [];
	let release: () => void = () => undefined;
	const paced = new PacedInput(source, {
		settled: () => new Promise<void>((resolve) => (release = resolve)),
		sequenceWaitMs: 20,
		...options,
	});
	paced.start();
	paced.on('readable', () => {
		let chunk;
		while ((chunk = paced.read()) !== null) events.push(chunk);
	});
	const next = async () => {
		release();
		await new Promise((resolve) => setImmediate(resolve));
	};
	return {source, paced, events, next};
}

describe('PacedInput', () => {
	it('delivers a burst one key at a time, the next only after React has settled', async () => {
		const {source, events, next} = harness();
		source.send('jjk\r');
		await new Promise((resolve) => setImmediate(resolve));
		expect(events).toEqual(['j']);
		await next();
		expect(events).toEqual(['j', 'j']);
		await next();
		await next();
		expect(events).toEqual(['j', 'j', 'k', '\r']);
	});

	it('holds raw mode from start to stop, whatever Ink asks', () => {
		const {source, paced} = harness();
		expect(source.raw).toBe(true);
		paced.setRawMode();
		expect(source.raw).toBe(true);
	});

	it('lets Ctrl+C jump the queue', async () => {
		const {source, events, next} = harness();
		source.send('abc\u0003');
		await new Promise((resolve) => setImmediate(resolve));
		expect(events).toEqual(['\u0003']);
		await next();
		expect(events[1]).toBe('a');
	});

	it('gives a focused text field a run of typed characters as one event, clears it on Ctrl+U, keeps Ctrl/Alt letters out', async () => {
		const {source, paced, events, next} = harness({altBound: (char) => char === 'b'});
		let cleared = 0;
		paced.setTarget({kind: 'text', clear: () => cleared++});
		source.send('peer-a\u0015\u0001\u001Bbx\tz');
		await new Promise((resolve) => setImmediate(resolve));
		for (let i = 0; i < 6; i++) await next();
		expect(events).toEqual(['peer-a', 'x', '\t', 'z']);
		expect(cleared).toBe(1);
	});

	it('ESC and a printable key in one read, with no Alt binding for it: the Esc key, then the key', async () => {
		const {source, paced, events, next} = harness();
		paced.setTarget({kind: 'text', clear: () => undefined});
		source.send('ab\u001Bcd');
		await new Promise((resolve) => setImmediate(resolve));
		for (let i = 0; i < 4; i++) await next();
		// The Esc is delivered on its own (it closes the field); what follows is typed on.
		expect(events).toEqual(['ab', '\u001B', 'cd']);
	});

	it('drops a move past either end of a focused list (no wrap-around)', async () => {
		const {source, paced, events, next} = harness();
		paced.setTarget({kind: 'list', atStart: () => true, atEnd: () => false});
		source.send('kj\u001B[A');
		for (let i = 0; i < 3; i++) await next();
		expect(events).toEqual(['j']);
	});

	it('calls an ESC that nothing follows the Esc key, after a short wait for the rest of a sequence', async () => {
		const {source, events, next} = harness();
		source.send('\u001B');
		await new Promise((resolve) => setTimeout(resolve, 40));
		expect(events).toEqual(['\u001B']);
		await next();
		source.send('\u001B');
		source.send('[B');
		await next();
		expect(events).toEqual(['\u001B', '\u001B[B']);
	});

	it('holds keys while the screen is changing, except Ctrl+C and an Esc with nothing before it', async () => {
		const {source, paced, events, next} = harness();
		const release = paced.hold();
		source.send('j');
		await next();
		expect(events).toEqual([]);
		release();
		await next();
		expect(events).toEqual(['j']);
		await next();
		const again = paced.hold();
		source.send('\u001B');
		await new Promise((resolve) => setTimeout(resolve, 40));
		expect(events).toEqual(['j', '\u001B']);
		again();
	});
});

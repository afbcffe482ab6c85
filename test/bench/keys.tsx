// The cost of pacing keys, against Ink reading the same bytes itself. Built and run by
// `npm run bench` (test/bench/run.mjs bundles this file with esbuild); prints figures, asserts
// nothing. Each case renders a small Ink app (a 9-row list and an ink-text-input field) on fake
// streams and times the bytes of one read until the screen has taken all of them.
import {EventEmitter} from 'node:events';
import {Box, render, Text, useInput} from 'ink';
import TextInput from 'ink-text-input';
import {useState} from 'react';
import {SelectList} from '../../source/ui/components/SelectList.js';
import {PacedInputContext, useInputTarget} from '../../source/ui/input/input-target.js';
import {PacedInput} from '../../source/ui/input/paced-input.js';
import {countCommits, settled} from '../../source/ui/input/settle.js';
import {createTheme} from '../../source/ui/theme.js';

class FakeIn extends EventEmitter {
	readonly isTTY = true;
	readonly chunks: string[] = [];
	setRawMode() {}
	setEncoding() {}
	ref() {}
	unref() {}
	read() {
		return this.chunks.shift() ?? null;
	}
	send(text: string) {
		this.chunks.push(text);
		this.emit('readable');
	}
}

class FakeOut extends EventEmitter {
	readonly isTTY = true;
	columns = 80;
	rows = 24;
	write() {
		return true;
	}
}

let seen = {row: 0, text: 0};

function Field({value, onChange}: {readonly value: string; readonly onChange: (value: string) => void}) {
	useInputTarget(true, {kind: 'text', clear: () => onChange('')});
	return <TextInput value={value} onChange={onChange} focus />;
}

function Bench({mode}: {readonly mode: 'list' | 'field'}) {
	const [row, setRow] = useState(0);
	const [value, setValue] = useState('');
	useInput((input) => {
		if (input === 'j') setRow((r) => r + 1);
	}, {isActive: mode === 'list'});
	seen = {row, text: value.length};
	return (
		<Box flexDirection="column">
			{Array.from({length: 9}, (_, i) => (
				<Text key={i}>{i === row % 9 ? '›' : ' '} row {i + 1}</Text>
			))}
			{mode === 'field' ? <Field value={value} onChange={setValue} /> : <Text>row {row}</Text>}
		</Box>
	);
}

async function measure(mode: 'list' | 'field', paced: boolean, bytes: string | string[], done: () => boolean): Promise<number> {
	seen = {row: 0, text: 0};
	const source = new FakeIn();
	const stdout = new FakeOut();
	const commits = countCommits(stdout);
	const input = paced ? new PacedInput(source as never, {settled: () => settled(commits), commits}) : undefined;
	input?.start();
	const app = render(
		<PacedInputContext.Provider value={input}>
			<Bench mode={mode} />
		</PacedInputContext.Provider>,
		{stdin: (input ?? source) as never, stdout: stdout as never, exitOnCtrlC: false, patchConsole: false},
	);
	await new Promise((resolve) => setTimeout(resolve, 50));
	const started = performance.now();
	if (typeof bytes === 'string') source.send(bytes);
	else {
		// One read per key, each after the screen has taken the previous one (typed slowly).
		for (const [i, key] of bytes.entries()) {
			source.send(key);
			while (seen.row <= i) await new Promise((resolve) => setImmediate(resolve));
		}
	}
	while (!done()) await new Promise((resolve) => setImmediate(resolve));
	const ms = performance.now() - started;
	app.unmount();
	input?.stop();
	return ms;
}

function median(values: number[]): number {
	return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const runs = Number(process.env['BENCH_RUNS'] ?? 7);
const keys = 200;
const paste = 'x'.repeat(2000);
const cases: {label: string; mode: 'list' | 'field'; bytes: string | string[]; done: () => boolean; unit: number}[] = [
	{label: `${keys} × j, one read each (typed), per key`, mode: 'list', bytes: Array.from({length: keys}, () => 'j'), done: () => seen.row >= keys, unit: keys},
	{label: `${keys} × j in one read, per key`, mode: 'list', bytes: 'j'.repeat(keys), done: () => seen.row >= keys, unit: keys},
	{label: '2,000-character paste into a text field', mode: 'field', bytes: paste, done: () => seen.text >= 2000, unit: 1},
	{label: '2,000-character bracketed paste into a text field', mode: 'field', bytes: `\u001B[200~${paste}\u001B[201~`, done: () => seen.text >= 2000, unit: 1},
];

console.log(`\nKeys (${runs} runs each, median): paced delivery against Ink reading the same read itself`);
for (const c of cases) {
	const pacedMs: number[] = [];
	const bareMs: number[] = [];
	for (let i = 0; i < runs; i++) {
		pacedMs.push((await measure(c.mode, true, c.bytes, c.done)) / c.unit);
		// Unpaced, a burst of "j" is ONE event that matches nothing: only the paste has a bare figure.
		if (typeof c.bytes !== 'string') bareMs.push((await measure(c.mode, false, c.bytes, c.done)) / c.unit);
		else if (c.mode === 'field') bareMs.push((await measure(c.mode, false, c.bytes.replace(/\u001B\[20[01]~/g, ''), c.done)) / c.unit);
	}
	const paced = median(pacedMs);
	const bare = bareMs.length ? median(bareMs) : undefined;
	console.log(`${c.label.padEnd(52)} paced ${paced.toFixed(2).padStart(8)} ms${bare === undefined ? '   (unpaced Ink takes the burst as one event: 0 moves)' : `   unpaced ${bare.toFixed(2).padStart(8)} ms   ×${(paced / bare).toFixed(2)}`}`);
}

// The dashboard's pick list (components/SelectList.tsx) at 5,000 items against the same list at
// 10: keys in one read, timed until the counter under the list shows where they lead.
let listCounter = '';
function Picker({count}: {readonly count: number}) {
	const items = Array.from({length: count}, (_, i) => ({label: `model-${String(i).padStart(4, '0')}`, value: `model-${String(i).padStart(4, '0')}`}));
	return <SelectList items={items} focus limit={10} theme={createTheme(true)} onHighlight={(value) => (listCounter = value)} onSelect={(value) => (listCounter = `picked ${value}`)} onCancel={() => undefined} />;
}

async function measureList(count: number, bytes: string, done: () => boolean): Promise<number> {
	listCounter = '';
	const source = new FakeIn();
	const stdout = new FakeOut();
	const commits = countCommits(stdout);
	const input = new PacedInput(source as never, {settled: () => settled(commits), commits});
	input.start();
	const app = render(
		<PacedInputContext.Provider value={input}>
			<Picker count={count} />
		</PacedInputContext.Provider>,
		{stdin: input as never, stdout: stdout as never, exitOnCtrlC: false, patchConsole: false},
	);
	await new Promise((resolve) => setTimeout(resolve, 50));
	const started = performance.now();
	source.send(bytes);
	while (!done()) await new Promise((resolve) => setImmediate(resolve));
	// Until the screen has it: the render and its effects after the last key.
	await settled(commits);
	const ms = performance.now() - started;
	app.unmount();
	input.stop();
	return ms;
}

console.log(`\nPick list (${runs} runs each, median): 5,000 items against 10, keys in one read`);
const listCases: {label: string; bytes: (count: number) => string; done: (count: number) => () => boolean; unit: number}[] = [
	{label: '9 × j, per key', bytes: () => 'j'.repeat(9), done: () => () => listCounter === 'model-0009', unit: 9},
	{label: 'G (to the last item)', bytes: () => 'G', done: (count) => () => listCounter === `model-${String(count - 1).padStart(4, '0')}`, unit: 1},
	{label: '/model-0007 then Enter Enter (filter, keep, pick)', bytes: () => '/model-0007\r\r', done: () => () => listCounter === 'picked model-0007', unit: 1},
];
for (const c of listCases) {
	const big: number[] = [];
	const small: number[] = [];
	for (let i = 0; i < runs; i++) {
		big.push((await measureList(5000, c.bytes(5000), c.done(5000))) / c.unit);
		small.push((await measureList(10, c.bytes(10), c.done(10))) / c.unit);
	}
	const ours = median(big);
	const floor = median(small);
	console.log(`${c.label.padEnd(52)} 5,000 items ${ours.toFixed(2).padStart(8)} ms   10 items ${floor.toFixed(2).padStart(8)} ms   ×${(ours / floor).toFixed(2)}`);
}
process.exit(0);

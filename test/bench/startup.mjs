// Start-up figures for on-call use: how long until eval752 answers, against bare `node -e 0`.
// Run with `npm run bench` (after `npm run build`). Prints medians and ratios; it asserts nothing.
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'source', 'build.mjs')]);
const runs = Number(process.env.BENCH_RUNS ?? 15);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval752-bench-'));
const env = {...process.env, EVAL752_DATA_DIR: dataDir, DATABASE_URL: ''};

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

function time(label, args, count = runs) {
	const samples = [];
	for (let i = 0; i < count; i++) {
		const started = process.hrtime.bigint();
		const result = spawnSync(process.execPath, args, {env, encoding: 'utf8'});
		samples.push(Number(process.hrtime.bigint() - started) / 1e6);
		if (result.status !== 0 && result.status !== 1) throw new Error(`${label} exited ${result.status}: ${result.stderr}`);
	}
	return {label, median: median(samples), min: Math.min(...samples)};
}

// The first embedded open runs initdb; measure it once, then the warm opens.
const first = time('first start of the embedded database (initdb, migrate, key)', [cli, 'doctor'], 1);
const results = [
	time('node -e 0 (the floor)', ['-e', '0']),
	time('eval752 --version', [cli, '--version']),
	time('eval752 --help', [cli, '--help']),
	time('eval752 status --json (embedded, warm)', [cli, 'status', '--json'], Math.min(runs, 7)),
	first,
];
const floor = results[0].median;
console.log(`eval752 start-up, ${runs} runs each (median; ratio to node -e 0), Node ${process.version}, ${os.cpus().length} cores`);
for (const r of results) console.log(`${r.label.padEnd(62)} ${r.median.toFixed(0).padStart(6)} ms  ×${(r.median / floor).toFixed(1)}`);
fs.rmSync(dataDir, {recursive: true, force: true});

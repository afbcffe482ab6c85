// `npm run bench`: the issue-16 suite (test/bench/suite.ts: every figure against its floor, a
// markdown table in test/bench/results.md), then the start-up figures, the key-pacing figures
// and the shared embedded database's. Figures and ratios are printed; nothing is asserted
// (timings belong here, never in `npm test`). BENCH_ONLY=suite|startup|keys|shared runs one part.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {bundle, root} from './bundle.mjs';

const only = process.env.BENCH_ONLY;
const env = {...process.env, NODE_ENV: 'production', BENCH_ROOT: root};
const run = (file, extra = {}) => execFileSync(process.execPath, [file], {stdio: 'inherit', cwd: root, env: {...env, ...extra}});

if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) execFileSync(process.execPath, [path.join(root, 'source', 'build.mjs')], {stdio: 'inherit'});
const built = [];
const bundled = async (entry) => {
	const file = await bundle(entry);
	built.push(path.dirname(file));
	return file;
};
try {
	if (!only || only === 'suite') run(await bundled('test/bench/suite.ts'), {BENCH_TRIVIAL: await bundled('test/bench/trivial.tsx')});
	if (!only || only === 'startup') run(path.join(root, 'test', 'bench', 'startup.mjs'));
	if (!only || only === 'keys') run(await bundled('test/bench/keys.tsx'));
	if (!only || only === 'shared') run(await bundled('test/bench/shared.ts'));
} finally {
	for (const dir of built) fs.rmSync(dir, {recursive: true, force: true});
}

// `npm run bench`: every benchmark, one after the other. Figures and ratios are printed; nothing
// is asserted (timings belong here, never in `npm test`).
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {bundle, root} from './bundle.mjs';

const run = (file) => execFileSync(process.execPath, [file], {stdio: 'inherit', cwd: root, env: {...process.env, NODE_ENV: 'production'}});

run(path.join(root, 'test', 'bench', 'startup.mjs'));
run(await bundle('test/bench/keys.tsx'));

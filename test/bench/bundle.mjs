// Bundles a benchmark entry the way the product is bundled (one esbuild bundle, React in
// production mode, Ink's devtools stubbed), so figures compare like with like.
import {build} from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function bundle(entry) {
	// Inside the checkout: external packages (node-pty, PGlite, openai) resolve from its node_modules.
	const parent = path.join(root, 'node_modules');
	fs.mkdirSync(parent, {recursive: true});
	const dir = fs.mkdtempSync(path.join(parent, '.eval752-bench-'));
	const outfile = path.join(dir, `${path.basename(entry).replace(/\.[^.]+$/, '')}.mjs`);
	await build({
		entryPoints: [path.join(root, entry)],
		outfile,
		bundle: true,
		format: 'esm',
		platform: 'node',
		target: 'node20',
		jsx: 'automatic',
		logLevel: 'warning',
		external: ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'openai', '@lydell/node-pty'],
		alias: {'react-devtools-core': path.join(root, 'source', 'ui', 'devtools-stub.js')},
		define: {'process.env.NODE_ENV': '"production"'},
		nodePaths: [path.join(root, 'node_modules')],
		banner: {js: "import {createRequire as __benchRequire} from 'node:module'; const require = __benchRequire(import.meta.url);"},
	});
	return outfile;
}

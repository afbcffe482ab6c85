// Bundles the CLI into dist/ with esbuild: one bundle starts about twice as fast as plain tsc
// output (Ink alone is ~570 files). Heavy or asset-carrying packages stay external and are
// imported lazily: PGlite (its .wasm/.data resolve from its package), the openai SDK.
import {build} from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// EVAL752_BUILD_DIR builds somewhere else than dist/ (tests that run the binary while another
// test rebuilds dist/). It must sit inside this checkout so the external packages resolve.
const dist = process.env.EVAL752_BUILD_DIR ? path.resolve(process.env.EVAL752_BUILD_DIR) : path.join(root, 'dist');
fs.rmSync(dist, {recursive: true, force: true});

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

await build({
	entryPoints: {cli: path.join(root, 'source', 'cli.tsx')},
	outdir: dist,
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	jsx: 'automatic',
	minifyWhitespace: false,
	sourcemap: false,
	logLevel: 'warning',
	chunkNames: 'chunks/[name]-[hash]',
	external: ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'openai', '@lydell/node-pty'],
	// Ink imports react-devtools-core only when DEV is set; a stub keeps it out of the bundle.
	alias: {'react-devtools-core': path.join(root, 'source', 'ui', 'devtools-stub.js')},
	define: {'process.env.NODE_ENV': '"production"', EVAL752_VERSION: JSON.stringify(pkg.version)},
	banner: {
		js: "#!/usr/bin/env node\nimport {createRequire as __eval752CreateRequire} from 'node:module';\nconst require = __eval752CreateRequire(import.meta.url);",
	},
});
fs.chmodSync(path.join(dist, 'cli.js'), 0o755);

// The layers of source/, as a check rather than a hope:
//   ui/, cli/        → services/, domain/, lib/   (two thin front ends over the same services)
//   services/        → db/, providers/, crypto/, config/, domain/, lib/   (never ui/ or cli/)
//   db/, providers/, crypto/, config/ → domain/, lib/ and each other where the design says so
//   domain/, lib/    → nothing of ours
// errors.ts and log.ts are shared by every layer; app.ts, cli.tsx and ui/run.tsx are the places
// that wire real implementations together. SQL (postgres.js tagged templates, sql.unsafe) appears
// only in source/db/. Ink's Text and the stock inputs are used only through their wrappers.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const source = path.join(path.dirname(fileURLToPath(import.meta.url)), 'source');
const shared = ['errors', 'log', 'version'];

/** What each layer (the first folder under source/) may import from source/. */
const allowed = {
	domain: ['domain', 'errors'],
	lib: ['lib'],
	crypto: ['crypto', 'lib', ...shared],
	config: ['config', 'crypto', 'domain', 'lib', ...shared],
	db: ['db', 'config', 'crypto', 'domain', 'lib', ...shared],
	providers: ['providers', 'domain', 'lib', ...shared],
	services: ['services', 'db', 'providers', 'crypto', 'config', 'domain', 'lib', ...shared],
	ui: ['ui', 'services', 'domain', 'lib', ...shared],
	cli: ['cli', 'services', 'domain', 'lib', 'app', ...shared],
};
/** Composition roots: they open the database and key ring and hand the services to a front end. */
const roots = {'app.ts': null, 'cli.tsx': null, 'build.mjs': null, 'ui/run.tsx': null};
/**
 * Single file → file edges allowed across layers. `eval752` with no subcommand is the dashboard:
 * the CLI's dispatcher is its launcher and loads the dashboard's composition root (lazily, so
 * headless commands never load Ink). That is one front end starting the other, not a front end
 * reaching into the other's parts, and only this exact edge is allowed.
 */
const launchers = {'cli/main.ts': ['ui/run.tsx']};

function layerOf(file) {
	const relative = path.relative(source, file);
	if (relative.startsWith('..')) return undefined;
	const [first] = relative.split(path.sep);
	return first.replace(/\.(ts|tsx|js|mjs)$/, '');
}

const layers = {
	rules: {
		imports: {
			meta: {type: 'problem', schema: [], messages: {layer: "source/{{from}}/ may not import source/{{to}} ('{{spec}}'): {{why}}"}},
			create(context) {
				const file = context.filename;
				const from = layerOf(file);
				const relative = path.relative(source, file).split(path.sep).join('/');
				if (!from || relative in roots || !(from in allowed)) return {};
				const check = (node, spec) => {
					if (typeof spec !== 'string' || !spec.startsWith('.')) return;
					const target = path.resolve(path.dirname(file), spec);
					const to = layerOf(target);
					if (!to || allowed[from].includes(to)) return;
					// Specifiers name the emitted `.js`; the source file is `.ts` or `.tsx`.
					const targetBase = path.relative(source, target).split(path.sep).join('/').replace(/\.js$/, '');
					if (launchers[relative]?.some((edge) => edge === `${targetBase}.ts` || edge === `${targetBase}.tsx`)) return;
					const why = from === 'ui' || from === 'cli' ? 'a front end reaches the world through services' : from === 'domain' || from === 'lib' ? 'it imports nothing of ours' : 'dependencies point down only';
					context.report({node, messageId: 'layer', data: {from, to, spec, why}});
				};
				return {
					ImportDeclaration: (node) => check(node, node.source.value),
					ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
					ExportAllDeclaration: (node) => check(node, node.source.value),
					ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
				};
			},
		},
	},
};

const sqlOutsideDb = [
	{selector: "TaggedTemplateExpression[tag.type='Identifier'][tag.name=/^(sql|tx)$/]", message: 'SQL lives in source/db/repositories: call a repository function.'},
	{selector: "TaggedTemplateExpression[tag.type='MemberExpression'][tag.property.name='sql']", message: 'SQL lives in source/db/repositories: call a repository function.'},
	{selector: "CallExpression[callee.property.name='unsafe']", message: 'SQL lives in source/db/repositories (and never as sql.unsafe with input).'},
];

/** A front end never holds the connection itself: `ctx.db.sql` is for services (which retry reads and audit writes). */
const frontEndSql = {selector: "MemberExpression[object.type='MemberExpression'][object.property.name='db'][property.name='sql']", message: 'A front end reaches the database through a service function, never ctx.db.sql.'};

const inkText = {name: 'ink', importNames: ['Text'], message: 'Use components/Text.tsx: it sanitises every string that reaches the screen.'};
const stockInputs = [
	{name: 'ink-text-input', message: 'Use components/TextInput.tsx (mask, theme, paced Ctrl+U).'},
	{name: 'ink-select-input', message: 'Use components/SelectList.tsx (theme, n of N, no wrap-around).'},
];

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**', 'coverage/**']},
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx,js,mjs}'],
		plugins: {'react-hooks': reactHooks, layers},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
			'@typescript-eslint/no-non-null-assertion': 'off',
			'react-hooks/rules-of-hooks': 'error',
			'react-hooks/exhaustive-deps': 'error',
		},
	},
	{
		files: ['source/**/*.{ts,tsx}'],
		rules: {
			'layers/imports': 'error',
			'no-console': 'error',
			'no-restricted-syntax': ['error', ...sqlOutsideDb],
		},
	},
	{files: ['source/db/**/*.ts'], rules: {'no-restricted-syntax': 'off'}},
	{files: ['source/cli/**/*.{ts,tsx}', 'source/ui/**/*.{ts,tsx}'], rules: {'no-restricted-syntax': ['error', ...sqlOutsideDb, frontEndSql]}},
	{files: ['source/ui/**/*.{ts,tsx}'], rules: {'no-restricted-imports': ['error', {paths: [inkText, ...stockInputs]}]}},
	{
		// The render boundary and the two stock-input wrappers.
		files: ['source/ui/components/Text.tsx', 'source/ui/components/TextInput.tsx', 'source/ui/components/SelectList.tsx'],
		rules: {'no-restricted-imports': 'off'},
	},
);

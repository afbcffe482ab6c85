import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ESLint} from 'eslint';
import {describe, expect, it} from 'vitest';

/**
 * The layer rules catch what they promise: each snippet is linted as if it were the named file
 * (the file does not exist; ESLint picks the rules by path), so a deliberate violation is seen
 * to be reported and a clean file to pass.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({cwd: root});

async function problems(filePath: string, code: string): Promise<{ruleId: string | null; message: string}[]> {
	const [result] = await eslint.lintText(code, {filePath: path.join(root, filePath)});
	return result!.messages.map(({ruleId, message}) => ({ruleId, message}));
}

describe('npm run lint: the layers', () => {
	it('a dashboard file that imports the database is reported', async () => {
		const found = await problems('source/ui/panes/example/Example.tsx', "import {openDatabase} from '../../../db/connect.js';\nexport const open = openDatabase;\n");
		expect(found).toEqual([{ruleId: 'layers/imports', message: "source/ui/ may not import source/db ('../../../db/connect.js'): a front end reaches the world through services"}]);
	});

	it('a service that imports the dashboard is reported', async () => {
		const found = await problems('source/services/example.ts', "import {runDashboard} from '../ui/run.js';\nexport const run = runDashboard;\n");
		expect(found).toEqual([{ruleId: 'layers/imports', message: "source/services/ may not import source/ui ('../ui/run.js'): dependencies point down only"}]);
	});

	it('SQL in a service is reported', async () => {
		const code = "import type {Sql} from '../db/types.js';\nexport async function count(sql: Sql) {\n\treturn sql`select count(*) from providers`;\n}\n";
		const found = await problems('source/services/example.ts', code);
		expect(found).toEqual([{ruleId: 'no-restricted-syntax', message: 'SQL lives in source/db/repositories: call a repository function.'}]);
	});

	it('a command that takes the connection out of the context is reported', async () => {
		const code = "import type {ServiceContext} from '../../services/context.js';\nexport function connection(ctx: ServiceContext) {\n\treturn ctx.db.sql;\n}\n";
		expect(await problems('source/cli/commands/example.ts', code)).toEqual([{ruleId: 'no-restricted-syntax', message: 'A front end reaches the database through a service function, never ctx.db.sql.'}]);
	});

	it('the launcher edge is allowed for cli/main.ts only', async () => {
		const code = "export async function start() {\n\treturn import('../ui/run.js');\n}\n";
		expect(await problems('source/cli/main.ts', code)).toEqual([]);
		expect((await problems('source/cli/commands/example.ts', code.replace('../ui/', '../../ui/'))).map((problem) => problem.ruleId)).toEqual(['layers/imports']);
	});

	it('a file that keeps to its layer passes', async () => {
		const code = "import {listProviders} from '../../../services/providers.js';\nimport type {Provider} from '../../../domain/provider.js';\nexport const load = listProviders;\nexport type Shown = Provider;\n";
		expect(await problems('source/ui/panes/example/use-example.ts', code)).toEqual([]);
	});
});

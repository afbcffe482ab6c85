import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect, it} from 'vitest';

const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'source');

/** Every non-test module under source/ with the modules it imports (static, `import type` and `import()`). */
function importGraph(): Map<string, string[]> {
	const files: string[] = [];
	const walk = (dir: string) => {
		for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(full);
		}
	};
	walk(source);
	const graph = new Map<string, string[]>();
	for (const file of files) {
		const text = fs.readFileSync(file, 'utf8');
		const targets: string[] = [];
		for (const match of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)['"](\.[^'"]+)['"]/g)) {
			const base = path.resolve(path.dirname(file), match[1]!).replace(/\.js$/, '');
			const target = [`${base}.ts`, `${base}.tsx`].find((candidate) => fs.existsSync(candidate));
			if (target) targets.push(path.relative(source, target));
		}
		graph.set(path.relative(source, file), targets);
	}
	return graph;
}

/** The import circles: strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
	let counter = 0;
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const found: string[][] = [];
	const visit = (node: string) => {
		index.set(node, counter);
		low.set(node, counter);
		counter++;
		stack.push(node);
		onStack.add(node);
		for (const next of graph.get(node) ?? []) {
			if (!index.has(next)) {
				visit(next);
				low.set(node, Math.min(low.get(node)!, low.get(next)!));
			} else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
		}
		if (low.get(node) !== index.get(node)) return;
		const component: string[] = [];
		let member: string;
		do {
			member = stack.pop()!;
			onStack.delete(member);
			component.push(member);
		} while (member !== node);
		if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.sort());
	};
	for (const node of graph.keys()) if (!index.has(node)) visit(node);
	return found;
}

it('no module under source/ imports itself back through others (type imports count)', () => {
	const graph = importGraph();
	expect(graph.get('cli/commands/keys.ts')).toContain('cli/prompt.ts');
	expect(cycles(graph)).toEqual([]);
});

it('the check sees a circle when there is one', () => {
	expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
});

it('no command is the helper module of another: commands import only cli modules (keys-rotate.ts is the keys command\'s own subcommand)', () => {
	const graph = importGraph();
	const crossings: string[] = [];
	for (const [file, targets] of graph) {
		if (!file.startsWith('cli/commands/')) continue;
		for (const target of targets) {
			if (target.startsWith('cli/commands/') && !(file === 'cli/commands/keys.ts' && target === 'cli/commands/keys-rotate.ts')) crossings.push(`${file} → ${target}`);
			if (target === 'cli/main.ts' || target === 'cli/registry.ts') crossings.push(`${file} → ${target}`);
		}
	}
	expect(crossings).toEqual([]);
});

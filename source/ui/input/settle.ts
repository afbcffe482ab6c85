import {unstable_IdlePriority as IdlePriority, unstable_scheduleCallback as scheduleCallback} from 'scheduler';

/**
 * Resolves once React has nothing left to do for what already happened: every render, commit and
 * passive effect caused so far has run (including effects that set state and cause another
 * commit, and focus set in a mount effect). One round is an idle-priority task of React's own
 * scheduler (it runs after every render and passive-effect task it has queued) plus one
 * macrotask (Ink's own immediates); rounds repeat until one sees no new commit.
 *
 * `commits` counts commits. Ink reads `stdout.columns` when it lays out a commit, so counting
 * those reads (see countCommits) counts commits; an extra read only costs one more round. This is
 * undocumented Ink behaviour, measured on Ink 6.8 (shared INPUT notes): the burst tests guard it.
 */
export async function settled(commits: () => number, maxRounds = 50): Promise<void> {
	for (let round = 0; round < maxRounds; round++) {
		const before = commits();
		await new Promise<void>((resolve) => {
			scheduleCallback(IdlePriority, () => {
				resolve();
			});
		});
		await new Promise<void>((resolve) => setImmediate(resolve));
		if (commits() === before) return;
	}
}

/**
 * Counts commits of the Ink tree rendering to `stdout` by turning its `columns` into an accessor
 * (the terminal's own resize handling keeps assigning to it, which the setter stores).
 */
export function countCommits(stdout: {columns?: number}): () => number {
	let count = 0;
	let columns = stdout.columns;
	Object.defineProperty(stdout, 'columns', {
		configurable: true,
		enumerable: true,
		get() {
			count++;
			return columns;
		},
		set(value: number | undefined) {
			columns = value;
		},
	});
	return () => count;
}

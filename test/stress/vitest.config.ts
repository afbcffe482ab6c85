import {defineConfig} from 'vitest/config';

// `npm run stress:keys`: the keyboard bursts against the built binary in tmux, many times over.
export default defineConfig({
	test: {
		root: new URL('../..', import.meta.url).pathname,
		include: ['test/stress/*.stress.ts'],
		globalSetup: ['test/support/global-setup.ts'],
		pool: 'forks',
		maxWorkers: 1,
		testTimeout: 0,
		hookTimeout: 120_000,
	},
});

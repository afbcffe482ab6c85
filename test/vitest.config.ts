import {defineConfig} from 'vitest/config';

// Two cores on the target machines: more workers only adds contention, and every
// embedded test file holds its own PGlite instance (~270 MB).
export default defineConfig({
	test: {
		root: new URL('..', import.meta.url).pathname,
		include: ['source/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
		globalSetup: ['test/support/global-setup.ts'],
		pool: 'forks',
		maxWorkers: 2,
		testTimeout: 30_000,
		hookTimeout: 60_000,
	},
});

// Node-side tests: server tests with real sockets, and browser tests that drive Chromium.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/server/**/*.test.ts', 'tests/cluster/**/*.test.ts', 'tests/sdk/**/*.test.ts', 'tests/browser/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/network/**/*.test.ts', 'tests/firefox/**/*.test.ts', 'tests/package/**/*.test.ts', 'tests/react/**/*.test.ts'],
    // Those run inside Chromium by web-test-runner.
    exclude: [...configDefaults.exclude, 'tests/**/*.browser.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Chromium pages are heavy on two cores: at most two test files at once.
    maxWorkers: 2,
  },
});

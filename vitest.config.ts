import { defineConfig } from 'vitest/config';

// One suite, several levels (see test/README.md). Serial and end-to-end tests spawn real
// processes (socat, chromium), so every file runs in its own forked worker.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

import { defineConfig } from 'vitest/config';

/**
 * The suites by runtime (test/README.md): each is a vitest project, run alone with
 * `vitest run --project <name>` (the `test:<name>` scripts) and all together by `npm test`.
 * Every file runs in its own forked worker: several suites spawn real processes (the built CLI,
 * socat, chromium, a host killed with SIGKILL).
 */
const project = (name: string, include: string[], extra: { testTimeout?: number; hookTimeout?: number } = {}) => ({
  extends: true as const,
  test: { name, include, ...extra },
});

export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      // Fast, in-process: no build needed, no process spawned (a few tests run mount/df/mkfifo).
      project('unit', ['test/unit/**/*.test.ts', 'test/property/**/*.test.ts']),
      // The built CLI and host (`node bin/kiosk.js`, `dist/host.js`) as separate processes.
      project('cli', ['test/cli/**/*.test.ts']),
      // Real serial ports: socat pseudo-terminals and the real serialport bindings.
      project('serial', ['test/serial/**/*.test.ts']),
      // Browser mode in Debian's chromium driven by playwright-core.
      project('e2e', ['test/e2e/**/*.test.ts']),
      // Writers and hosts killed with SIGKILL, data directories on real small filesystems.
      project('durability', ['test/durability/**/*.test.ts']),
      // Seeded fuzzing of a live host: requests, sockets, device frames.
      project('fuzz', ['test/fuzz/**/*.test.ts']),
      // Central and the uplink: the real uplink against a real central (PGlite; PostgreSQL when TEST_DATABASE_URL is set).
      project('central', ['test/central/**/*.test.ts', 'test/uplink/**/*.test.ts']),
      // Browser-mode attack surface and the electronegativity scan.
      project('security', ['test/security/**/*.test.ts']),
    ],
  },
});

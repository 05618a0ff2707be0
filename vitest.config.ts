import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration and e2e suites each start emulators; keep them from fighting.
    maxWorkers: 2,
    reporters: ['default'],
  },
});

import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The longest files, slowest first (measured: the crash sweep alone takes about 4 minutes). Vitest orders
 * files by their last duration, but a clean clone (CI) has no such cache and falls back to file size,
 * which can start the crash sweep last and add its whole length to the end of the run.
 */
const SLOW_FIRST = [
  'test/e2e/crash-sweep.e2e.test.ts',
  'test/e2e/durable-state.e2e.test.ts',
  'test/e2e/reconcile.e2e.test.ts',
  'test/e2e/recovery.e2e.test.ts',
  'test/e2e/waves.e2e.test.ts',
  'test/e2e/rollouts.e2e.test.ts',
  'test/e2e/dashboard.browser.test.ts',
  'test/cli/rollout-commands.e2e.test.ts',
  'test/e2e/exposure.e2e.test.ts',
  'test/e2e/releases.e2e.test.ts',
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the other files keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration and e2e suites each start emulators; keep them from fighting.
    maxWorkers: 2,
    reporters: ['default'],
    sequence: { sequencer: SlowFirstSequencer },
  },
});

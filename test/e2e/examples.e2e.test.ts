import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { useE2eRuntime } from './support/e2e-runtime.js';

/** The README points newcomers at examples/: every file there must apply as written. */
const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

describe('examples/', () => {
  const runtime = useE2eRuntime();

  it('applies every example with the CLI and runs its replicas', async () => {
    const rt = runtime();
    const files = readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .reverse(); // user-service before order-service
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const run = await runCli(['services', 'apply', '-f', join(EXAMPLES, file), '--api', rt.url]);
      expect(run.exitCode, `${file}: ${run.stderr}`).toBe(0);
    }
    await rt.api.waitForReadyReplicas('user-service', 3);
    await rt.api.waitForReadyReplicas('order-service', 3);
  }, 90_000);
});

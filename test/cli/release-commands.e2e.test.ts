import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../e2e/support/cli.js';
import { useE2eRuntime } from '../e2e/support/e2e-runtime.js';

/** `meshplane release -f FILE --watch` and `meshplane releases [ID]` against the local runtime, run as a user would. */
describe('meshplane release | releases', () => {
  const runtime = useE2eRuntime();
  const dir = mkdtempSync(join(tmpdir(), 'meshplane-release-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('releases a two-service train callees first and shows it', async () => {
    const rt = runtime();
    const api = ['--api', rt.url];
    const rollout = { steps: [{ weight: 100, pauseSeconds: 30 }] };
    await rt.api.register({ name: 'cli-store', image: 'store:1', port: 8080, replicas: 1, rollout });
    await rt.api.register({ name: 'cli-web', image: 'web:1', port: 8080, replicas: 1, rollout, dependencies: [{ service: 'cli-store', rps: 10 }] });
    const file = join(dir, 'release.yaml');
    writeFileSync(file, 'onFailure: rollbackAll\nitems:\n  - { service: cli-web, image: web:2 }\n  - { service: cli-store, image: store:2 }\n');

    const run = await runCli(['release', '-f', file, '--watch', ...api], 280_000);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/plan L0: cli-store {2}→ {2}L1: cli-web/);
    expect(run.stdout).toMatch(/release rel-\S+: succeeded/);
    const id = /release (rel-\S+) accepted/.exec(run.stdout)![1];

    const shown = await runCli(['releases', id, '--json', ...api]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: 'succeeded', levels: [['cli-store'], ['cli-web']] });
    const listed = await runCli(['releases', ...api]);
    expect(listed.stdout).toContain(id);

    const bad = await runCli(['release', '-f', join(dir, 'missing.yaml'), ...api]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/cannot read/);
  }, 400_000);
});

import { describe, expect, it } from 'vitest';
import { runCli } from '../e2e/support/cli.js';
import { useE2eRuntime } from '../e2e/support/e2e-runtime.js';

/** The CLI's rollout commands against the local runtime, run as a user would (separate processes). */
describe('meshplane deployments | abort | rollback', () => {
  const runtime = useE2eRuntime();

  it('lists deployments, aborts a gated rollout and rolls back to a named revision', async () => {
    const rt = runtime();
    const api = ['--api', rt.url];
    await rt.api.register({
      name: 'cli-svc',
      image: 'cli:1',
      port: 8080,
      replicas: 2,
      rollout: {
        steps: [
          { weight: 50, pauseSeconds: 30 },
          { weight: 100, pauseSeconds: 0 },
        ],
      },
    });
    expect((await runCli(['deploy', 'cli-svc', '--image', 'cli:2', '--watch', ...api])).exitCode).toBe(0);

    // A manual gate keeps the next rollout running until it is aborted.
    await rt.api.update('cli-svc', {
      name: 'cli-svc',
      image: 'cli:2',
      port: 8080,
      replicas: 2,
      rollout: {
        steps: [
          { weight: 50, pauseSeconds: 30, gate: 'manual' },
          { weight: 100, pauseSeconds: 0 },
        ],
      },
    });
    const accepted = await rt.api.deploy('cli-svc', { image: 'cli:3' });
    await rt.api.waitForDeployment('cli-svc', accepted.deploymentId, 'paused at the gate', (d) => d.status === 'paused');

    const listed = await runCli(['deployments', 'cli-svc', '--json', ...api]);
    expect(listed.exitCode).toBe(0);
    const deployments = JSON.parse(listed.stdout) as { id: string; status: string; image: string }[];
    expect(deployments.map((d) => [d.image, d.status])).toEqual([
      ['cli:3', 'paused'],
      ['cli:2', 'promoted'],
    ]);

    const aborted = await runCli(['abort', 'cli-svc', accepted.deploymentId, ...api]);
    expect(aborted.exitCode).toBe(0);
    expect((await rt.api.waitForDeploymentEnd('cli-svc', accepted.deploymentId)).status).toBe('aborted');

    const rolledBack = await runCli(['rollback', 'cli-svc', '--to-revision', '1', ...api]);
    expect(rolledBack.exitCode).toBe(0);
    expect(rolledBack.stdout).toMatch(/rolling back cli-svc to revision 1/);
    const id = /deployment (\S+)\)/.exec(rolledBack.stdout)![1];
    expect((await rt.api.waitForDeploymentEnd('cli-svc', id)).status).toBe('promoted');
    expect((await rt.api.service('cli-svc')).spec.image).toBe('cli:1');
  }, 90_000);

  it('shows the rollout in progress as a step tree, promotes it without an id, and exits 2 when a bad canary is rolled back', async () => {
    const rt = runtime();
    const api = ['--api', rt.url];
    const rollout = {
      steps: [
        { weight: 50, pauseSeconds: 30, gate: 'manual' as const },
        { weight: 100, pauseSeconds: 0 },
      ],
    };
    await rt.api.register({ name: 'cli-tree', image: 'tree:1', port: 8080, replicas: 2, rollout });
    const accepted = await rt.api.deploy('cli-tree', { image: 'tree:2' });
    await rt.api.waitForDeployment('cli-tree', accepted.deploymentId, 'paused at the gate', (d) => d.status === 'paused');

    const tree = await runCli(['deployments', 'get', 'cli-tree', ...api]);
    expect(tree.exitCode).toBe(0);
    expect(tree.stdout).toContain(`deployment ${accepted.deploymentId} of cli-tree: tree:2 (canary)`);
    expect(tree.stdout).toContain('├─ step 1 at 50% [manual gate]: held');
    expect(tree.stdout).toMatch(/canary: error rate .* \(limit 1%\), p99 .* \(limit 500 ms\)/);
    expect(tree.stdout).toContain('└─ step 2 at 100%: to come');

    // No id: the rollout in progress. Then `get --watch` follows it and exits 0 once promoted.
    expect((await runCli(['promote', 'cli-tree', ...api])).exitCode).toBe(0);
    const watched = await runCli(['deployments', 'get', 'cli-tree', accepted.deploymentId, '--watch', '--timeout', '60', ...api]);
    expect(watched.exitCode).toBe(0);
    expect(watched.stdout).toContain('status: promoted');

    // A bad canary: deploy --watch ends with exit code 2 (rolled back), not 1 (error).
    rt.sim.faults.traffic({ image: 'tree:3', errorRate: 0.3 });
    await rt.api.update('cli-tree', {
      name: 'cli-tree',
      image: 'tree:2',
      port: 8080,
      replicas: 2,
      rollout: {
        steps: [
          { weight: 50, pauseSeconds: 30 },
          { weight: 100, pauseSeconds: 0 },
        ],
      },
    });
    const bad = await runCli(['deploy', 'cli-tree', '--image', 'tree:3', '--watch', ...api], 80_000);
    expect(bad.stdout).toMatch(/rolledBack/);
    expect(bad.exitCode).toBe(2);
    // Nothing in progress any more: abort without an id says so.
    const none = await runCli(['abort', 'cli-tree', ...api]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('cli-tree has no rollout in progress');
  }, 150_000);

  it('exits non-zero with the API’s message on a bad request', async () => {
    const rt = runtime();
    const run = await runCli(['rollback', 'no-such-service', '--api', rt.url]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/service "no-such-service" is not registered/);
  });
});

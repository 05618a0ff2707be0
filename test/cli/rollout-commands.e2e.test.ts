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

  it('exits non-zero with the API’s message on a bad request', async () => {
    const rt = runtime();
    const run = await runCli(['rollback', 'no-such-service', '--api', rt.url]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/service "no-such-service" is not registered/);
  });
});

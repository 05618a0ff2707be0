import { describe, expect, it } from 'vitest';
import { useE2eRuntime } from './support/e2e-runtime.js';

/**
 * Rollouts whose surroundings change under them must still end: a service deregistered mid-rollout,
 * and an execution that ends without finishing its deployment (a failed rollback, a manual
 * StopExecution, the history limit). Either way nothing stays "running" to block the service.
 */
describe('rollouts that lose their footing', () => {
  const runtime = useE2eRuntime();

  it('aborts the running and the queued deployment and leaves nothing in the cluster', async () => {
    const rt = runtime();
    const gated = {
      steps: [
        { weight: 50, pauseSeconds: 30, gate: 'manual' as const },
        { weight: 100, pauseSeconds: 0 },
      ],
    };
    await rt.api.register({ name: 'going', image: 'going:1', port: 8080, replicas: 2, rollout: gated });
    await rt.api.waitForReadyReplicas('going', 2);
    const running = await rt.api.deploy('going', { image: 'going:2' });
    await rt.api.waitForDeployment('going', running.deploymentId, 'paused at the gate', (d) => d.status === 'paused');
    const queued = await rt.api.deploy('going', { image: 'going:3' });
    await rt.api.waitForDeployment('going', queued.deploymentId, 'queued', (d) => d.status === 'pending');

    await rt.api.deregister('going');

    const [first, second] = await Promise.all([
      rt.api.waitForDeploymentEnd('going', running.deploymentId),
      rt.api.waitForDeploymentEnd('going', queued.deploymentId),
    ]);
    expect(first.status).toBe('aborted');
    expect(first.reason).toBe('the service was deregistered');
    expect(second.status).toBe('aborted');
    expect(second.reason).toBe('the service was deregistered');
    expect((await rt.api.request('GET', '/v1/services/going')).status).toBe(404);
    await expect.poll(async () => (await rt.cluster.managedObjects()).filter((o) => o.name.startsWith('going')), { timeout: 20_000 }).toEqual([]);
  }, 90_000);

  it('is ended as failed with its canary removed, and the deployment queued behind it starts', async () => {
    const rt = runtime();
    const gated = {
      steps: [
        { weight: 30, pauseSeconds: 30, gate: 'manual' as const },
        { weight: 100, pauseSeconds: 0 },
      ],
    };
    await rt.api.register({ name: 'lost', image: 'lost:1', port: 8080, replicas: 2, rollout: gated });
    await rt.api.waitForReadyReplicas('lost', 2);
    const stuck = await rt.api.deploy('lost', { image: 'lost:2' });
    await rt.api.waitForDeployment('lost', stuck.deploymentId, 'paused at the gate', (d) => d.status === 'paused');
    const queued = await rt.api.deploy('lost', { image: 'lost:3', rollout: { steps: [{ weight: 100, pauseSeconds: 0 }] } });

    // Like StopExecution: the execution ends, no rollback runs, the records still say "paused".
    await rt.runtime.rollouts.stop(stuck.deploymentId);

    const ended = await rt.api.waitForDeploymentEnd('lost', stuck.deploymentId);
    expect(ended.status).toBe('failed');
    expect(ended.reason).toMatch(/execution ended without finishing/);
    const next = await rt.api.waitForDeploymentEnd('lost', queued.deploymentId);
    expect(next.status).toBe('promoted');
    const service = await rt.api.service('lost');
    expect(service.spec.image).toBe('lost:3');
    expect(service.traffic).toBeUndefined();
  }, 90_000);

  it('aborts a manual gate nobody promotes within its timeout, with the reason', async () => {
    const rt = runtime();
    const gated = {
      steps: [
        { weight: 40, pauseSeconds: 30, gate: 'manual' as const, gateTimeoutSeconds: 60 },
        { weight: 100, pauseSeconds: 0 },
      ],
    };
    await rt.api.register({ name: 'forgotten', image: 'forgotten:1', port: 8080, replicas: 2, rollout: gated });
    await rt.api.waitForReadyReplicas('forgotten', 2);
    const deploy = await rt.api.deploy('forgotten', { image: 'forgotten:2' });
    const ended = await rt.api.waitForDeploymentEnd('forgotten', deploy.deploymentId);
    expect(ended.status).toBe('aborted');
    expect(ended.reason).toMatch(/manual gate was not promoted within 60 s/);
    const service = await rt.api.service('forgotten');
    expect(service.spec.image).toBe('forgotten:1');
    expect(service.traffic).toBeUndefined();
  }, 90_000);
});

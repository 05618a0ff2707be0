import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';

/** Deregistering a service mid-rollout ends its deployments cleanly instead of leaving them running. */
describe('deregistration during a rollout', () => {
  let rt: E2eRuntime;

  beforeAll(async () => {
    rt = await startE2eRuntime();
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
  });

  it('aborts the running and the queued deployment and leaves nothing in the cluster', async () => {
    const gated = { steps: [{ weight: 50, pauseSeconds: 30, gate: 'manual' as const }, { weight: 100, pauseSeconds: 0 }] };
    await rt.api.register({ name: 'going', image: 'going:1', port: 8080, replicas: 2, rollout: gated });
    await rt.api.waitForReadyReplicas('going', 2);
    const running = await rt.api.deploy('going', { image: 'going:2' });
    await rt.api.waitForDeployment('going', running.deploymentId, 'paused at the gate', (d) => d.status === 'paused');
    const queued = await rt.api.deploy('going', { image: 'going:3' });
    await rt.api.waitForDeployment('going', queued.deploymentId, 'queued', (d) => d.status === 'pending');

    await rt.api.deregister('going');

    const [first, second] = await Promise.all([rt.api.waitForDeploymentEnd('going', running.deploymentId), rt.api.waitForDeploymentEnd('going', queued.deploymentId)]);
    expect(first.status).toBe('aborted');
    expect(first.reason).toBe('the service was deregistered');
    expect(second.status).toBe('aborted');
    expect(second.reason).toBe('the service was deregistered');
    expect((await rt.api.request('GET', '/v1/services/going')).status).toBe(404);
    // The only service of this runtime: nothing meshplane-owned may be left.
    await expect.poll(() => rt.cluster.managedObjects(), { timeout: 20_000 }).toEqual([]);
  }, 90_000);
});

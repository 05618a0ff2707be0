import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';

/**
 * A deployment whose execution ends without finishing it (a failed rollback, a manual StopExecution,
 * the history limit) must not block the service: the periodic reconcile ends it and the queue moves.
 */
describe('a rollout whose execution is lost', () => {
  let rt: E2eRuntime;

  beforeAll(async () => {
    rt = await startE2eRuntime();
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
  });

  it('is ended as failed with its canary removed, and the deployment queued behind it starts', async () => {
    const gated = { steps: [{ weight: 30, pauseSeconds: 30, gate: 'manual' as const }, { weight: 100, pauseSeconds: 0 }] };
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
});

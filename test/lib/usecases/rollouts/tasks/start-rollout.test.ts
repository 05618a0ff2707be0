import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../../../lib/errors.js';
import { canaryReplicasFor } from '../../../../../lib/rollout/canary-replicas.js';
import { startRollout } from '../../../../../lib/usecases/rollouts/tasks/start-rollout.js';
import { clusterDeployment, clusterImage, eventTypes, pendingDeployment, registerService, target, useTaskWorld } from './task-world.js';

const world = useTaskWorld();

describe('startRollout', () => {
  it('runs the deployment and creates the canary next to stable with no traffic; a retry changes nothing', async () => {
    const w = world();
    await registerService(w, 'start-a');
    const d = await pendingDeployment(w, 'start-a', 'registry.example.com/test/start-a:2.0.0');

    expect(await startRollout(w.app, { action: 'start', ...target(d), strategy: 'canary' })).toEqual({ workload: 'start-a-canary' });

    expect(await w.app.store.getDeployment('start-a', d.id)).toMatchObject({ status: 'running' });
    const svc = await w.app.store.getService('start-a');
    expect(svc?.traffic).toMatchObject({
      deploymentId: d.id,
      canaryImage: d.image,
      canaryWeight: 0,
      canaryReplicas: canaryReplicasFor(0, 2),
      canaryRevision: 2,
    });
    expect(svc?.traffic?.preview).toBeUndefined();
    expect(svc?.revision).toBe(1);
    expect(await clusterImage(w, 'start-a-canary')).toBe(d.image);
    expect(await clusterImage(w, 'start-a')).toBe('registry.example.com/test/start-a:1.0.0');

    // The state machine retries a task whose answer was lost: the second run finds the canary in place.
    await startRollout(w.app, { action: 'start', ...target(d), strategy: 'canary' });
    expect((await w.app.store.getService('start-a'))?.version).toBe(svc?.version);
    expect((await eventTypes(w, 'start-a')).filter((t) => t === 'CanaryCreated')).toHaveLength(1);
  });

  it('blue/green: the preview gets the full replica count, still without traffic', async () => {
    const w = world();
    await registerService(w, 'start-bg', { replicas: 3 });
    const d = await pendingDeployment(w, 'start-bg', 'registry.example.com/test/start-bg:2.0.0', { strategy: 'blueGreen' });

    await startRollout(w.app, { action: 'start', ...target(d), strategy: 'blueGreen' });

    expect((await w.app.store.getService('start-bg'))?.traffic).toMatchObject({ deploymentId: d.id, canaryReplicas: 3, canaryWeight: 0, preview: true });
  });

  it('a rejected deployment (abort recorded before this execution started) gets no canary', async () => {
    const w = world();
    await registerService(w, 'start-rejected');
    const d = await pendingDeployment(w, 'start-rejected', 'registry.example.com/test/start-rejected:2.0.0', {
      requested: 'abort',
      rejection: 'analysis failed: error rate 0.4 above 0.01',
    });

    expect(await startRollout(w.app, { action: 'start', ...target(d), strategy: 'canary' })).toEqual({ workload: 'start-rejected-canary' });

    const svc = await w.app.store.getService('start-rejected');
    expect(svc?.traffic).toBeUndefined();
    expect(svc?.version).toBe(1);
    expect(await clusterDeployment(w, 'start-rejected-canary')).toBeUndefined();
    expect(await eventTypes(w, 'start-rejected')).not.toContain('CanaryCreated');
    // The rejection stays on record for the rollback that ends it.
    expect(await w.app.store.getDeployment('start-rejected', d.id)).toMatchObject({
      requested: 'abort',
      rejection: 'analysis failed: error rate 0.4 above 0.01',
    });
  });

  it('refuses a second rollout while another deployment holds the traffic, leaving the first canary as it was', async () => {
    const w = world();
    await registerService(w, 'start-busy');
    const first = await pendingDeployment(w, 'start-busy', 'registry.example.com/test/start-busy:2.0.0');
    await startRollout(w.app, { action: 'start', ...target(first), strategy: 'canary' });
    const second = await pendingDeployment(w, 'start-busy', 'registry.example.com/test/start-busy:3.0.0');

    await expect(startRollout(w.app, { action: 'start', ...target(second), strategy: 'canary' })).rejects.toBeInstanceOf(ConflictError);

    expect((await w.app.store.getService('start-busy'))?.traffic).toMatchObject({ deploymentId: first.id, canaryImage: first.image });
    expect(await clusterImage(w, 'start-busy-canary')).toBe(first.image);
  });
});

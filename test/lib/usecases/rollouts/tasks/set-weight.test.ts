import { describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../../../lib/errors.js';
import { canaryReplicasFor } from '../../../../../lib/rollout/canary-replicas.js';
import { setWeight } from '../../../../../lib/usecases/rollouts/tasks/set-weight.js';
import { clusterDeployment, eventTypes, pendingDeployment, readyOnCluster, registerService, startedRollout, target, useTaskWorld } from './task-world.js';

// A short pod wait, so a canary that never becomes ready fails the task quickly (the state machine retries it).
const world = useTaskWorld({ podWaitMs: 1_500 });

describe('setWeight', () => {
  it('scales the canary for the weight, and once its pods are ready routes the weight to it; a retry changes nothing', async () => {
    const w = world();
    const d = await startedRollout(w, 'weight-a', 'registry.example.com/test/weight-a:2.0.0');
    const replicas = canaryReplicasFor(50, 2);

    expect(await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 50 })).toEqual({ weight: 50, then: 'observe' });

    expect((await w.app.store.getService('weight-a'))?.traffic).toMatchObject({ deploymentId: d.id, canaryWeight: 50, canaryReplicas: replicas });
    const deployment = await w.app.store.getDeployment('weight-a', d.id);
    expect(deployment).toMatchObject({ currentStep: 0, currentWeight: 50 });
    expect(deployment?.steps).toMatchObject([{ index: 0, weight: 50 }]);
    expect((await clusterDeployment(w, 'weight-a-canary'))?.spec?.replicas).toBe(replicas);
    await readyOnCluster(w, 'weight-a-canary', replicas);

    const version = (await w.app.store.getService('weight-a'))?.version;
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 50 });
    expect((await w.app.store.getService('weight-a'))?.version).toBe(version);
    expect((await eventTypes(w, 'weight-a')).filter((t) => t === 'TrafficShifted')).toHaveLength(1);
  });

  it('a canary whose pods crash-loop gets no traffic and is rejected with a reason a person reads, without using up the retries', async () => {
    const w = world();
    const image = 'registry.example.com/test/weight-crash:2.0.0';
    w.sim.faults.crashLoop(image);
    const d = await startedRollout(w, 'weight-crash', image);

    // Until a pod is seen in CrashLoopBackOff the task fails retryably (pods may still be starting), as the state machine would retry it.
    let result: { weight: number } | undefined;
    for (let attempt = 0; attempt < 10 && !result; attempt++) {
      result = await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 25 }).catch((err: unknown) => {
        expect(err).toBeInstanceOf(TransientError);
        return undefined;
      });
    }
    expect(result).toEqual({ weight: 0, then: 'decide' });

    const traffic = (await w.app.store.getService('weight-crash'))?.traffic;
    expect(traffic?.canaryWeight).toBe(0);
    expect(traffic?.canaryReplicas).toBe(canaryReplicasFor(25, 2));
    expect(await eventTypes(w, 'weight-crash')).not.toContain('TrafficShifted');
    const rejected = await w.app.store.getDeployment('weight-crash', d.id);
    expect(rejected).toMatchObject({ requested: 'abort' });
    expect(rejected?.rejection).toMatch(/^analysis failed: canary pods crash-looping: 1 of 1 pod, \d+ restarts? \(CrashLoopBackOff\)$/);
    expect(rejected?.currentWeight).toBeUndefined();
  });

  it('stops waiting for pods as soon as the deployment is asked to abort, leaving the traffic as it is', async () => {
    const w = world();
    const image = 'registry.example.com/test/weight-abort:2.0.0';
    w.sim.faults.crashLoop(image);
    const d = await startedRollout(w, 'weight-abort', image);
    const current = (await w.app.store.getDeployment('weight-abort', d.id))!;
    await w.app.store.putDeployment({ ...current, requested: 'abort', version: current.version + 1 }, current.version);

    expect(await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 25 })).toEqual({ weight: 0, then: 'decide' });
    expect((await w.app.store.getService('weight-abort'))?.traffic?.canaryWeight).toBe(0);
    const after = await w.app.store.getDeployment('weight-abort', d.id);
    expect(after).toMatchObject({ requested: 'abort' });
    expect(after?.rejection).toBeUndefined(); // a person's abort: the analysis reports it as such
  });

  it('refuses a deployment that holds no traffic state on the service', async () => {
    const w = world();
    await registerService(w, 'weight-none');
    const d = await pendingDeployment(w, 'weight-none', 'registry.example.com/test/weight-none:2.0.0');

    await expect(setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 10 })).rejects.toBeInstanceOf(TerminalError);
    expect((await w.app.store.getService('weight-none'))?.traffic).toBeUndefined();
    expect(await clusterDeployment(w, 'weight-none-canary')).toBeUndefined();
  });
});

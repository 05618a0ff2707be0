import { describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../../../lib/errors.js';
import { promote } from '../../../../../lib/usecases/rollouts/tasks/promote.js';
import { setWeight } from '../../../../../lib/usecases/rollouts/tasks/set-weight.js';
import { clusterDeployment, clusterImage, eventTypes, reject, startedRollout, target, useTaskWorld } from './task-world.js';

const world = useTaskWorld({ podWaitMs: 10_000 });
const OLD = (name: string) => `registry.example.com/test/${name}:1.0.0`;

describe('promote', () => {
  it('makes the new image stable as a new revision, then moves traffic back to stable and removes the canary; a retry changes nothing', async () => {
    const w = world();
    const d = await startedRollout(w, 'promote-a', 'registry.example.com/test/promote-a:2.0.0');
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 100 });

    expect(await promote(w.app, { action: 'promote', ...target(d), strategy: 'canary' })).toEqual({ revision: 2 });

    const svc = await w.app.store.getService('promote-a');
    expect(svc).toMatchObject({ revision: 2, spec: { image: d.image } });
    expect(svc?.traffic).toBeUndefined();
    expect((await w.app.store.getRevision('promote-a', 2))?.spec.image).toBe(d.image);
    expect(await w.app.store.getDeployment('promote-a', d.id)).toMatchObject({ toRevision: 2, currentWeight: 100 });
    expect(await clusterImage(w, 'promote-a')).toBe(d.image);
    expect(await clusterDeployment(w, 'promote-a-canary')).toBeUndefined();
    expect(await eventTypes(w, 'promote-a')).toEqual(expect.arrayContaining(['RevisionPromoted', 'CanaryRemoved']));

    const version = svc?.version;
    expect(await promote(w.app, { action: 'promote', ...target(d), strategy: 'canary' })).toEqual({ revision: 2 });
    expect((await w.app.store.getService('promote-a'))?.version).toBe(version);
    expect((await eventTypes(w, 'promote-a')).filter((t) => t === 'RevisionPromoted')).toHaveLength(1);
  });

  it('refuses a deployment whose rejection is recorded: nothing becomes stable, the canary stays for the rollback', async () => {
    const w = world();
    const d = await startedRollout(w, 'promote-rejected', 'registry.example.com/test/promote-rejected:2.0.0');
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 100 });
    await reject(w, d, 'analysis failed: error rate 0.3 above 0.01');

    const refused = promote(w.app, { action: 'promote', ...target(d), strategy: 'canary' });
    await expect(refused).rejects.toBeInstanceOf(TerminalError);
    await expect(refused).rejects.toThrow(/rejected \(analysis failed: error rate 0\.3 above 0\.01\)/);

    const svc = await w.app.store.getService('promote-rejected');
    expect(svc).toMatchObject({ revision: 1, spec: { image: OLD('promote-rejected') } });
    expect(svc?.traffic).toMatchObject({ deploymentId: d.id, canaryWeight: 100 });
    expect(await w.app.store.getRevision('promote-rejected', 2)).toBeUndefined();
    expect((await w.app.store.getDeployment('promote-rejected', d.id))?.toRevision).toBeUndefined();
    expect(await eventTypes(w, 'promote-rejected')).not.toContain('RevisionPromoted');
    expect(await clusterImage(w, 'promote-rejected')).toBe(OLD('promote-rejected'));
  });

  it('keeps traffic on the new pods while stable cannot roll out: fails retryably with the revision already recorded', async () => {
    const w = world();
    const image = 'registry.example.com/test/promote-slow:2.0.0';
    const d = await startedRollout(w, 'promote-slow', image);
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 100 });
    // From now on pods of the new image never become ready: stable's rollout to it cannot complete.
    w.sim.faults.unready(image);
    try {
      await expect(promote({ ...w.app, podWaitMs: 1_000 }, { action: 'promote', ...target(d), strategy: 'canary' })).rejects.toBeInstanceOf(TransientError);
    } finally {
      w.sim.faults.clear();
    }

    const svc = await w.app.store.getService('promote-slow');
    expect(svc).toMatchObject({ revision: 2, spec: { image } });
    expect(svc?.traffic).toMatchObject({ deploymentId: d.id, promotedRevision: 2, canaryWeight: 100 });
    expect(await eventTypes(w, 'promote-slow')).not.toContain('CanaryRemoved');
    expect((await w.app.store.getDeployment('promote-slow', d.id))?.toRevision).toBeUndefined();
    expect(await clusterDeployment(w, 'promote-slow-canary')).toBeDefined();
  });
});

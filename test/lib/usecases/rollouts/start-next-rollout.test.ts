/**
 * The rollout queue's safety net (startNextRollout, run by the probe's reconcile and after every
 * rollout task) for a deployment whose execution is over without having ended it. Dynalite and the
 * simulated cluster over HTTP (see task-world.ts); the workflow port records executions and reports
 * the ones a test marks ended.
 */
import { describe, expect, it } from 'vitest';
import { startNextRollout } from '../../../../lib/usecases/rollouts/start-next-rollout.js';
import { setWeight } from '../../../../lib/usecases/rollouts/tasks/set-weight.js';
import { clusterDeployment, clusterImage, eventTypes, reject, startedRollout, target, useTaskWorld } from './tasks/task-world.js';

const world = useTaskWorld({ podWaitMs: 10_000 });

describe('startNextRollout with an execution that is over', () => {
  it.each([
    { rejection: 'aborted: aborted on request', status: 'aborted' },
    { rejection: 'analysis failed: error rate 0.4 above 0.01', status: 'rolledBack' },
  ])('rolls a rejected deployment back ($status) once, even with two callers at the same time', async ({ rejection, status }) => {
    const w = world();
    const name = `lost-${status.toLowerCase()}`;
    const d = await startedRollout(w, name, `registry.example.com/test/${name}:2.0.0`);
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 25 });
    await reject(w, d, rejection);
    w.ended.add(d.id);

    // The probe's reconcile and a rollout task of another deployment of the service, side by side.
    await Promise.all([startNextRollout(w.app, name), startNextRollout(w.app, name)]);

    const types = await eventTypes(w, name);
    expect(types.filter((t) => t === 'RolloutRolledBack')).toHaveLength(1);
    expect(types).not.toContain('RolloutEnded');
    expect(await w.app.store.getDeployment(name, d.id)).toMatchObject({ status, reason: rejection });
    expect((await w.app.store.getService(name))?.traffic).toBeUndefined();
    expect(await clusterDeployment(w, `${name}-canary`)).toBeUndefined();
    expect(await clusterImage(w, name)).toBe(`registry.example.com/test/${name}:1.0.0`);
  });

  it('ends a deployment nobody rejected as failed, with its canary removed', async () => {
    const w = world();
    const d = await startedRollout(w, 'lost-plain', 'registry.example.com/test/lost-plain:2.0.0');
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 25 });
    w.ended.add(d.id);

    await startNextRollout(w.app, 'lost-plain');

    expect(await eventTypes(w, 'lost-plain')).toContain('RolloutEnded');
    expect(await eventTypes(w, 'lost-plain')).not.toContain('RolloutRolledBack');
    expect(await w.app.store.getDeployment('lost-plain', d.id)).toMatchObject({ status: 'failed' });
    expect((await w.app.store.getService('lost-plain'))?.traffic).toBeUndefined();
  });
});

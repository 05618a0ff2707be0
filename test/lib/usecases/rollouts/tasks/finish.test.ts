import { describe, expect, it } from 'vitest';
import { finish } from '../../../../../lib/usecases/rollouts/tasks/finish.js';
import { promote } from '../../../../../lib/usecases/rollouts/tasks/promote.js';
import { setWeight } from '../../../../../lib/usecases/rollouts/tasks/set-weight.js';
import { eventTypes, pendingDeployment, startedRollout, target, useTaskWorld } from './task-world.js';

const world = useTaskWorld();

describe('finish', () => {
  it('records the deployment promoted once, and starts the next queued deployment from the new stable revision', async () => {
    const w = world();
    const d = await startedRollout(w, 'finish-a', 'registry.example.com/test/finish-a:2.0.0');
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 100 });
    await promote(w.app, { action: 'promote', ...target(d), strategy: 'canary' });
    const queued = await pendingDeployment(w, 'finish-a', 'registry.example.com/test/finish-a:3.0.0');

    expect(await finish(w.app, { action: 'finish', ...target(d) })).toEqual({ status: 'promoted' });

    const done = await w.app.store.getDeployment('finish-a', d.id);
    expect(done).toMatchObject({ status: 'promoted', toRevision: 2 });
    expect(done?.requested).toBeUndefined();
    expect(await w.app.store.getDeployment('finish-a', queued.id)).toMatchObject({ status: 'running', fromRevision: 2 });
    expect(w.executions).toContain(queued.id);

    // A retried finish changes nothing.
    await finish(w.app, { action: 'finish', ...target(d) });
    expect((await w.app.store.getDeployment('finish-a', d.id))?.version).toBe(done?.version);
    expect((await eventTypes(w, 'finish-a')).filter((t) => t === 'RolloutPromoted')).toHaveLength(1);
  });
});

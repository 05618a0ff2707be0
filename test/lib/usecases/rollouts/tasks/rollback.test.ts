import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../../lib/errors.js';
import { promote } from '../../../../../lib/usecases/rollouts/tasks/promote.js';
import { readableTaskFailure } from '../../../../../lib/usecases/rollouts/roll-back-deployment.js';
import { rollback } from '../../../../../lib/usecases/rollouts/tasks/rollback.js';
import { setWeight } from '../../../../../lib/usecases/rollouts/tasks/set-weight.js';
import { clusterDeployment, clusterImage, eventTypes, pendingDeployment, startedRollout, target, useTaskWorld } from './task-world.js';

const world = useTaskWorld({ podWaitMs: 10_000 });
const OLD = (name: string) => `registry.example.com/test/${name}:1.0.0`;

describe('rollback', () => {
  it('records RolloutRolledBack only once the cluster holds stable alone: an unreachable API server leaves the rejection on record and nothing else', async () => {
    const w = world();
    const d = await startedRollout(w, 'rollback-a', 'registry.example.com/test/rollback-a:2.0.0');
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 25 });
    const req = {
      action: 'rollback' as const,
      ...target(d),
      strategy: 'canary' as const,
      cause: 'analysisFailed' as const,
      details: ['error rate 0.4 above 0.01'],
    };

    // Every Kubernetes API request fails: the task cannot converge the cluster.
    w.sim.faults.api({ status: 500, rate: 1 });
    try {
      await expect(rollback(w.app, req)).rejects.toBeInstanceOf(TransientError);
    } finally {
      w.sim.faults.clear();
    }
    // The rejection is durable (no later execution promotes it), the rollback itself is not on record.
    expect(await w.app.store.getDeployment('rollback-a', d.id)).toMatchObject({
      status: 'running',
      requested: 'abort',
      rejection: 'analysis failed: error rate 0.4 above 0.01',
    });
    expect((await w.app.store.getService('rollback-a'))?.traffic).toMatchObject({ deploymentId: d.id, canaryWeight: 25 });
    expect(await eventTypes(w, 'rollback-a')).not.toContain('RolloutRolledBack');
    expect(await clusterImage(w, 'rollback-a-canary')).toBe(d.image);

    // The state machine retries: now the cluster is converged first, then the rollback is recorded.
    expect(await rollback(w.app, req)).toEqual({ rolledBack: true });
    expect(await clusterDeployment(w, 'rollback-a-canary')).toBeUndefined();
    expect(await clusterImage(w, 'rollback-a')).toBe(OLD('rollback-a'));
    const svc = await w.app.store.getService('rollback-a');
    expect(svc?.traffic).toBeUndefined();
    expect(svc).toMatchObject({ revision: 1, spec: { image: OLD('rollback-a') } });
    const ended = await w.app.store.getDeployment('rollback-a', d.id);
    expect(ended).toMatchObject({ status: 'rolledBack', reason: 'analysis failed: error rate 0.4 above 0.01' });
    expect(ended?.requested).toBeUndefined();
    expect(ended?.rejection).toBeUndefined();
    expect((await eventTypes(w, 'rollback-a')).filter((t) => t === 'RolloutRolledBack')).toHaveLength(1);

    // Run once more (a duplicate): nothing changes.
    const version = svc?.version;
    await rollback(w.app, req);
    expect((await w.app.store.getService('rollback-a'))?.version).toBe(version);
    expect((await eventTypes(w, 'rollback-a')).filter((t) => t === 'RolloutRolledBack')).toHaveLength(1);
  });

  it('after the promotion had switched stable, brings the previous spec back as a new revision', async () => {
    const w = world();
    const image = 'registry.example.com/test/rollback-late:2.0.0';
    const d = await startedRollout(w, 'rollback-late', image);
    await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 100 });
    // The promotion records revision 2 but stable cannot roll out to it (its new pods never become ready).
    w.sim.faults.unready(image);
    try {
      await expect(promote({ ...w.app, podWaitMs: 500 }, { action: 'promote', ...target(d), strategy: 'canary' })).rejects.toBeInstanceOf(TransientError);
    } finally {
      w.sim.faults.clear();
    }
    expect((await w.app.store.getService('rollback-late'))?.traffic?.promotedRevision).toBe(2);

    await rollback(w.app, { action: 'rollback', ...target(d), strategy: 'canary', cause: 'taskFailed', details: ['TransientError', 'stable is rolling out'] });

    const svc = await w.app.store.getService('rollback-late');
    expect(svc).toMatchObject({ revision: 3, spec: { image: OLD('rollback-late') } });
    expect(svc?.traffic).toBeUndefined();
    expect((await w.app.store.getRevision('rollback-late', 3))?.spec.image).toBe(OLD('rollback-late'));
    expect(await clusterImage(w, 'rollback-late')).toBe(OLD('rollback-late'));
    expect(await clusterDeployment(w, 'rollback-late-canary')).toBeUndefined();
    expect(await w.app.store.getDeployment('rollback-late', d.id)).toMatchObject({
      status: 'rolledBack',
      reason: 'a rollout step failed: stable is rolling out',
    });
  });

  it('an abort ends the deployment aborted, and the next queued deployment starts', async () => {
    const w = world();
    const d = await startedRollout(w, 'rollback-abort', 'registry.example.com/test/rollback-abort:2.0.0');
    const queued = await pendingDeployment(w, 'rollback-abort', 'registry.example.com/test/rollback-abort:3.0.0');

    await rollback(w.app, { action: 'rollback', ...target(d), strategy: 'canary', cause: 'aborted', details: ['aborted on request'] });

    expect(await w.app.store.getDeployment('rollback-abort', d.id)).toMatchObject({ status: 'aborted', reason: 'aborted: aborted on request' });
    expect(await clusterDeployment(w, 'rollback-abort-canary')).toBeUndefined();
    expect(await w.app.store.getDeployment('rollback-abort', queued.id)).toMatchObject({ status: 'running', fromRevision: 1 });
    expect(w.executions).toContain(queued.id);
  });
});

describe('readableTaskFailure', () => {
  it.each([
    { details: ['TransientError', 'Prometheus unavailable'], readable: ['Prometheus unavailable'] },
    {
      details: ['TerminalError', JSON.stringify({ errorType: 'TerminalError', errorMessage: 'VirtualService rejected', trace: ['at x'] })],
      readable: ['VirtualService rejected'],
    },
    { details: ['States.Timeout'], readable: ['States.Timeout'] },
  ])('shows a person the message of $details.0, not the class name', ({ details, readable }) => expect(readableTaskFailure(details)).toEqual(readable));
});

import { describe, expect, it } from 'vitest';
import type { ReleaseItem, ReleaseRecord } from '../../../lib/model/release.js';
import { decideLevel, decideWindDown, observeItem, type DeploymentView, type ItemObservation } from '../../../lib/release/decide.js';

const item = (service: string, level: number, status: ReleaseItem['status'], extra: Partial<ReleaseItem> = {}): ReleaseItem => ({
  service,
  image: `${service}:2`,
  level,
  status,
  ...(status !== 'pending' ? { deploymentId: `dep-${service}` } : {}),
  ...extra,
});

const release = (items: ReleaseItem[], extra: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  id: 'rel-1',
  status: 'running',
  onFailure: 'rollbackAll',
  levels: [],
  items,
  intervalSeconds: 30,
  currentLevel: 0,
  operationId: 'op-1',
  version: 1,
  createdAt: '2026-12-05T00:00:00.000Z',
  updatedAt: '2026-12-05T00:00:00.000Z',
  ...extra,
});

const dep = (status: DeploymentView['status'], extra: Partial<DeploymentView> = {}): DeploymentView => ({ status, fromRevision: 1, ...extra });
const seen = (deployment?: DeploymentView, extra: Partial<ItemObservation> = {}): ItemObservation => ({ deployment, ...extra });

describe('observeItem', () => {
  it.each([
    { deployment: undefined, status: 'running' },
    { deployment: dep('pending'), status: 'running' },
    { deployment: dep('paused'), status: 'running' },
    { deployment: dep('promoted', { toRevision: 2 }), status: 'succeeded' },
    { deployment: dep('rolledBack', { reason: 'analysis failed: error rate 0.3' }), status: 'failed' },
    { deployment: dep('failed'), status: 'failed' },
    { deployment: dep('aborted'), status: 'aborted' },
    { deployment: dep('superseded'), status: 'aborted' },
  ])('a running item whose deployment is $deployment.status is $status', ({ deployment, status }) => {
    expect(observeItem(item('api', 0, 'running'), seen(deployment)).status).toBe(status);
  });

  it('a deploy request that failed fails the item with its reason', () => {
    expect(observeItem(item('api', 0, 'running'), { requestFailed: 'service "api" is not registered' })).toMatchObject({
      status: 'failed',
      reason: 'its deploy request failed: service "api" is not registered',
    });
  });

  it('records the revisions of a promoted deployment', () => {
    expect(observeItem(item('api', 0, 'running'), seen(dep('promoted', { fromRevision: 4, toRevision: 5 })))).toMatchObject({ fromRevision: 4, toRevision: 5 });
  });
});

describe('decideLevel', () => {
  it.each([
    { name: 'every item promoted', deps: { a: dep('promoted'), b: dep('promoted') }, decision: 'next' },
    { name: 'one still running', deps: { a: dep('promoted'), b: dep('running') }, decision: 'wait' },
    { name: 'one rolled back while the other runs', deps: { a: dep('rolledBack'), b: dep('running') }, decision: 'stop' },
    { name: 'one aborted by somebody else', deps: { a: dep('aborted'), b: dep('promoted') }, decision: 'stop' },
  ])('$name: $decision', ({ deps, decision }) => {
    const r = release([item('a', 0, 'running'), item('b', 0, 'running'), item('c', 1, 'pending')]);
    const outcome = decideLevel(r, 0, { a: seen(deps.a), b: seen(deps.b) });
    expect(outcome.decision).toBe(decision);
    expect(outcome.items.find((i) => i.service === 'c')?.status).toBe('pending');
  });

  it('names the failed item and why in the reason', () => {
    const r = release([item('api', 1, 'running')], { currentLevel: 1 });
    expect(decideLevel(r, 1, { api: seen(dep('rolledBack', { reason: 'analysis failed: error rate 30%' })) }).reason).toBe(
      'api failed: its deployment was rolled back: analysis failed: error rate 30%',
    );
  });

  it('stops on an abort request, even with every item promoted', () => {
    const r = release([item('a', 0, 'running')], { requested: 'abort' });
    expect(decideLevel(r, 0, { a: seen(dep('promoted')) })).toMatchObject({ decision: 'stop', reason: 'aborted on request' });
  });

  it('stops when the release is already stopping (a resumed execution)', () => {
    const r = release([item('a', 0, 'succeeded')], { status: 'stopping', reason: 'b failed' });
    expect(decideLevel(r, 0, {})).toMatchObject({ decision: 'stop', reason: 'b failed' });
  });

  it('passes a level released before a restart at the first look', () => {
    const r = release([item('a', 0, 'succeeded'), item('b', 1, 'running')], { currentLevel: 1 });
    expect(decideLevel(r, 0, {}).decision).toBe('next');
  });
});

describe('decideWindDown', () => {
  const stopping = (items: ReleaseItem[], onFailure: ReleaseRecord['onFailure'] = 'rollbackAll') => release(items, { status: 'stopping', onFailure });

  it('aborts running deployments first and waits for them; items never started are aborted', () => {
    const r = stopping([item('db', 0, 'succeeded'), item('api', 1, 'failed'), item('cache', 1, 'running'), item('web', 2, 'pending')]);
    const outcome = decideWindDown(r, { cache: seen(dep('running')) });
    expect(outcome).toMatchObject({ abort: ['cache'], rollback: [], decision: 'wait' });
    expect(outcome.items.find((i) => i.service === 'web')).toMatchObject({ status: 'aborted', reason: 'not started: the train stopped' });
    expect(outcome.items.find((i) => i.service === 'web')?.deploymentId).toBeUndefined();
  });

  it('does not ask twice for an abort already requested, nor for a deployment not recorded yet', () => {
    const r = stopping([item('a', 0, 'running'), item('b', 0, 'running')]);
    expect(decideWindDown(r, { a: seen(dep('running', { requested: 'abort' })), b: seen(undefined) })).toMatchObject({ abort: [], decision: 'wait' });
  });

  it('rolls back the highest released level first, then the one below', () => {
    const items = [item('db', 0, 'succeeded', { fromRevision: 1 }), item('api', 1, 'succeeded', { fromRevision: 3 }), item('web', 2, 'failed')];
    const first = decideWindDown(stopping(items), {});
    expect(first).toMatchObject({ rollback: ['api'], decision: 'wait' });

    const apiRollingBack = [items[0], { ...items[1], rollbackDeploymentId: 'dep-rb-api' }, items[2]];
    expect(decideWindDown(stopping(apiRollingBack), { api: seen(undefined, { rollback: dep('running') }) })).toMatchObject({ rollback: [], decision: 'wait' });

    const apiBack = decideWindDown(stopping(apiRollingBack), { api: seen(undefined, { rollback: dep('promoted') }) });
    expect(apiBack).toMatchObject({ rollback: ['db'], decision: 'wait' });
    expect(apiBack.items[1]).toMatchObject({ status: 'rolledBack' });
  });

  it('ends once every released item is rolled back', () => {
    const items = [item('db', 0, 'rolledBack'), item('api', 1, 'failed'), item('web', 2, 'aborted')];
    expect(decideWindDown(stopping(items), {})).toMatchObject({ rollback: [], abort: [], decision: 'end' });
  });

  it('a rollback that fails is recorded and the level below still rolls back', () => {
    const items = [item('db', 0, 'succeeded', { fromRevision: 1 }), item('api', 1, 'succeeded', { fromRevision: 1, rollbackDeploymentId: 'dep-rb' })];
    const outcome = decideWindDown(stopping(items), { api: seen(undefined, { rollback: dep('rolledBack', { reason: 'analysis failed' }) }) });
    expect(outcome).toMatchObject({ rollback: ['db'], decision: 'wait' });
    expect(outcome.items[1]).toMatchObject({ status: 'succeeded' });
    expect(outcome.items[1].rollbackError).toMatch(/its rollback ended rolledBack: analysis failed/);
  });

  it('with stop, keeps what was released', () => {
    const items = [item('db', 0, 'succeeded'), item('api', 1, 'failed'), item('web', 2, 'pending')];
    const outcome = decideWindDown(stopping(items, 'stop'), {});
    expect(outcome).toMatchObject({ rollback: [], decision: 'end' });
    expect(outcome.items.map((i) => i.status)).toEqual(['succeeded', 'failed', 'aborted']);
  });
});

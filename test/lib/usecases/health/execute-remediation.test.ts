import { describe, expect, it } from 'vitest';
import type { ActDecision, RemediationAction } from '../../../../lib/health/remediation-types.js';
import type { DeploymentRecord } from '../../../../lib/model/records.js';
import { executeRemediation } from '../../../../lib/usecases/health/execute-remediation.js';
import { FakeHealthWorld, node, serviceRecord, T0 } from './health-fakes.js';

const DECIDED_AT = '2030-01-02T00:00:00.000Z';

function decision(action: RemediationAction, signalId = 'sig-1'): ActDecision {
  return { signalId, service: 'checkout', decidedAt: DECIDED_AT, kind: action.kind, action, reason: `${action.kind}: test`, evidence: {} };
}

function deployment(status: DeploymentRecord['status']): DeploymentRecord {
  return {
    id: 'dep-1',
    service: 'checkout',
    image: 'shop/checkout:2',
    status,
    strategy: 'canary',
    fromRevision: 1,
    steps: [],
    operationId: 'op-dep-1',
    version: 1,
    createdAt: T0,
    updatedAt: T0,
  };
}

/** A world where checkout is at revision 2 on cluster `prod` (three nodes, two in zone-b), with a deployment in `deploymentStatus`. */
function world(deploymentStatus: DeploymentRecord['status'] = 'running'): FakeHealthWorld {
  const w = new FakeHealthWorld();
  w.addCluster('prod', { nodes: [node('node-a-1'), node('node-b-1'), node('node-b-2')] });
  w.addService(serviceRecord('checkout', { replicas: 2 }, { revision: 2, podRevision: 2 }));
  w.addDeployment(deployment(deploymentStatus));
  w.clock.set(DECIDED_AT);
  return w;
}

/** What one execution is judged on, read back from the world. */
function state(w: FakeHealthWorld) {
  const svc = w.services.get('checkout')!;
  return {
    restartedAt: svc.restartedAt,
    replicas: svc.spec.replicas,
    revision: svc.revision,
    revisions: w.revisions.filter((r) => r.service === 'checkout').length,
    avoidNodes: svc.placement?.avoidNodes,
    requested: w.deployments.get('checkout/dep-1')?.requested,
    operations: [...w.operations.keys()],
    events: w.events.map((e) => e.type),
  };
}

describe('executeRemediation is idempotent: carrying a decision out twice does what once does', () => {
  it.each<{ name: string; action: RemediationAction; expected: Partial<ReturnType<typeof state>>; result: string }>([
    {
      name: 'restart: stamped with the decision time, restarted once',
      action: { kind: 'restart', pods: [] },
      expected: { restartedAt: DECIDED_AT, revision: 2, events: ['Restarted'] },
      result: 'restarted the pods',
    },
    {
      name: 'scaleOut: an absolute replica count, one new revision',
      action: { kind: 'scaleOut', fromReplicas: 2, toReplicas: 3 },
      expected: { replicas: 3, revision: 3, revisions: 3, events: ['ScaledOut'] },
      result: 'scaled out to 3 replicas',
    },
    {
      name: 'evacuateNode: the node joins the avoided set once',
      action: { kind: 'evacuateNode', node: 'node-a-1', pods: ['p1'] },
      expected: { avoidNodes: ['node-a-1'], events: ['Evacuated'] },
      result: 'moving replicas off node node-a-1',
    },
    {
      name: 'evacuateZone: the zone’s nodes join the avoided set once',
      action: { kind: 'evacuateZone', zone: 'zone-b', pods: ['p1', 'p2'] },
      expected: { avoidNodes: ['node-b-1', 'node-b-2'], events: ['Evacuated'] },
      result: 'moving replicas off zone zone-b',
    },
    {
      name: 'abortRollout: asked once',
      action: { kind: 'abortRollout', rolloutId: 'dep-1' },
      expected: { requested: 'abort', events: ['AbortRequested'] },
      result: 'asked rollout dep-1 to abort',
    },
  ])('$name', async ({ action, expected, result }) => {
    const w = world();
    const deps = w.deps();
    expect(await executeRemediation(deps, decision(action))).toBe(result);
    const once = state(w);
    w.clock.advance(60_000);
    expect(await executeRemediation(deps, decision(action))).toBe(result);
    expect(state(w)).toEqual(once);
    expect(once).toMatchObject(expected);
  });

  it('rollback: the signal id keys it, so a second run finds the same rollback instead of starting another', async () => {
    const w = world();
    const deps = w.deps();
    const rollback = decision({ kind: 'rollback', fromRevision: 'r2', toRevision: 'r1' }, 'sig-rollback');
    const first = await executeRemediation(deps, rollback);
    w.clock.advance(60_000);
    const second = await executeRemediation(deps, rollback);

    expect(first).toMatch(/^rolling back to revision 1 \(deployment dep-rb-[0-9a-f]+\)$/);
    expect(second).toBe(first);
    expect(state(w).operations).toHaveLength(1);
    // Both runs enqueue under the operation's id: the queue deduplicates the second.
    expect(new Set(w.sent.map((e) => e.id)).size).toBe(1);
    expect(w.sent[0]).toMatchObject({ type: 'deploy.requested', payload: { baseRevision: 1, image: 'shop/checkout:1' } });

    // Another signal is another rollback.
    await executeRemediation(deps, decision({ kind: 'rollback', fromRevision: 'r2', toRevision: 'r1' }, 'sig-other'));
    expect(state(w).operations).toHaveLength(2);
  });

  it.each<DeploymentRecord['status']>(['promoted', 'aborted', 'rolledBack'])(
    'abortRollout of a rollout that has ended (%s) is done, not a failure',
    async (status) => {
      const w = world(status);
      expect(await executeRemediation(w.deps(), decision({ kind: 'abortRollout', rolloutId: 'dep-1' }))).toBe('rollout dep-1 had already ended');
      expect(w.deployments.get('checkout/dep-1')?.requested).toBeUndefined();
    },
  );
});

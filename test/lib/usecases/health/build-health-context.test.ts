import { describe, expect, it } from 'vitest';
import { buildHealthContext } from '../../../../lib/usecases/health/build-health-context.js';
import { FakeHealthWorld, serviceRecord } from './health-fakes.js';

/** When revision `n` was created: day n of January 2030. */
const createdAt = (n: number) => `2030-01-${String(n).padStart(2, '0')}T00:00:00.000Z`;

describe('buildHealthContext: the revision the pods run is the one a rollback blames', () => {
  it.each<{ name: string; revision: number; podRevision?: number; expected: { currentRevision: string; previousGoodRevision?: string; promotedAt: string } }>([
    {
      // r4 changed only routing, r5 only the replica count (what the scale-out remediation does): the pods run r3.
      name: 'revision 5 is a replicas-only change on pod revision 3: blame r3, go back to r2',
      revision: 5,
      podRevision: 3,
      expected: { currentRevision: 'r3', previousGoodRevision: 'r2', promotedAt: createdAt(3) },
    },
    {
      name: 'the latest revision changed the pods',
      revision: 5,
      podRevision: 5,
      expected: { currentRevision: 'r5', previousGoodRevision: 'r4', promotedAt: createdAt(5) },
    },
    {
      name: 'a record written before pod revisions were tracked follows the revision',
      revision: 4,
      expected: { currentRevision: 'r4', previousGoodRevision: 'r3', promotedAt: createdAt(4) },
    },
    {
      name: 'the pods still run revision 1 after two routing changes: nothing earlier to go back to',
      revision: 3,
      podRevision: 1,
      expected: { currentRevision: 'r1', previousGoodRevision: undefined, promotedAt: createdAt(1) },
    },
  ])('$name', async ({ revision, podRevision, expected }) => {
    const world = new FakeHealthWorld();
    world.addService(serviceRecord('checkout', {}, { revision, podRevision, updatedAt: createdAt(20) }));
    for (const r of world.revisions) r.createdAt = createdAt(r.revision);

    const context = await buildHealthContext(world.deps(), world.services.get('checkout')!, []);
    expect({ currentRevision: context.currentRevision, previousGoodRevision: context.previousGoodRevision, promotedAt: context.promotedAt }).toEqual(expected);
  });
});

describe('buildHealthContext: the pods as the probe last observed them (no cluster is read)', () => {
  const NOW = '2030-01-02T00:00:00.000Z';
  const secondsBefore = (s: number) => new Date(Date.parse(NOW) - s * 1_000).toISOString();
  const observedPod = {
    name: 'checkout-1',
    node: 'node-a-1',
    zone: 'zone-a',
    ready: false,
    phase: 'Running',
    track: 'stable',
    restarts: 4,
    waitingReason: 'CrashLoopBackOff',
    revision: 'r1',
  };

  it.each<{ name: string; observed?: Record<string, unknown>; expected: { podsUnknown?: RegExp; pods: number; readyReplicas: number } }>([
    { name: 'not observed yet: unknown', expected: { podsUnknown: /has not been observed yet/, pods: 0, readyReplicas: 0 } },
    {
      name: 'observed 20 minutes ago (the probe stopped): unknown',
      observed: {
        desiredReplicas: 2,
        readyReplicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        podsPerZone: {},
        pods: [observedPod],
        observedAt: secondsBefore(1_200),
        cluster: 'prod',
      },
      expected: { podsUnknown: /is 1200 s old/, pods: 0, readyReplicas: 0 },
    },
    {
      name: 'its cluster could not be read: unknown, with why',
      observed: { error: 'cluster prod cannot be read: ECONNREFUSED', observedAt: secondsBefore(30), cluster: 'prod' },
      expected: { podsUnknown: /could not be observed: cluster prod cannot be read: ECONNREFUSED/, pods: 0, readyReplicas: 0 },
    },
    {
      name: 'no cluster registered (state only): no pods, and that is known',
      observed: { error: 'no cluster is registered: state only', observedAt: secondsBefore(30) },
      expected: { pods: 0, readyReplicas: 0 },
    },
    {
      name: 'observed 30 s ago: its pods, crashes counted from restarts while crash-looping',
      observed: {
        desiredReplicas: 2,
        readyReplicas: 1,
        updatedReplicas: 2,
        availableReplicas: 1,
        podsPerZone: {},
        pods: [observedPod, { ...observedPod, name: 'checkout-2', ready: true, restarts: 0, waitingReason: undefined }],
        observedAt: secondsBefore(30),
        cluster: 'prod',
      },
      expected: { pods: 2, readyReplicas: 1 },
    },
  ])('$name', async ({ observed, expected }) => {
    const world = new FakeHealthWorld();
    world.addCluster('prod');
    world.addService(serviceRecord('checkout'));
    world.clock.set(NOW);
    // The observation the probe wrote, or none: the fake derives none from the cluster here.
    world.missingObservations.add('checkout');
    if (observed) world.documents.set('observed/checkout', { value: observed, version: 1 });

    const context = await buildHealthContext(world.deps(), world.services.get('checkout')!, []);
    if (expected.podsUnknown) expect(context.podsUnknown).toMatch(expected.podsUnknown);
    else expect(context.podsUnknown).toBeUndefined();
    expect({ pods: context.pods.length, readyReplicas: context.readyReplicas }).toEqual({ pods: expected.pods, readyReplicas: expected.readyReplicas });
    if (expected.pods === 2)
      expect(context.pods[0]).toEqual({
        name: 'checkout-1',
        node: 'node-a-1',
        zone: 'zone-a',
        ready: false,
        recentCrashes: 4,
        waitingReason: 'CrashLoopBackOff',
        revision: 'r1',
      });
  });
});

describe('buildHealthContext: a rollout already being aborted', () => {
  it.each([
    { requested: undefined, active: true },
    { requested: 'promote' as const, active: true },
    { requested: 'abort' as const, active: false },
  ])('is offered for an abort unless it was asked to abort already (requested: $requested)', async ({ requested, active }) => {
    const world = new FakeHealthWorld();
    const traffic = { deploymentId: 'dep-1', canaryImage: 'shop/checkout:2', canaryWeight: 10, canaryReplicas: 1 };
    world.addService(serviceRecord('checkout', {}, { traffic } as never));
    world.addDeployment({
      id: 'dep-1',
      service: 'checkout',
      image: 'shop/checkout:2',
      status: 'running',
      strategy: 'canary',
      fromRevision: 1,
      steps: [],
      operationId: 'op-2',
      version: 1,
      createdAt: createdAt(2),
      updatedAt: createdAt(2),
      ...(requested ? { requested } : {}),
    });
    const context = await buildHealthContext(world.deps(), world.services.get('checkout')!, []);
    expect(context.activeRollout !== undefined).toBe(active);
  });
});

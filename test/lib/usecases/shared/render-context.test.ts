import { describe, expect, it } from 'vitest';
import type { ServiceRecord } from '../../../../lib/model/records.js';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { neighbourhoodFrom, renderContextFor } from '../../../../lib/usecases/shared/render-context.js';

function record(name: string, extra: Partial<ServiceRecord> = {}, spec: Record<string, unknown> = {}): ServiceRecord {
  return {
    name,
    spec: ServiceSpec.parse({ name, image: `${name}:1`, port: 8080, ...spec }),
    version: 1,
    revision: 3,
    phase: 'active',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    lastOperationId: 'op-1',
    ...extra,
  };
}

describe('renderContextFor', () => {
  const users = record('user-service');
  const none = { callers: [], registeredDependencies: [] };

  it('lists the callers sorted, never the service itself', () => {
    const ctx = renderContextFor(users, {
      callers: [
        { name: 'order-service', namespace: 'default' },
        { name: 'billing', namespace: 'pay' },
        { name: 'user-service', namespace: 'default' },
      ],
      registeredDependencies: [],
    });
    expect(ctx.callers).toEqual([
      { name: 'billing', namespace: 'pay' },
      { name: 'order-service', namespace: 'default' },
    ]);
  });

  it('resolves dependencies to the namespace where they are registered, unregistered ones to its own', () => {
    const billing = record(
      'billing',
      {},
      {
        namespace: 'pay',
        dependencies: [
          { service: 'user-service', rps: 5 },
          { service: 'ledger', rps: 1 },
        ],
      },
    );
    const ctx = renderContextFor(billing, { callers: [], registeredDependencies: [{ name: 'user-service', namespace: 'default' }] });
    expect(ctx.dependencies).toEqual([
      { name: 'user-service', namespace: 'default' },
      { name: 'ledger', namespace: 'pay' },
    ]);
  });

  it('carries a running rollout as a canary one revision ahead with its weight', () => {
    const ctx = renderContextFor(record('user-service', { traffic: { deploymentId: 'dep-1', canaryImage: 'u:2', canaryReplicas: 2, canaryWeight: 25 } }), none);
    expect(ctx.canary).toEqual({ image: 'u:2', replicas: 2, revision: 4 });
    expect(ctx.trafficSplit).toEqual({ canaryWeight: 25 });
  });

  it('has no canary, placement or restart when the record has none', () => {
    const ctx = renderContextFor(users, none);
    expect(ctx.canary).toBeUndefined();
    expect(ctx.trafficSplit).toBeUndefined();
    expect(ctx.placement).toBeUndefined();
    expect(ctx.restartedAt).toBeUndefined();
    expect(ctx.revision).toBe(3);
  });

  it('passes the optimizer placement and remediation anti-affinity through', () => {
    const ctx = renderContextFor(
      record('user-service', { placement: { runId: 'opt-1', requiredNodes: ['n1'], avoidNodes: ['n9'], preferredNodes: [{ node: 'n1', weight: 20 }] } }),
      none,
    );
    expect(ctx.placement).toEqual({ requiredNodes: ['n1'], avoidNodes: ['n9'], preferredNodes: [{ node: 'n1', weight: 20 }] });
  });
});

describe('renderContextFor pod revision', () => {
  it('labels pods with the revision that last changed them, so routing-only changes do not restart pods', () => {
    const ctx = renderContextFor(record('user-service', { revision: 7, podRevision: 5 }), { callers: [], registeredDependencies: [] });
    expect(ctx.revision).toBe(5);
  });
});

describe('renderContextFor canary revision', () => {
  it('keeps the canary at the revision fixed when its rollout started, whatever the service revision does', () => {
    const traffic = { deploymentId: 'dep-1', canaryImage: 'u:2', canaryReplicas: 3, canaryWeight: 100, canaryRevision: 4, promotedRevision: 6 };
    const ctx = renderContextFor(record('user-service', { revision: 6, traffic }), { callers: [], registeredDependencies: [] });
    expect(ctx.canary?.revision).toBe(4);
  });
});

describe('neighbourhoodFrom a listing', () => {
  const dep = (service: string) => ({ service, rps: 10 });
  const listing = [
    record('user-service'),
    record('order-service', {}, { dependencies: [dep('user-service')] }),
    record('billing', {}, { namespace: 'pay', dependencies: [dep('user-service'), dep('order-service')] }),
    record('gone', { phase: 'deleted' }, { dependencies: [dep('user-service')] }),
    record('self', {}, { dependencies: [dep('user-service'), dep('nobody')] }),
  ];

  it('gives each service its live callers and its registered dependencies, the same for every service asked with one listing', () => {
    for (let round = 0; round < 2; round++) {
      expect(neighbourhoodFrom(listing[0], listing)).toEqual({
        callers: [
          { name: 'order-service', namespace: 'default' },
          { name: 'billing', namespace: 'pay' },
          { name: 'self', namespace: 'default' },
        ],
        registeredDependencies: [],
      });
      expect(neighbourhoodFrom(listing[1], listing)).toEqual({
        callers: [{ name: 'billing', namespace: 'pay' }],
        registeredDependencies: [{ name: 'user-service', namespace: 'default' }],
      });
      expect(neighbourhoodFrom(listing[4], listing)).toEqual({
        callers: [],
        registeredDependencies: [{ name: 'user-service', namespace: 'default' }],
      });
    }
    // Another listing is another graph: without billing, order-service has no caller.
    expect(
      neighbourhoodFrom(
        listing[1],
        listing.filter((s) => s.name !== 'billing'),
      ).callers,
    ).toEqual([]);
  });
});

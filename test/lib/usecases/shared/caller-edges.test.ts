import { describe, expect, it } from 'vitest';
import type { ServiceRecord } from '../../../../lib/model/records.js';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { callerEdgeChanges } from '../../../../lib/usecases/shared/caller-edges.js';

function svc(deps: [string, number][], extra: Partial<ServiceRecord> = {}, namespace = 'default'): ServiceRecord {
  return {
    name: 'orders',
    spec: ServiceSpec.parse({ name: 'orders', namespace, image: 'o:1', port: 80, dependencies: deps.map(([service, rps]) => ({ service, rps })) }),
    version: 1,
    revision: 1,
    phase: 'active',
    createdAt: '',
    updatedAt: '',
    lastOperationId: 'op',
    ...extra,
  };
}

describe('callerEdgeChanges', () => {
  it('registration adds an edge in every dependency', () => {
    expect(
      callerEdgeChanges(
        undefined,
        svc([
          ['users', 50],
          ['stock', 5],
        ]),
      ),
    ).toEqual({
      put: [
        { callee: 'users', caller: 'orders', callerNamespace: 'default', rps: 50 },
        { callee: 'stock', caller: 'orders', callerNamespace: 'default', rps: 5 },
      ],
      remove: [],
    });
  });

  it('an update rewrites changed edges, removes dropped ones and leaves the rest', () => {
    const changes = callerEdgeChanges(
      svc([
        ['users', 50],
        ['stock', 5],
        ['cart', 1],
      ]),
      svc([
        ['users', 50],
        ['stock', 9],
        ['pay', 2],
      ]),
    );
    expect(changes.put.map((e) => [e.callee, e.rps])).toEqual([
      ['stock', 9],
      ['pay', 2],
    ]);
    expect(changes.remove).toEqual([{ callee: 'cart', caller: 'orders' }]);
  });

  it('moving namespace rewrites every edge (callers are named by namespace in policies)', () => {
    const changes = callerEdgeChanges(svc([['users', 50]]), svc([['users', 50]], {}, 'shop'));
    expect(changes.put).toEqual([{ callee: 'users', caller: 'orders', callerNamespace: 'shop', rps: 50 }]);
  });

  it('deregistration removes every edge', () => {
    const before = svc([
      ['users', 50],
      ['stock', 5],
    ]);
    expect(callerEdgeChanges(before, { ...before, phase: 'deleted' })).toEqual({
      put: [],
      remove: [
        { callee: 'users', caller: 'orders' },
        { callee: 'stock', caller: 'orders' },
      ],
    });
  });

  it('re-registering after a deregistration adds the edges again', () => {
    const before = { ...svc([['users', 50]]), phase: 'deleted' as const };
    expect(callerEdgeChanges(before, svc([['users', 50]])).put).toHaveLength(1);
  });
});

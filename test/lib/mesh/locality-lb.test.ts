import { describe, expect, it } from 'vitest';
import { localityLbSetting, serviceTrafficDistribution, withFailoverWeights, type LocalityRoutingContext } from '../../../lib/mesh/locality-lb.js';
import { renderService } from '../../../lib/mesh/render-service.js';
import type { ServiceRecord } from '../../../lib/model/records.js';
import { localityRoutingOf } from '../../../lib/usecases/shared/render-context.js';
import { userService, userServiceContext } from './fixtures.js';

const regions = { a: 'r1', b: 'r1', c: 'r1' };

describe('localityLbSetting', () => {
  it.each<[string, LocalityRoutingContext | undefined, Record<string, unknown> | undefined, string | undefined]>([
    ['nothing decided: the mesh default, nothing rendered', undefined, undefined, undefined],
    ['uniform: locality load balancing off, whatever the mesh says', { mode: 'uniform' }, { enabled: false }, undefined],
    [
      'preferSameZone: zone, then region, then anywhere; the Service prefers close endpoints too',
      { mode: 'preferSameZone' },
      { enabled: true, failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] },
      'PreferClose',
    ],
    [
      'distribute: Istio localities, entries and zones in order, zero weights left out (Istio accepts 1–100 only) except that every zone the routing sends to keeps 1 % for failover',
      {
        mode: 'distribute',
        regions,
        distribute: [
          { from: 'b', to: { b: 90, a: 10, c: 0 } },
          { from: 'a', to: { a: 100 } },
        ],
      },
      {
        enabled: true,
        distribute: [
          { from: 'r1/a/*', to: { 'r1/a/*': 99, 'r1/b/*': 1 } },
          { from: 'r1/b/*', to: { 'r1/a/*': 10, 'r1/b/*': 90 } },
        ],
      },
      undefined,
    ],
    [
      'distribute without the regions of its zones: same-zone preference instead',
      { mode: 'distribute', regions: { a: 'r1' }, distribute: [{ from: 'a', to: { a: 50, b: 50 } }] },
      { enabled: true, failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] },
      'PreferClose',
    ],
  ])('%s', (_, routing, setting, distribution) => {
    expect(localityLbSetting(routing)).toEqual(setting);
    expect(serviceTrafficDistribution(routing)).toBe(distribution);
  });
});

describe('withFailoverWeights', () => {
  // Istio takes `distribute` or `failover`, not both, and gives a locality of weight 0 nothing even when
  // the caller's own zone has no healthy endpoint left: every zone with endpoints keeps a share.
  it.each<[string, Record<string, number>, string[], Record<string, number>]>([
    ['all local: each other zone gets 1 %, taken from the local zone', { a: 100 }, ['a', 'b', 'c'], { a: 98, b: 1, c: 1 }],
    ['points come from the largest weight', { a: 30, b: 70 }, ['a', 'b', 'c'], { a: 30, b: 69, c: 1 }],
    ['ties: the first zone by name gives', { a: 50, b: 50 }, ['a', 'b', 'c'], { a: 49, b: 50, c: 1 }],
    ['nothing to add when every zone has a share already', { a: 98, b: 1, c: 1 }, ['a', 'b', 'c'], { a: 98, b: 1, c: 1 }],
  ])('%s', (_, to, zones, expected) => {
    const out = withFailoverWeights(to, zones);
    expect(out).toEqual(expected);
    expect(Object.values(out).reduce((x, y) => x + y, 0)).toBe(100);
  });

  it('never takes a zone below the minimum to raise another', () => {
    const zones = Array.from({ length: 101 }, (_, i) => `z${String(i).padStart(3, '0')}`);
    const out = withFailoverWeights({ z000: 100 }, zones);
    expect(Object.values(out).every((w) => w >= 0)).toBe(true);
    expect(Object.values(out).reduce((x, y) => x + y, 0)).toBe(100);
  });
});

describe('the routing a service record renders', () => {
  const record = (policy: 'auto' | 'uniform' | 'preferSameZone' | undefined, routing?: ServiceRecord['routing']): ServiceRecord => ({
    name: 'user-service',
    spec: { ...userService, mesh: { ...userService.mesh, ...(policy ? { localityRouting: policy } : {}) } },
    version: 1,
    revision: 1,
    phase: 'active',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    lastOperationId: 'op',
    ...(routing ? { routing } : {}),
  });
  const decided = { runId: 'opt-1', mode: 'distribute' as const, regions, distribute: [{ from: 'a', to: { a: 100 } }] };

  it('follows the optimizer by default, and nothing before it decides', () => {
    expect(localityRoutingOf(record(undefined))).toEqual({});
    expect(localityRoutingOf(record('auto', decided))).toEqual({ localityRouting: { mode: 'distribute', regions, distribute: decided.distribute } });
  });

  it("a spec's fixed policy wins over the optimizer's decision", () => {
    expect(localityRoutingOf(record('uniform', decided))).toEqual({ localityRouting: { mode: 'uniform' } });
    expect(localityRoutingOf(record('preferSameZone', decided))).toEqual({ localityRouting: { mode: 'preferSameZone' } });
  });
});

describe('render context validation', () => {
  it('refuses a distribution that does not sum to 100, and a distribute routing without one', () => {
    const bad = { ...userServiceContext, localityRouting: { mode: 'distribute' as const, distribute: [{ from: 'a', to: { a: 60, b: 30 } }] } };
    expect(() => renderService(userService, bad)).toThrow('localityRouting.distribute.0: the shares of a zone distribution must sum to 100');
    expect(() => renderService(userService, { ...userServiceContext, localityRouting: { mode: 'distribute' } })).toThrow(
      'localityRouting.distribute: a distribute routing needs at least one zone distribution',
    );
  });

  it('keeps outlier detection next to the locality settings, which Istio needs to fail over', () => {
    const dr = renderService(userService, { ...userServiceContext, localityRouting: { mode: 'preferSameZone' } }).find((o) => o.kind === 'DestinationRule')!;
    const policy = (dr.spec as { trafficPolicy: Record<string, unknown> }).trafficPolicy;
    expect(policy.loadBalancer).toBeDefined();
    expect(policy.outlierDetection).toBeDefined();
  });
});

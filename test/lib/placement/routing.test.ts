import { describe, expect, it } from 'vitest';
import { RoutingDecision } from '../../../lib/model/locality-routing.js';
import { KubeSchedulerBaseline } from '../../../lib/placement/baselines.js';
import { compileInstance, toNodeVector } from '../../../lib/placement/compiled-instance.js';
import { evaluateVector } from '../../../lib/placement/cost.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import type { Assignment, PlacementInstanceInput } from '../../../lib/placement/model.js';
import { evaluateRouted, routingMatrices, toRoutingDecision, zoneCountsOf, type RoutingSpec } from '../../../lib/placement/routing.js';

/** Zone a: nodes a1, a2; zone b: node b1. One edge caller → callee of 100 rps; default distances (0.05 / 0.2 / 1.0 ms). */
function twoZones(callerReplicas: number, calleeReplicas: number): PlacementInstanceInput {
  return {
    services: [
      { name: 'caller', replicas: callerReplicas, cpu: 100, memory: 100 },
      { name: 'callee', replicas: calleeReplicas, cpu: 100, memory: 100 },
    ],
    nodes: [
      { id: 'a1', zone: 'a', cpu: 1000, memory: 1000 },
      { id: 'a2', zone: 'a', cpu: 1000, memory: 1000 },
      { id: 'b1', zone: 'b', cpu: 1000, memory: 1000 },
    ],
    traffic: [{ from: 'caller', to: 'callee', rps: 100 }],
  };
}

const twoAndTwo: Assignment = { caller: ['a1', 'b1'], callee: ['a2', 'b1'] };
const threeAndTwo: Assignment = { caller: ['a1', 'a2', 'b1'], callee: ['a2', 'b1'] };

describe('evaluateRouted', () => {
  it.each<[string, PlacementInstanceInput, Assignment, RoutingSpec, { communication: number; crossZoneShare: number; maxZoneLoad: number }]>([
    // a1 → a2 (0.2), b1 (1.0): 0.6; b1 → a2 (1.0), b1 (0.05): 0.525; 100 rps × mean.
    ['uniform: every replica pair alike', twoZones(2, 2), twoAndTwo, 'uniform', { communication: 56.25, crossZoneShare: 0.5, maxZoneLoad: 1 }],
    // Each zone keeps its 50 rps (cap 60): a1 → a2 at 0.2, b1 → b1 on its node at 0.05.
    ['same zone first, cap not binding', twoZones(2, 2), twoAndTwo, 'preferSameZone', { communication: 12.5, crossZoneShare: 0, maxZoneLoad: 1 }],
    // Zone a calls 66.7 rps but may keep 1.2 × 50 = 60: 30 each from a1 (0.2) and a2 (same node, 0.05),
    // 6.67 rps cross-zone (1.0); zone b keeps its 33.3 on node b1 (0.05).
    [
      'same zone first, cap binding',
      twoZones(3, 2),
      threeAndTwo,
      'preferSameZone',
      { communication: 6 + 1.5 + 20 / 3 + 5 / 3, crossZoneShare: 1 / 15, maxZoneLoad: 1.2 },
    ],
    // a1 sends half to b1: 0.6; b1 keeps everything on its node: 0.05. Zone b takes 75 of 100 rps with half the replicas.
    [
      'explicit distribution',
      twoZones(2, 2),
      twoAndTwo,
      {
        callee: {
          mode: 'distribute',
          distribute: [
            { from: 'a', to: { a: 50, b: 50 } },
            { from: 'b', to: { b: 100 } },
          ],
        },
      },
      { communication: 32.5, crossZoneShare: 0.25, maxZoneLoad: 1.5 },
    ],
    // A share for a zone without a callee replica goes to the listed zones that have one; zone b is not listed: uniform.
    [
      'distribution naming an empty zone, a caller zone left out',
      twoZones(2, 1),
      { caller: ['a1', 'b1'], callee: ['b1'] },
      { callee: { mode: 'distribute', distribute: [{ from: 'a', to: { a: 70, b: 30 } }] } },
      { communication: 50 * 1.0 + 50 * 0.05, crossZoneShare: 0.5, maxZoneLoad: 1 },
    ],
  ])('%s', (_name, instance, assignment, spec, expected) => {
    const c = compileInstance(instance);
    const cost = evaluateRouted(c, toNodeVector(c, assignment), spec);
    expect(cost.communication).toBeCloseTo(expected.communication, 9);
    expect(cost.crossZoneShare).toBeCloseTo(expected.crossZoneShare, 9);
    expect(cost.maxZoneLoad).toBeCloseTo(expected.maxZoneLoad, 9);
    expect(cost.total).toBeCloseTo(cost.communication, 9);
  });

  it('under uniform routing equals the plain cost model, and same-zone routing never costs more', async () => {
    for (const seed of [1, 2, 3]) {
      const c = compileInstance(generateInstance({ services: 30, nodes: 12, seed, clusters: seed === 3 ? 2 : 1, zones: 4 }));
      const placed = await new KubeSchedulerBaseline().solve(c);
      const vector = toNodeVector(c, placed.assignment!);
      const plain = evaluateVector(c, vector);
      const uniform = evaluateRouted(c, vector, 'uniform');
      expect(uniform.communication).toBeCloseTo(plain.communication, 6);
      expect(uniform.dollarsPerMonth).toBeCloseTo(plain.dollarsPerMonth, 6);
      expect(uniform.meanLatencyMs).toBeCloseTo(plain.meanLatencyMs, 9);
      const local = evaluateRouted(c, vector, 'preferSameZone');
      expect(local.communication).toBeLessThanOrEqual(uniform.communication + 1e-9);
      expect(local.maxZoneLoad).toBeLessThanOrEqual(c.instance.routing.zoneLoadCap + 1e-9);
    }
  });
});

describe('toRoutingDecision', () => {
  it('writes whole percentages summing to 100 that keep the zone cap and cost what they say', async () => {
    const c = compileInstance(generateInstance({ services: 40, nodes: 15, seed: 4 }));
    const vector = toNodeVector(c, (await new KubeSchedulerBaseline().solve(c)).assignment!);
    const counts = zoneCountsOf(c, vector);
    const decision = toRoutingDecision(c, counts, routingMatrices(c, counts, 'preferSameZone'));
    expect(RoutingDecision.safeParse(decision).success).toBe(true);
    expect(Object.keys(decision).length).toBeGreaterThan(0);
    const rounded = evaluateRouted(c, vector, decision);
    const exact = evaluateRouted(c, vector, 'preferSameZone');
    expect(rounded.maxZoneLoad).toBeLessThanOrEqual(c.instance.routing.zoneLoadCap + 1e-9);
    expect(Math.abs(rounded.communication - exact.communication) / exact.communication).toBeLessThan(0.02);
  });
});

import { describe, expect, it } from 'vitest';
import { compileInstance, toNodeVector, type CompiledInstance } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import { jointBoundWithoutMip } from '../../../lib/placement/joint-bound.js';
import { JointIlpSolver } from '../../../lib/placement/joint-ilp-solver.js';
import { jointTreeLowerBound } from '../../../lib/placement/lagrangian-bound.js';
import { jointPerEdgeLowerBound } from '../../../lib/placement/lower-bound.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';
import { evaluateRouted } from '../../../lib/placement/routing.js';
import { fractionalKnapsack, sameNodeCapacity } from '../../../lib/placement/same-node-capacity.js';
import { countVectors, jointCallerStarLowerBound, jointStarLowerBound } from '../../../lib/placement/star-bound.js';
import { allAssignments, tinyInstance } from './fixtures.js';

/** The joint optimum: every valid placement with its best routing (same-zone first under the cap). */
function jointOptimum(c: CompiledInstance): number {
  let optimum = Infinity;
  for (const assignment of allAssignments(c))
    if (checkConstraints(c, assignment).length === 0) optimum = Math.min(optimum, evaluateRouted(c, toNodeVector(c, assignment), 'preferSameZone').total);
  return optimum;
}

/** 3 services with 1, 2 and 3 replicas on 6 nodes in 3 zones (46,656 placements), seeded traffic and sizes. */
function threeZoneInstance(seed: number): PlacementInstanceInput {
  const tiny = tinyInstance(seed);
  return {
    services: tiny.services.map((s, i) => ({ ...s, replicas: i + 1, cpu: 100 + 50 * ((seed + i) % 3) })),
    nodes: ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'].map((id, n) => ({ id, zone: id[0], cpu: 200 + 100 * ((seed * (n + 1)) % 3), memory: 1000 })),
    traffic: tiny.traffic,
  };
}

/** The first service (one replica) fixed where it runs. */
function withFixedFirst(instance: PlacementInstanceInput): PlacementInstanceInput {
  return { ...instance, services: instance.services.map((s, i) => (i === 0 ? { ...s, fixed: true } : s)), current: { s0: ['b2'] } };
}

describe('joint lower bounds (callee stars, Lagrangian, node room)', () => {
  const cases: [string, PlacementInstanceInput][] = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed): [string, PlacementInstanceInput] => [
      `tiny seed ${seed}`,
      tinyInstance(seed, { withRisk: seed % 2 === 0, twoClusters: seed % 3 === 0, withMigration: seed === 5, withPins: seed === 7, egress: seed === 8 }),
    ]),
    ...[1, 2, 3, 4].map((seed): [string, PlacementInstanceInput] => [`three zones seed ${seed}`, threeZoneInstance(seed)]),
    ...[1, 2].map((seed): [string, PlacementInstanceInput] => [`fixed service seed ${seed}`, withFixedFirst(threeZoneInstance(seed))]),
  ];

  it.each(cases)('%s: every bound is at most the joint optimum and at least the per-edge bound', (_name, instance) => {
    const c = compileInstance(instance);
    const optimum = jointOptimum(c);
    const perEdge = jointPerEdgeLowerBound(c);
    const star = jointStarLowerBound(c);
    const callerStar = jointCallerStarLowerBound(c);
    const tree = jointTreeLowerBound(c, { upperBound: optimum }).bound;
    const best = jointBoundWithoutMip(c, { upperBound: optimum });
    for (const bound of [star, callerStar, tree, best]) expect(bound).toBeLessThanOrEqual(optimum + 1e-9);
    expect(star).toBeGreaterThanOrEqual(perEdge - 1e-9);
    expect(callerStar).toBeGreaterThanOrEqual(perEdge - 1e-9);
    expect(best).toBeGreaterThanOrEqual(Math.max(perEdge, star, callerStar, tree) - 1e-9);
  });

  it('a lone caller cannot keep more than cap × the zone share of a callee in two zones local: the star bound is exact where the per-edge one is not', () => {
    const instance: PlacementInstanceInput = {
      services: [
        { name: 'web', replicas: 1, cpu: 100, memory: 100 },
        { name: 'api', replicas: 2, cpu: 100, memory: 100 },
      ],
      nodes: ['a1', 'a2', 'b1', 'b2'].map((id) => ({ id, zone: id[0], cpu: 1000, memory: 1000 })),
      traffic: [{ from: 'web', to: 'api', rps: 100 }],
    };
    const c = compileInstance(instance);
    // api spans both zones; web's zone takes at most 1.2 × ½ of the calls (on web's node: 0.05 ms), the rest cross (1 ms).
    const optimum = 100 * (0.6 * 0.05 + 0.4 * 1);
    expect(jointOptimum(c)).toBeCloseTo(optimum, 9);
    expect(jointStarLowerBound(c)).toBeCloseTo(optimum, 9);
    expect(jointTreeLowerBound(c).bound).toBeCloseTo(optimum, 9);
    expect(jointPerEdgeLowerBound(c)).toBeLessThan(optimum / 2);
  });

  it('a hub caller has room on its node for one partner only: the joint MIP proves the optimum with the node-room rows', async () => {
    const instance: PlacementInstanceInput = {
      services: [
        { name: 'hub', replicas: 1, cpu: 100, memory: 100 },
        { name: 'x', replicas: 1, cpu: 100, memory: 100 },
        { name: 'y', replicas: 1, cpu: 100, memory: 100 },
        { name: 'z', replicas: 1, cpu: 100, memory: 100 },
      ],
      nodes: ['a1', 'a2', 'b1', 'b2'].map((id) => ({ id, zone: id[0], cpu: 200, memory: 1000 })),
      traffic: [
        { from: 'hub', to: 'x', rps: 100 },
        { from: 'hub', to: 'y', rps: 50 },
        { from: 'hub', to: 'z', rps: 30 },
      ],
    };
    const c = compileInstance(instance);
    // hub and x share a node, y and z the other node of the zone: 100·0.05 + 80·0.2.
    expect(jointOptimum(c)).toBeCloseTo(21, 9);
    expect(sameNodeCapacity(c).perCallerReplica[0]).toBeCloseTo(100, 9);
    // The caller star prices the hub's node room: close to the optimum where the callee stars see 180 · 0.05.
    expect(jointStarLowerBound(c)).toBeCloseTo(9, 9);
    expect(jointCallerStarLowerBound(c, { steps: 200 })).toBeGreaterThan(19);
    expect(jointCallerStarLowerBound(c, { steps: 200 })).toBeLessThanOrEqual(21 + 1e-9);
    const result = await new JointIlpSolver().solve(c, { seed: 1, timeLimitMs: 60_000 });
    expect(result.cost!.total).toBeCloseTo(21, 6);
    expect(result.bound!).toBeCloseTo(21, 6);
    expect(result.status).toBe('optimal');
  });

  it('the combinatorial bound on a generated instance lies between the per-edge bound and the joint MIP’s best placement', async () => {
    const c = compileInstance(generateInstance({ services: 30, nodes: 12, seed: 4 }));
    const result = await new JointIlpSolver().solve(c, { seed: 1, timeLimitMs: 5_000 });
    const bound = jointBoundWithoutMip(c, { upperBound: result.cost!.total });
    expect(bound).toBeGreaterThan(jointPerEdgeLowerBound(c));
    expect(bound).toBeLessThanOrEqual(result.cost!.total + 1e-9);
    expect(result.bound!).toBeGreaterThanOrEqual(jointStarLowerBound(c) - 1e-9);
  });
});

describe('countVectors and fractionalKnapsack', () => {
  it.each([
    [1, [1, 1, 1], 3],
    [2, [1, 1, 1], 3], // zone spread: at most one per zone
    [3, [2, 2, 2], 7],
    [4, [0, 3, 3], 3],
    [2, [0, 0, 1], 0],
  ])('%i replicas with at most %j per zone: %i count vectors', (replicas, hi, count) => {
    const vectors = countVectors(replicas, hi, hi.length);
    expect(vectors.length / hi.length).toBe(count);
    for (let i = 0; i < count; i++) {
      const v = [...vectors.subarray(i * hi.length, (i + 1) * hi.length)];
      expect(v.reduce((a, b) => a + b, 0)).toBe(replicas);
      v.forEach((k, z) => expect(k).toBeLessThanOrEqual(hi[z]));
    }
  });

  it.each([
    [
      [
        { value: 10, size: 5 },
        { value: 6, size: 2 },
      ],
      4,
      6 + 4,
    ],
    [[{ value: 10, size: 5 }], 10, 10],
    [
      [
        { value: 3, size: 0 },
        { value: 10, size: 5 },
      ],
      0,
      3,
    ],
  ])('%j in room %i: %i', (items, room, value) => {
    expect(fractionalKnapsack(items, room)).toBeCloseTo(value, 9);
  });
});

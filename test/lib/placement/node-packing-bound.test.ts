import { describe, expect, it } from 'vitest';
import { compileInstance, toNodeVector, type CompiledInstance } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { loadHighs } from '../../../lib/placement/ilp-solver.js';
import { jointBoundWithoutMip } from '../../../lib/placement/joint-bound.js';
import { droppedBound, incomingCosts, JointIlpSolver, withoutLightestCallees } from '../../../lib/placement/joint-ilp-solver.js';
import { jointMipBound } from '../../../lib/placement/joint-mip-bound.js';
import { buildJointMip } from '../../../lib/placement/joint-mip-formulation.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';
import { sameNodeWeightBound } from '../../../lib/placement/node-packing-bound.js';
import { createRandom } from '../../../lib/placement/random.js';
import { jointCallerStarLowerBound, jointStarLowerBound } from '../../../lib/placement/star-bound.js';
import { evaluateRouted, routingMatrices, zoneCountsOf, type RoutingSpec } from '../../../lib/placement/routing.js';
import { allAssignments, tinyInstance } from './fixtures.js';

/** Same-node weight per zone of a placement under a routing: Σ w/r_a · f_b[z][z] · (b on the caller's node) / n_b,z. */
function sameNodeByZone(c: CompiledInstance, vector: Int32Array, spec: RoutingSpec): Float64Array {
  const Z = c.zoneCount;
  const counts = zoneCountsOf(c, vector);
  const matrices = routingMatrices(c, counts, spec);
  const byZone = new Float64Array(Z);
  for (const e of c.directedEdges) {
    for (let i = c.replicaStart[e.from]; i < c.replicaStart[e.from + 1]; i++) {
      const z = c.nodeZone[vector[i]];
      const nb = counts[e.to * Z + z];
      if (nb === 0) continue;
      let beside = 0;
      for (let j = c.replicaStart[e.to]; j < c.replicaStart[e.to + 1]; j++) if (vector[j] === vector[i]) beside++;
      const local = matrices[e.to] ? matrices[e.to]![z * Z + z] : nb / c.replicas[e.to];
      byZone[z] += (e.weight / c.replicas[e.from]) * local * (beside / nb);
    }
  }
  return byZone;
}

/** 3–4 services (1–3 replicas) on 6 nodes in 3 zones; node CPU so small that packing binds. */
function packedInstance(seed: number): PlacementInstanceInput {
  const random = createRandom(seed);
  const count = 3 + (seed % 2);
  const services = Array.from({ length: count }, (_, i) => ({ name: `s${i}`, replicas: 1 + ((seed + i) % 3), cpu: 100 * (1 + random.int(2)), memory: 100 }));
  while (services.reduce((n, s) => n + s.replicas, 0) > 6) services[services.findIndex((s) => s.replicas > 1)].replicas--;
  const traffic = [];
  for (let i = 1; i < count; i++) traffic.push({ from: `s${random.int(i)}`, to: `s${i}`, rps: 10 + random.int(90) });
  if (random.next() < 0.5) traffic.push({ from: `s${count - 1}`, to: 's0', rps: 5 + random.int(40) });
  return {
    services,
    nodes: ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'].map((id, n) => ({ id, zone: id[0], cpu: 200 + 100 * ((seed + n) % 2), memory: 1000 })),
    traffic,
  };
}

/** A chain a → b → c of single replicas where a node holds two: only one of the two calls can stay on a node. */
const CHAIN: PlacementInstanceInput = {
  services: ['a', 'b', 'c'].map((name) => ({ name, replicas: 1, cpu: 100, memory: 100 })),
  nodes: ['a1', 'a2', 'b1', 'b2'].map((id) => ({ id, zone: id[0], cpu: 200, memory: 1000 })),
  traffic: [
    { from: 'a', to: 'b', rps: 100 },
    { from: 'b', to: 'c', rps: 100 },
  ],
};

const cases: [string, PlacementInstanceInput][] = [
  ['chain', CHAIN],
  ...[1, 2, 3, 4, 5, 6].map((seed): [string, PlacementInstanceInput] => [`packed seed ${seed}`, packedInstance(seed)]),
  ...[1, 2, 3].map((seed): [string, PlacementInstanceInput] => [`tiny seed ${seed}`, tinyInstance(seed, { withPins: seed === 2, twoClusters: seed === 3 })]),
];

/** More tight instances (seeds 7–14) for the bounds that split the calls in two (dropped light callees). */
const splitCases: [string, PlacementInstanceInput][] = [
  ...cases,
  ...[7, 8, 9, 10, 11, 12, 13, 14].map((seed): [string, PlacementInstanceInput] => [`packed seed ${seed}`, packedInstance(seed)]),
];

const enumerated = new WeakMap<PlacementInstanceInput, Int32Array[]>();

/** Every valid placement of `instance` (compiled as `c`), enumerated once per instance for the whole file. */
function validPlacements(c: CompiledInstance, instance: PlacementInstanceInput): Int32Array[] {
  let out = enumerated.get(instance);
  if (!out) {
    out = [];
    for (const assignment of allAssignments(c)) if (checkConstraints(c, assignment).length === 0) out.push(toNodeVector(c, assignment));
    enumerated.set(instance, out);
  }
  return out;
}

/** The zone-level MIP's optimum with the node-packing cuts, linear same-node rows and star rows (HiGHS, no time limit). */
async function linearMipBound(c: CompiledInstance): Promise<number> {
  const highs = await loadHighs();
  const calleeStarTerms = new Float64Array(c.serviceCount);
  const callerStarTerms = new Float64Array(c.serviceCount);
  jointStarLowerBound(c, {}, calleeStarTerms);
  jointCallerStarLowerBound(c, {}, callerStarTerms);
  const formulation = buildJointMip(c, { sameNodeCuts: sameNodeWeightBound(c, highs).cuts, linearSameNode: true, calleeStarTerms, callerStarTerms });
  const model = highs.createModel({ format: 'lp', data: formulation.lp });
  try {
    model.options.set({ output_flag: false, mip_rel_gap: 0 });
    model.run();
    return Number(model.info.get('mip_dual_bound')) + formulation.objectiveOffset;
  } finally {
    model.dispose();
  }
}

describe('node-packing bound (same-node weight against node capacity)', () => {
  it.each(cases)('%s: no valid placement keeps more on its nodes than the bound or a per-zone cut allows, under any routing', async (_name, instance) => {
    const c = compileInstance(instance);
    const highs = await loadHighs();
    const bound = sameNodeWeightBound(c, highs);
    expect(bound.cuts.length).toBeGreaterThan(0);
    const Z = c.zoneCount;
    let most = 0;
    for (const vector of validPlacements(c, instance)) {
      const counts = zoneCountsOf(c, vector);
      for (const spec of ['uniform', 'preferSameZone'] as const) {
        const byZone = sameNodeByZone(c, vector, spec);
        most = Math.max(
          most,
          byZone.reduce((a, b) => a + b, 0),
        );
        for (const cut of bound.cuts)
          for (let z = 0; z < Z; z++) {
            let allowed = cut.zoneRhs[z];
            for (let s = 0; s < c.serviceCount; s++) allowed += cut.mu[s] * counts[s * Z + z];
            expect(byZone[z]).toBeLessThanOrEqual(allowed + 1e-6);
          }
      }
    }
    expect(most).toBeLessThanOrEqual(bound.sameNodeWeight + 1e-6);
  });

  it.each(cases)('%s: the joint MIP with linear same-node rows, star rows and the cuts stays below the joint optimum', async (_name, instance) => {
    const c = compileInstance(instance);
    let optimum = Infinity;
    for (const vector of validPlacements(c, instance)) optimum = Math.min(optimum, evaluateRouted(c, vector, 'preferSameZone').total);
    expect(await linearMipBound(c)).toBeLessThanOrEqual(optimum + 1e-6);
  });

  it.each([
    [1, 3, 0.4], // a callee replica takes at most 1.2 × 1/3 of the calls
    [3, 3, 1], // one caller replica beside each callee replica
    [3, 1, 1 / 3], // the one callee replica sits beside one caller replica
  ])('a caller with %i replicas calling a callee with %i on roomy nodes keeps at most %f of its calls on a node', async (ra, rb, share) => {
    const instance: PlacementInstanceInput = {
      services: [
        { name: 'web', replicas: ra, cpu: 100, memory: 100 },
        { name: 'api', replicas: rb, cpu: 100, memory: 100 },
      ],
      nodes: ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'].map((id) => ({ id, zone: id[0], cpu: 1000, memory: 1000 })),
      traffic: [{ from: 'web', to: 'api', rps: 100 }],
    };
    const c = compileInstance(instance);
    const highs = await loadHighs();
    const most = Math.max(...validPlacements(c, instance).map((v) => sameNodeByZone(c, v, 'preferSameZone').reduce((a, b) => a + b, 0)));
    expect(most).toBeCloseTo(100 * share, 6);
    expect(sameNodeWeightBound(c, highs).sameNodeWeight).toBeCloseTo(100 * share, 6);
    // Seeded with a placement's nodes, the column generation ends at the same bound.
    expect(sameNodeWeightBound(c, highs, { start: validPlacements(c, instance)[0] }).sameNodeWeight).toBeCloseTo(100 * share, 6);
  });

  it.each(cases)(
    '%s: the joint ILP in its large-instance form (linear rows, calls into light callees bounded apart) stays below the joint optimum',
    async (_name, instance) => {
      const c = compileInstance(instance);
      let optimum = Infinity;
      for (const vector of validPlacements(c, instance)) optimum = Math.min(optimum, evaluateRouted(c, vector, 'preferSameZone').total);
      const terms = new Float64Array(c.serviceCount);
      jointStarLowerBound(c, {}, terms);
      const { instance: reduced, droppedCost } = withoutLightestCallees(c, terms, 0.5);
      expect(reduced.directedEdges.length).toBeLessThan(c.directedEdges.length);
      expect(droppedCost).toBeGreaterThan(0);
      const result = await new JointIlpSolver({ linearAboveServices: 0, dropShare: 0.5 }).solve(c, { seed: 1, timeLimitMs: 30_000 });
      expect(result.bound!).toBeLessThanOrEqual(optimum + 1e-6);
      expect(result.cost!.total).toBeGreaterThanOrEqual(optimum - 1e-9);
    },
  );

  it.each(splitCases)('%s: the dropped calls alone: their bound is at least their star terms and at most their own optimum', (_name, instance) => {
    const c = compileInstance(instance);
    const terms = new Float64Array(c.serviceCount);
    jointStarLowerBound(c, {}, terms);
    const reduction = withoutLightestCallees(c, terms, 0.5);
    expect(reduction.dropped).not.toBeNull();
    const dropped = reduction.dropped!;
    expect(dropped.directedEdges.length + reduction.instance.directedEdges.length).toBe(c.directedEdges.length);
    let optimum = Infinity;
    let kept = Infinity;
    for (const vector of validPlacements(c, instance)) {
      optimum = Math.min(optimum, evaluateRouted(dropped, vector, 'preferSameZone').total);
      kept = Math.min(kept, evaluateRouted(reduction.instance, vector, 'preferSameZone').total);
      // The two parts add up to the whole (same-zone-first routing is decided per callee).
      expect(evaluateRouted(dropped, vector, 'preferSameZone').total + evaluateRouted(reduction.instance, vector, 'preferSameZone').total).toBeCloseTo(
        evaluateRouted(c, vector, 'preferSameZone').total,
        6,
      );
      // incomingCosts splits the same cost by callee.
      expect(incomingCosts(c, vector).reduce((a, b) => a + b, 0)).toBeCloseTo(evaluateRouted(c, vector, 'preferSameZone').total, 6);
    }
    const bound = droppedBound(reduction, { upperBound: optimum });
    expect(bound).toBeGreaterThanOrEqual(reduction.droppedCost - 1e-9);
    expect(bound).toBeLessThanOrEqual(optimum + 1e-6);
  });

  it.each(cases)(
    '%s: the bound MIP alone (light callees dropped, with and without callee-share rows) stays below the joint optimum',
    async (_name, instance) => {
      const c = compileInstance(instance);
      const placements = validPlacements(c, instance);
      const optimum = Math.min(...placements.map((v) => evaluateRouted(c, v, 'preferSameZone').total));
      const highs = await loadHighs();
      for (const [dropShare, calleeShareRows] of [
        [0.5, 0],
        [0.5, 1],
        [0, 1],
      ]) {
        const result = jointMipBound(c, highs, { seconds: 30, dropShare, calleeShareRows, start: placements[0] });
        expect(result.proven).toBe(true);
        expect(result.bound).toBeLessThanOrEqual(optimum + 1e-6);
      }
    },
  );

  it.each(cases)('%s: the star bounds report per-service terms that add up to the bound', (_name, instance) => {
    const c = compileInstance(instance);
    const callee = new Float64Array(c.serviceCount);
    const caller = new Float64Array(c.serviceCount);
    expect(callee.reduce((a, b) => a + b, 0)).toBe(0);
    expect(jointStarLowerBound(c, {}, callee)).toBeCloseTo(
      callee.reduce((a, b) => a + b, 0),
      9,
    );
    // The caller star also counts self-calls at their per-edge bound, outside the per-service terms.
    expect(jointCallerStarLowerBound(c, {}, caller)).toBeGreaterThanOrEqual(caller.reduce((a, b) => a + b, 0) - 1e-9);
  });

  it('the chain: the bound is exact (one call of two on a node) and the joint MIP proves the optimum the other bounds miss', async () => {
    const c = compileInstance(CHAIN);
    const highs = await loadHighs();
    expect(sameNodeWeightBound(c, highs).sameNodeWeight).toBeCloseTo(100, 6);
    // a and b share a node, c sits beside them in the zone: 100 · 0.05 + 100 · 0.2.
    const optimum = 25;
    expect(Math.min(...validPlacements(c, CHAIN).map((v) => evaluateRouted(c, v, 'preferSameZone').total))).toBeCloseTo(optimum, 9);
    expect(jointBoundWithoutMip(c, { upperBound: optimum })).toBeLessThan(optimum - 1);
    expect(await linearMipBound(c)).toBeCloseTo(optimum, 6);
    const result = await new JointIlpSolver().solve(c, { seed: 1, timeLimitMs: 30_000 });
    expect(result.bound!).toBeCloseTo(optimum, 6);
    expect(result.status).toBe('optimal');
  });
});

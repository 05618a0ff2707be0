import { describe, expect, it } from 'vitest';
import { compileInstance, toNodeVector, type CompiledInstance } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { loadHighs } from '../../../lib/placement/ilp-solver.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import { JointIlpSolver } from '../../../lib/placement/joint-ilp-solver.js';
import { buildJointMip } from '../../../lib/placement/joint-mip-formulation.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';
import { sameNodeWeightBound } from '../../../lib/placement/node-packing-bound.js';
import { evaluateRouted } from '../../../lib/placement/routing.js';
import { jointCallerStarLowerBound, jointStarLowerBound } from '../../../lib/placement/star-bound.js';
import { allAssignments, tinyInstance } from './fixtures.js';

/** The linear joint MIP (packing cuts, star rows) solved to optimality, with the callee-share rows on `share` of the weight. */
async function linearMipOptimum(c: CompiledInstance, share: number): Promise<number> {
  const highs = await loadHighs();
  const calleeStarTerms = new Float64Array(c.serviceCount);
  const callerStarTerms = new Float64Array(c.serviceCount);
  jointStarLowerBound(c, {}, calleeStarTerms);
  jointCallerStarLowerBound(c, {}, callerStarTerms);
  const formulation = buildJointMip(c, {
    sameNodeCuts: sameNodeWeightBound(c, highs).cuts,
    linearSameNode: true,
    calleeStarTerms,
    callerStarTerms,
    calleeShareRows: share,
  });
  const model = highs.createModel({ format: 'lp', data: formulation.lp });
  try {
    model.options.set({ output_flag: false, mip_rel_gap: 0 });
    model.run();
    return Number(model.info.get('mip_dual_bound')) + formulation.objectiveOffset;
  } finally {
    model.dispose();
  }
}

/** The joint optimum by exhaustive search: every valid placement with its best routing (locality first under the cap). */
function jointOptimum(c: CompiledInstance): number {
  let optimum = Infinity;
  for (const assignment of allAssignments(c))
    if (checkConstraints(c, assignment).length === 0) optimum = Math.min(optimum, evaluateRouted(c, toNodeVector(c, assignment), 'preferSameZone').total);
  return optimum;
}

/** A caller beside a callee with 3 replicas (at most 2 in a zone, one per node): a caller replica keeps ≤ 1/k of its local calls. */
const FAN: PlacementInstanceInput = {
  services: [
    { name: 'web', replicas: 2, cpu: 100, memory: 100 },
    { name: 'api', replicas: 3, cpu: 100, memory: 100 },
    { name: 'db', replicas: 1, cpu: 100, memory: 100 },
  ],
  nodes: ['a1', 'a2', 'b1', 'b2'].map((id) => ({ id, zone: id[0], cpu: 300, memory: 1000 })),
  traffic: [
    { from: 'web', to: 'api', rps: 100 },
    { from: 'api', to: 'db', rps: 40 },
  ],
};

const cases: [string, PlacementInstanceInput][] = [
  ['fan', FAN],
  ...[1, 2, 3, 4].map((seed): [string, PlacementInstanceInput] => [`tiny seed ${seed}`, tinyInstance(seed, { withPins: seed === 2, twoClusters: seed === 3 })]),
];

describe('callee-share rows of the linear joint MIP (S ≤ m_b/k · F for a callee with k replicas in the zone)', () => {
  it.each(cases)('%s: the MIP with the rows stays below the joint optimum and never below the MIP without them', async (_name, instance) => {
    const c = compileInstance(instance);
    const optimum = jointOptimum(c);
    const without = await linearMipOptimum(c, 0);
    const withRows = await linearMipOptimum(c, 1);
    expect(withRows).toBeLessThanOrEqual(optimum + 1e-6);
    expect(withRows).toBeGreaterThanOrEqual(without - 1e-6);
  });

  it('raise the linear MIP’s optimum on a generated 8-service instance, below the joint ILP’s best placement', async () => {
    const c = compileInstance(generateInstance({ services: 8, nodes: 6, seed: 1 }));
    const without = await linearMipOptimum(c, 0);
    const half = await linearMipOptimum(c, 0.5);
    const all = await linearMipOptimum(c, 1);
    expect(all).toBeGreaterThan(without + 1);
    expect(half).toBeGreaterThanOrEqual(without - 1e-6);
    expect(all).toBeGreaterThanOrEqual(half - 1e-6);
    const best = await new JointIlpSolver().solve(c, { seed: 1, timeLimitMs: 30_000 });
    expect(all).toBeLessThanOrEqual(best.cost!.total + 1e-6);
    // The solver with the rows (linear form forced) reports a bound no higher than its own cost.
    const forced = await new JointIlpSolver({ linearAboveServices: 0, dropShare: 0, calleeShareRows: 1 }).solve(c, { seed: 1, timeLimitMs: 30_000 });
    expect(forced.bound!).toBeLessThanOrEqual(forced.cost!.total + 1e-6);
    expect(forced.bound!).toBeGreaterThanOrEqual(all - 1e-6);
  });
});

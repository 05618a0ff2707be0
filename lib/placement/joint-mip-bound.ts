/**
 * The joint MIP as a bound only (no placement): the large-instance form joint-ilp solves (linear same-node
 * rows, per-edge and star rows, node-packing cuts; the lightest callees' calls left to droppedBound), on its
 * own time limit. `bench:optimizer --certify` runs it above the sizes joint-ilp handles within its budget (300
 * services: 12,068 → 12,4xx in a few minutes, where the tree Lagrangian was the best bound).
 *
 * Valid for the same reasons as joint-ilp's bound: the MIP relaxes the joint problem on the kept calls
 * (joint-mip-formulation.ts), HiGHS's dual bound bounds the MIP, and the dropped calls' cost is bounded on
 * its own (their callees keep all their callers, so the two parts are placements + routings of two instances
 * whose costs add up; moves and risk are counted in the kept part only).
 */
import type { CompiledInstance } from './compiled-instance.js';
import type { loadHighs } from './ilp-solver.js';
import { buildJointMip } from './joint-mip-formulation.js';
import { droppedBound, incomingCosts, withoutLightestCallees } from './joint-ilp-solver.js';
import { sameNodeWeightBound } from './node-packing-bound.js';
import { jointCallerStarLowerBound, jointStarLowerBound } from './star-bound.js';

type Highs = Awaited<ReturnType<typeof loadHighs>>;

export interface JointMipBoundOptions {
  /** HiGHS's time limit for the MIP (s). */
  seconds: number;
  /** Share of the call weight left to droppedBound (default 0.1). */
  dropShare?: number;
  /** Callee-share rows on the heaviest edges carrying this share of the weight (default 0). */
  calleeShareRows?: number;
  /** A placement (node per replica): seeds the packing cuts and sets the dropped calls' Lagrangian target. */
  start?: Int32Array;
  /** HiGHS random seed (default 0). */
  seed?: number;
}

export interface JointMipBound {
  /** A lower bound on the joint cost (−∞ when HiGHS proved nothing). */
  bound: number;
  /** The MIP was solved to optimality (its optimum: more time does not raise the bound). */
  proven: boolean;
  /** The dropped calls' part of the bound. */
  droppedCost: number;
  timeMs: number;
}

export function jointMipBound(c: CompiledInstance, highs: Highs, options: JointMipBoundOptions): JointMipBound {
  const startedAt = performance.now();
  const calleeStarTerms = new Float64Array(c.serviceCount);
  jointStarLowerBound(c, {}, calleeStarTerms);
  const reduction = withoutLightestCallees(c, calleeStarTerms, options.dropShare ?? 0.1);
  const m = reduction.instance;
  let upperBound: number | undefined;
  if (options.start && reduction.dropped) {
    const costs = incomingCosts(c, options.start);
    upperBound = 0;
    for (const b of new Set(reduction.dropped.directedEdges.map((e) => e.to))) upperBound += costs[b];
  }
  const droppedCost = droppedBound(reduction, { upperBound, deadline: performance.now() + 30_000 });
  const callerStarTerms = new Float64Array(c.serviceCount);
  jointCallerStarLowerBound(m, {}, callerStarTerms);
  const packing = sameNodeWeightBound(m, highs, { deadline: performance.now() + 60_000, start: options.start });
  const formulation = buildJointMip(m, {
    sameNodeCuts: packing.cuts,
    linearSameNode: true,
    calleeStarTerms,
    callerStarTerms,
    calleeShareRows: options.calleeShareRows ?? 0,
  });
  const model = highs.createModel({ format: 'lp', data: formulation.lp });
  try {
    model.options.set({ output_flag: false, time_limit: Math.max(0.05, options.seconds), mip_rel_gap: 1e-4, random_seed: options.seed ?? 0 });
    const { modelStatus } = model.run();
    const dual = model.info.get('mip_dual_bound');
    const bound = typeof dual === 'number' && Number.isFinite(dual) ? dual + formulation.objectiveOffset + droppedCost : Number.NEGATIVE_INFINITY;
    return { bound, proven: modelStatus === highs.constants.modelStatus.optimal, droppedCost, timeMs: performance.now() - startedAt };
  } finally {
    model.dispose();
  }
}

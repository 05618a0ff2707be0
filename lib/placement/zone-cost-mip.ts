/**
 * Zone counts for the node stage from the zone-cost MIP: the joint zone MIP (joint-mip-formulation.ts) of
 * the instance with same-node calls priced like same-zone ones (so no same-node variables), on nodes
 * shrunk to `slack` of their CPU and memory (room for packing: the counts of the unshrunk MIP often
 * cannot be packed onto nodes). Its optimum minimises the cross-zone part of the joint cost; the node stage
 * then keeps what it can on a node. A primal heuristic only: nothing here is a bound.
 *
 * On the generated 100 × 30 instance the zone search ends at a zone cost 3.5 % above this MIP's optimum,
 * and these counts, placed, cost 5,211 against joint-ilp's 5,289 (the MIP needs 13–20 s at load 2–3, so
 * joint-ilp runs it only when the bound MIP leaves that much time).
 */
import type { CompiledInstance } from './compiled-instance.js';
import { compileInstance } from './compiled-instance.js';
import type { loadHighs } from './ilp-solver.js';
import { buildJointMip, type JointMipFormulation } from './joint-mip-formulation.js';
import { jointCallerStarLowerBound, jointStarLowerBound } from './star-bound.js';

export type Highs = Awaited<ReturnType<typeof loadHighs>>;

/** Share of each node's CPU and memory the zone-cost MIP may fill. */
export const ZONE_COST_MIP_SLACK = 0.95;

export interface ZoneCostMipOptions {
  /** HiGHS time limit. */
  seconds: number;
  /** Relative gap at which HiGHS stops (default 0.002). */
  mipRelGap?: number;
  seed?: number;
  /** Node capacity share (default ZONE_COST_MIP_SLACK). */
  slack?: number;
}

/**
 * The instance with same-node calls priced like same-zone ones, on nodes shrunk to `slack` of their CPU and
 * memory; null when a fixed replica no longer fits its shrunk node.
 */
export function zoneCostInstance(c: CompiledInstance, slack: number): CompiledInstance | null {
  const { instance } = c;
  try {
    return compileInstance({
      ...instance,
      nodes: instance.nodes.map((n) => ({ ...n, cpu: n.cpu * slack, memory: n.memory * slack })),
      distance: { ...instance.distance, sameNode: instance.distance.sameZone },
    });
  } catch {
    return null;
  }
}

/** The zone MIP of a zone-cost instance, with the star and per-edge rows (valid for it: HiGHS finishes sooner). */
export function zoneCostFormulation(flat: CompiledInstance): JointMipFormulation {
  const calleeStarTerms = new Float64Array(flat.serviceCount);
  const callerStarTerms = new Float64Array(flat.serviceCount);
  jointStarLowerBound(flat, {}, calleeStarTerms);
  jointCallerStarLowerBound(flat, {}, callerStarTerms);
  return buildJointMip(flat, { linearSameNode: true, calleeStarTerms, callerStarTerms });
}

/** The MIP's zone counts (replicas per service × zone, service-major), or null when HiGHS found none in time. */
export function zoneCostCounts(c: CompiledInstance, highs: Highs, options: ZoneCostMipOptions): Int32Array | null {
  const flat = zoneCostInstance(c, options.slack ?? ZONE_COST_MIP_SLACK);
  if (!flat) return null; // e.g. a fixed replica no longer fits its shrunk node
  const formulation = zoneCostFormulation(flat);
  const model = highs.createModel({ format: 'lp', data: formulation.lp });
  try {
    model.options.set({
      output_flag: false,
      time_limit: Math.max(0.05, options.seconds),
      mip_rel_gap: options.mipRelGap ?? 0.002,
      random_seed: (options.seed ?? 1) >>> 1,
    });
    model.run();
    const names = Array.from({ length: model.getDimensions().numCols }, (_, i) => model.getColName(i));
    const columns = model.getSolution().colValue;
    if (!columns || columns.length !== names.length) return null;
    const byName = new Map(names.map((name, i) => [name, columns[i]]));
    const counts = formulation.decode((name) => byName.get(name) ?? 0);
    // Every service must have all its replicas (a time-limited run may have no incumbent).
    for (let s = 0; s < c.serviceCount; s++) {
      let total = 0;
      for (let z = 0; z < c.zoneCount; z++) total += counts[s * c.zoneCount + z];
      if (total !== c.replicas[s]) return null;
    }
    return counts;
  } catch {
    return null;
  } finally {
    model.dispose();
  }
}

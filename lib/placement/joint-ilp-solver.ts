/**
 * Joint placement + routing with a proof (`joint-ilp`): the joint heuristic's answer warm-starts the
 * zone-level MIP (joint-mip-formulation.ts) on HiGHS; the MIP's zone counts go through the node stage,
 * and the better of the two placements is returned with its routing. The MIP is a relaxation of the
 * joint problem, so HiGHS's bound is a bound on the joint cost; the reported bound is the largest of it
 * and the combinatorial bounds (joint-bound.ts: per edge, callee and caller stars, Lagrangian), and
 * `gap` = (total − bound) / total. The MIP carries the node-packing cuts (node-packing-bound.ts).
 */
import { TransientError } from '../errors.js';
import { asCompiled, compileInstance, toAssignment, type CompiledInstance } from './compiled-instance.js';
import { loadHighs } from './ilp-solver.js';
import { buildJointMip } from './joint-mip-formulation.js';
import { placeCounts, solveJoint, type JointCandidate } from './joint-solver.js';
import { jointBoundWithoutMip } from './joint-bound.js';
import { sameNodeWeightBound } from './node-packing-bound.js';
import { jointCallerStarLowerBound, jointStarLowerBound } from './star-bound.js';
import { routingMatrices, zoneCountsOf } from './routing.js';
import { improveZoneCounts, type ZoneLnsResult } from './zone-cost-lns.js';
import { WORK_PER_MS } from './heuristic-solver.js';
import type { Assignment } from './model.js';
import { resultWithout, type SolveOptions, type SolveResult, type Solver } from './solver.js';

export interface JointIlpOptions {
  /** Above this many services the MIP uses linear same-node rows, star rows and drops light callees (default 30). */
  linearAboveServices?: number;
  /** Share of the call weight the linear MIP leaves out, bounded on their own (droppedBound; default 0.1). */
  dropShare?: number;
  /**
   * With linear same-node rows: the callee-share rows S ≤ m_b/k·F (one-hot of the callee's zone count) for the
   * heaviest edges carrying this share of the call weight (joint-mip-formulation.ts; default 0).
   */
  calleeShareRows?: number;
  /**
   * Seconds the time left after the bound MIP (less the node stage's share) must reach for the large-neighbourhood
   * search on the zone-cost MIP (zone-cost-lns.ts) to run (default 0.5).
   */
  zoneCostMipMinSeconds?: number;
  /** Relative gap at which HiGHS stops (default 1e-4). */
  mipRelGap?: number;
  /** Share of the time limit for the warm-start heuristic (default 0.25). */
  heuristicShare?: number;
}

const DEFAULT_TIME_LIMIT_MS = 20_000;
/**
 * Up to this many services the MIP keeps its exact same-node rows (one-hot of the callee's zone count);
 * above, they are replaced by linear ones: with the node-packing cuts its relaxation solves within the
 * budget at 100 services and bounds higher than the exact rows do in 20 s.
 */
const SMALL_MIP_SERVICES = 30;
/** Further joint-heuristic seeds at most, in the time the MIP leaves. */
const EXTRA_SEEDS = 5;
/** Time left (s) from which the zone-cost LNS runs after the bound MIP. */
const ZONE_COST_MIP_MIN_SECONDS = 0.5;
/** Node-stage effort per replica for the zone-cost LNS's counts (the default is 2,000). */
const ZONE_COST_NODE_STAGE_WORK_PER_REPLICA = 20_000;
/** Share of the call weight the linear MIP leaves out, bounded on their own (lightest callees first). */
const DROP_SHARE = 0.1;

/**
 * The instance without every call into the lightest callees (up to `share` of the weight), and what those
 * calls cost at least (their callee-star terms). Any placement + routing of `c` restricted to the rest is
 * one of the smaller instance (same services, nodes and rules; the remaining callees keep all their
 * callers, so their zone caps are the same), so its bound plus that cost bounds `c`. `dropped` is the
 * other part: the same instance with only the dropped calls, moves and node risk priced at 0 (the kept
 * part's bound counts them), so any lower bound on its cost may stand for `droppedCost` (droppedBound).
 */
export function withoutLightestCallees(
  c: CompiledInstance,
  calleeStarTerms: Float64Array,
  share: number,
): { instance: CompiledInstance; droppedCost: number; dropped: CompiledInstance | null } {
  const incoming = new Float64Array(c.serviceCount);
  let total = 0;
  for (const e of c.directedEdges) {
    incoming[e.to] += e.weight;
    total += e.weight;
  }
  const callees = [...incoming.keys()].filter((b) => incoming[b] > 0).sort((x, y) => incoming[x] - incoming[y] || x - y);
  const dropped = new Set<string>();
  let droppedWeight = 0;
  let droppedCost = 0;
  for (const b of callees) {
    if (droppedWeight + incoming[b] > share * total) break;
    droppedWeight += incoming[b];
    droppedCost += calleeStarTerms[b];
    dropped.add(c.instance.services[b].name);
  }
  if (dropped.size === 0) return { instance: c, droppedCost: 0, dropped: null };
  const traffic = c.instance.traffic.filter((t) => !dropped.has(t.to));
  return {
    instance: compileInstance({ ...c.instance, traffic }),
    droppedCost,
    dropped: compileInstance({ ...c.instance, migrationCost: 0, riskWeight: 0, traffic: c.instance.traffic.filter((t) => dropped.has(t.to)) }),
  };
}

/**
 * A lower bound on what the dropped calls cost (withoutLightestCallees): the larger of their callee-star terms
 * and the combinatorial bounds of the dropped calls alone (the caller stars and the tree Lagrangian see how
 * the dropped callees' callers are tied together: 380 → 456 at 100 × 30). Every placement + routing of the
 * instance, restricted to the dropped calls, is one of `dropped` (its callees keep all their callers), and the
 * two parts' costs add up to the communication cost.
 */
export function droppedBound(
  reduction: { droppedCost: number; dropped: CompiledInstance | null },
  options: { upperBound?: number; deadline?: number } = {},
): number {
  if (!reduction.dropped || reduction.dropped.directedEdges.length === 0) return reduction.droppedCost;
  return Math.max(reduction.droppedCost, jointBoundWithoutMip(reduction.dropped, options));
}

/**
 * What the calls into each service cost in a placement under same-zone-first routing (the optimal routing for
 * it, see routing.ts): Σ over its callers' replicas of w/r_a · Σ_z' f[z][z'] · mean distance to its replicas in z'.
 */
export function incomingCosts(c: CompiledInstance, vector: Int32Array): Float64Array {
  const Z = c.zoneCount;
  const counts = zoneCountsOf(c, vector);
  const routes = routingMatrices(c, counts, 'preferSameZone');
  const d = c.levelDistance;
  const onNode = new Int32Array(c.nodeCount);
  const out = new Float64Array(c.serviceCount);
  for (const e of c.directedEdges) {
    const a = e.from;
    const b = e.to;
    for (let j = c.replicaStart[b]; j < c.replicaStart[b + 1]; j++) onNode[vector[j]]++;
    const matrix = routes[b];
    for (let i = c.replicaStart[a]; i < c.replicaStart[a + 1]; i++) {
      const n = vector[i];
      const z = c.nodeZone[n];
      for (let z2 = 0; z2 < Z; z2++) {
        const f = matrix ? matrix[z * Z + z2] : counts[b * Z + z2] / c.replicas[b];
        if (f <= 0) continue;
        const part = (e.weight / c.replicas[a]) * f;
        if (z2 === z) {
          const same = onNode[n] / counts[b * Z + z];
          out[b] += part * (same * d[0] + (1 - same) * d[1]);
        } else out[b] += part * (c.zoneCluster[z2] === c.zoneCluster[z] ? d[2] : d[3]);
      }
    }
    for (let j = c.replicaStart[b]; j < c.replicaStart[b + 1]; j++) onNode[vector[j]] = 0;
  }
  return out;
}

export class JointIlpSolver implements Solver {
  readonly name = 'joint-ilp';

  constructor(private readonly settings: JointIlpOptions = {}) {}

  async solve(instance: Parameters<Solver['solve']>[0], options: SolveOptions & { start?: Assignment } = {}): Promise<SolveResult> {
    const startedAt = performance.now();
    const c = asCompiled(instance);
    const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    const seed = options.seed ?? 1;
    const heuristicMs = timeLimitMs * (this.settings.heuristicShare ?? 0.25);
    // The MIP improves on it: the warm start is capped at a few thousand rounds per service.
    const warmEffort = Math.round(Math.min(heuristicMs * 60, 3_000 * c.serviceCount));
    const warm = await solveJoint(c, { seed, deadline: startedAt + heuristicMs, effort: warmEffort, timeLimitMs: heuristicMs, start: options.start });
    const warmMs = performance.now() - startedAt;
    let best: JointCandidate | null = warm.best;
    // The combinatorial bounds first (a twentieth of the budget at most): they hold whatever the MIP proves.
    const combinatorial = jointBoundWithoutMip(c, { upperBound: best?.cost.total, deadline: performance.now() + timeLimitMs / 20 });

    const highs = await loadHighs();
    const linearSameNode = c.serviceCount > (this.settings.linearAboveServices ?? SMALL_MIP_SERVICES);
    // The star bounds per service as rows too: they lift the linear MIP's relaxation to the caller-star bound.
    const calleeStarTerms = new Float64Array(c.serviceCount);
    if (linearSameNode) jointStarLowerBound(c, { deadline: performance.now() + timeLimitMs / 40 }, calleeStarTerms);
    // The linear MIP leaves out the lightest callees' calls (a tenth of the weight) and counts them at their own
    // bound instead (droppedBound): every call into such a callee goes, so the zone caps of the others hold.
    const reduction = linearSameNode
      ? withoutLightestCallees(c, calleeStarTerms, this.settings.dropShare ?? DROP_SHARE)
      : { instance: c, droppedCost: 0, dropped: null };
    const m = reduction.instance;
    // The dropped calls' cost in the warm start (same-zone-first routing) is an upper bound for their Lagrangian.
    let droppedUpper: number | undefined;
    if (best && reduction.dropped) {
      const costs = incomingCosts(c, best.vector);
      droppedUpper = 0;
      for (const b of new Set(reduction.dropped.directedEdges.map((e) => e.to))) droppedUpper += costs[b];
    }
    const droppedCost = droppedBound(reduction, { upperBound: droppedUpper, deadline: performance.now() + timeLimitMs / 40 });
    const callerStarTerms = new Float64Array(c.serviceCount);
    if (linearSameNode) jointCallerStarLowerBound(m, { deadline: performance.now() + timeLimitMs / 40 }, callerStarTerms);
    // Node packing (a fifth of the budget at most, seeded with the warm start's nodes): per-zone cuts on the
    // same-node weight. Past SMALL_MIP_SERVICES the MIP drops its one-hot rows and leans on these cuts.
    const packing = sameNodeWeightBound(m, highs, { deadline: performance.now() + timeLimitMs / 5, start: best?.vector });
    const formulation = buildJointMip(m, {
      sameNodeCuts: packing.cuts,
      linearSameNode,
      ...(linearSameNode ? { calleeStarTerms, callerStarTerms, calleeShareRows: this.settings.calleeShareRows ?? 0 } : {}),
    });
    // Keep a tenth of the budget for placing the MIP's zone counts on nodes.
    const mipSeconds = Math.max(0.05, (timeLimitMs * 0.9 - (performance.now() - startedAt)) / 1_000);
    const model = highs.createModel({ format: 'lp', data: formulation.lp });
    let mipBound = Number.NEGATIVE_INFINITY;
    let proven = false;
    try {
      model.options.set({ output_flag: false, time_limit: mipSeconds, mip_rel_gap: this.settings.mipRelGap ?? 1e-4, random_seed: seed >>> 1 });
      const names = Array.from({ length: model.getDimensions().numCols }, (_, i) => model.getColName(i));
      // The linear MIP gets no start: its estimated same-node flows break the per-edge and star rows, and
      // HiGHS then spends its time on the start (bound 3,667 against 3,976 after 15 s at 100 services).
      if (best && !linearSameNode) {
        const values = formulation.startValues(zoneCountsOf(c, best.vector));
        model.setSolution({ colValue: Float64Array.from(names, (name) => values.get(name) ?? 0) });
      }
      const { modelStatus } = model.run();
      const status = highs.constants.modelStatus;
      if (modelStatus === status.infeasible && !best)
        return resultWithout('infeasible', startedAt, 'no zone counts satisfy every constraint (proven by HiGHS)');
      const dual = model.info.get('mip_dual_bound');
      if (typeof dual === 'number' && Number.isFinite(dual)) mipBound = dual + formulation.objectiveOffset + droppedCost;
      proven = modelStatus === status.optimal;
      let counts: Int32Array | null = null;
      try {
        const columns = model.getSolution().colValue;
        const byName = new Map(names.map((name, i) => [name, columns[i]]));
        counts = formulation.decode((name) => byName.get(name) ?? 0);
      } catch {
        counts = null;
      }
      const unchanged = counts && best && zoneCountsOf(c, best.vector).every((k, i) => k === counts![i]);
      if (counts && !unchanged) {
        const left = Math.max(100, timeLimitMs - (performance.now() - startedAt));
        const placed = await placeCounts(c, counts, 'zone MIP', { seed, timeLimitMs: left, start: best?.vector });
        if (placed && (!best || placed.cost.total < best.cost.total - 1e-9)) best = placed;
      }
    } catch (err) {
      if (!best) throw err instanceof TransientError ? err : new TransientError('the joint MIP failed', { cause: err });
    } finally {
      model.dispose();
    }
    // Time left after the MIP: a large-neighbourhood search on the zone-cost MIP (zone-cost-lns.ts) from the best
    // placement's zone counts, until the node stage's time is all that is left; its counts, placed (from their
    // packing, at ten times the usual effort), win when better.
    const endAt = startedAt + timeLimitMs * 0.95;
    const nodeStageEffort = ZONE_COST_NODE_STAGE_WORK_PER_REPLICA * c.replicaCount;
    const lnsDeadline = endAt - Math.min(timeLimitMs * 0.1, nodeStageEffort / WORK_PER_MS);
    const lnsSeconds = (lnsDeadline - performance.now()) / 1_000;
    let lnsNote = '';
    if (best && !warm.timedOut && lnsSeconds >= (this.settings.zoneCostMipMinSeconds ?? ZONE_COST_MIP_MIN_SECONDS)) {
      let lns: ZoneLnsResult | null = null;
      try {
        lns = improveZoneCounts(c, highs, { start: best.vector, deadline: lnsDeadline, seed });
      } catch {
        lns = null; // a primal heuristic only: without it the answer is the best placement so far
      }
      if (lns)
        lnsNote = `; zone-cost LNS: ${lns.iterations} neighbourhoods, ${lns.improvements} gains, zone cost ${lns.startCost.toFixed(0)} → ${lns.cost.toFixed(0)}`;
      if (lns && lns.improvements > 0) {
        const left = Math.max(100, endAt - performance.now());
        const placed = await placeCounts(c, lns.counts, 'zone-cost LNS', { seed, timeLimitMs: left, effort: nodeStageEffort, start: lns.packing });
        if (placed && placed.cost.total < best.cost.total - 1e-9) best = placed;
      }
    }
    // Time left after the MIP (it was solved early): further seeds of the joint heuristic at the warm
    // start's effort, from the same start, the best wins (seed + 1 … seed + EXTRA_SEEDS while time remains).
    for (let extra = 1; extra <= EXTRA_SEEDS && best && !warm.timedOut && performance.now() + warmMs < endAt; extra++) {
      const run = await solveJoint(c, {
        seed: seed + extra,
        deadline: endAt,
        effort: warmEffort,
        timeLimitMs: endAt - performance.now(),
        start: options.start,
      });
      if (run.best && run.best.cost.total < best.cost.total - 1e-9) best = run.best;
      if (run.timedOut) break;
    }
    if (!best) return resultWithout('infeasible', startedAt, 'no feasible placement found');
    const total = best.cost.total;
    const bound = Math.min(total, Math.max(mipBound, combinatorial));
    const gap = total === 0 ? 0 : Math.max(0, (total - bound) / Math.abs(total));
    return {
      assignment: toAssignment(c, best.vector),
      cost: best.cost,
      routing: best.routing,
      status: gap <= 1e-6 ? 'optimal' : proven ? 'feasible' : 'timeout',
      bound,
      gap,
      timeMs: performance.now() - startedAt,
      message: `best from ${best.origin}${proven ? '; the zone relaxation was solved to optimality' : ''}${lnsNote}`,
    };
  }
}

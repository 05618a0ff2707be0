/**
 * Joint placement + routing heuristic (`joint-heuristic`). It searches zone counts (joint-zone-model.ts:
 * single-replica moves between zones, then iterated local search that pushes a service and a few of its
 * neighbours into other zones and keeps the result only if the estimate improved), routes locality first
 * under the zone cap for those counts (optimal for fixed counts), places replicas on nodes inside each
 * zone (joint-node-stage.ts), and costs the result exactly with the whole-percent routing it returns.
 * Starting points: the kube-scheduler placement and the placement heuristic's; their own placements with
 * locality routing are candidates too, so the answer is never worse than either with locality routing.
 *
 * Effort is counted in zone-cost evaluations, `effort` (default timeLimitMs × EVALS_PER_MS); the
 * placement heuristic and the node stage get their shares of it in their own unit (WORK_PER_EVAL), so a
 * seed gives the same result on any machine; the clock only cuts a run short (status `timeout`).
 */
import { KubeSchedulerBaseline } from './baselines.js';
import { asCompiled, toAssignment, toNodeVector, type CompiledInstance, type NodeVector } from './compiled-instance.js';
import { checkVector } from './constraints.js';
import { HeuristicSolver, WORK_PER_MS } from './heuristic-solver.js';
import { placeInZones } from './joint-node-stage.js';
import { ZoneModel } from './joint-zone-model.js';
import { packZones } from './zone-packing.js';
import type { Assignment } from './model.js';
import { createRandom, type Random } from './random.js';
import { evaluateRouted, routingMatrices, toRoutingDecision, zoneCountsOf, type RoutedCost, type RoutingDecision } from './routing.js';
import { resultWithout, type SolveOptions, type SolveResult, type Solver } from './solver.js';

export interface JointOptions extends SolveOptions {
  /** Zone-cost evaluations the zone search may spend (default timeLimitMs × EVALS_PER_MS). */
  effort?: number;
  /**
   * A feasible placement to start from as well, e.g. the placement heuristic's. Given one, the joint
   * search does not run the placement heuristic itself and spends the whole budget on zones and nodes.
   */
  start?: Assignment;
}

export interface JointCandidate {
  vector: NodeVector;
  routing: RoutingDecision;
  cost: RoutedCost;
  origin: string;
  /** The clock cut the node stage short: valid, but not what the seed and effort alone give. */
  timedOut?: boolean;
}

const DEFAULT_TIME_LIMIT_MS = 10_000;
/** Zone-cost evaluations per millisecond of time limit the default effort assumes (a loaded 2-core machine). */
export const EVALS_PER_MS = 60;
/** Placement-heuristic evaluations (`HeuristicOptions.effort`) one zone-cost evaluation's worth of effort buys. */
export const WORK_PER_EVAL = WORK_PER_MS / EVALS_PER_MS;
/** Share of the effort for the placement heuristic's start (when no start is given). */
export const HEURISTIC_SHARE = 0.3;
/** Share of the effort for placing the zone counts on nodes (all candidates together). */
const NODE_STAGE_SHARE = 0.2;

export class JointHeuristicSolver implements Solver {
  readonly name = 'joint-heuristic';

  async solve(instance: Parameters<Solver['solve']>[0], options: JointOptions = {}): Promise<SolveResult> {
    const startedAt = performance.now();
    const c = asCompiled(instance);
    const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    const deadline = startedAt + timeLimitMs;
    const seed = options.seed ?? 1;
    const effort = options.effort ?? Math.round(timeLimitMs * EVALS_PER_MS);
    const outcome = await solveJoint(c, { seed, deadline, effort, timeLimitMs, start: options.start });
    if (!outcome.best) return resultWithout('infeasible', startedAt, outcome.message ?? 'no feasible placement found');
    const { best } = outcome;
    return {
      assignment: toAssignment(c, best.vector),
      cost: best.cost,
      routing: best.routing,
      status: outcome.timedOut ? 'timeout' : 'feasible',
      timeMs: performance.now() - startedAt,
      message: outcome.timedOut ? 'time limit reached; returning the best placement found' : `best from ${best.origin}`,
    };
  }
}

interface JointRun {
  seed: number;
  deadline: number;
  effort: number;
  timeLimitMs: number;
  start?: Assignment;
  /** Extra zone counts to place (e.g. the zone MIP's). */
  zoneCounts?: Int32Array[];
}

/** Runs the joint search; also used by the zone MIP solver to finish its zone counts. */
export async function solveJoint(c: CompiledInstance, run: JointRun): Promise<{ best: JointCandidate | null; timedOut: boolean; message?: string }> {
  const random = createRandom(run.seed);
  const starts: { vector: NodeVector; origin: string }[] = [];
  if (run.start) {
    const vector = toNodeVector(c, run.start);
    if (checkVector(c, vector).length === 0) starts.push({ vector, origin: 'start' });
  }
  const kube = await new KubeSchedulerBaseline().solve(c);
  if (kube.assignment) starts.push({ vector: toNodeVector(c, kube.assignment), origin: 'kube-scheduler' });
  let message = kube.message;
  if (!run.start) {
    const placement = await new HeuristicSolver().solve(c, {
      seed: run.seed,
      timeLimitMs: Math.max(100, run.deadline - performance.now()),
      effort: HEURISTIC_SHARE * run.effort * WORK_PER_EVAL,
    });
    if (placement.assignment) starts.push({ vector: toNodeVector(c, placement.assignment), origin: 'heuristic' });
    message = placement.message ?? message;
  }
  if (starts.length === 0) return { best: null, timedOut: false, message };

  let best: JointCandidate | null = null;
  const consider = (candidate: JointCandidate): void => {
    if (!best || candidate.cost.total < best.cost.total - 1e-9) best = candidate;
  };
  for (const s of starts) consider(routed(c, s.vector, s.origin));

  // Zone search from each start; what the heuristic and the node stage do not take is split evenly.
  const zoneShare = 1 - NODE_STAGE_SHARE - (run.start ? 0 : HEURISTIC_SHARE);
  let timedOut = false;
  const searched: { counts: Int32Array; estimate: number; origin: string; start: NodeVector }[] = [];
  for (const s of starts) {
    const model = new ZoneModel(c, zoneCountsOf(c, s.vector));
    if (!zoneSearch(model, random, (zoneShare * run.effort) / starts.length, run.deadline)) timedOut = true;
    searched.push({ counts: Int32Array.from(model.counts), estimate: model.total, origin: `zone search from ${s.origin}`, start: s.vector });
  }
  for (const counts of run.zoneCounts ?? []) searched.push({ counts, estimate: -Infinity, origin: 'zone MIP', start: starts[0].vector });
  searched.sort((x, y) => x.estimate - y.estimate);
  // Place the most promising zone counts first while time lasts (at least the first).
  for (let i = 0; i < searched.length; i++) {
    const left = run.deadline - performance.now();
    if (i > 0 && left < 50) {
      timedOut = true;
      break;
    }
    const { counts, origin, start } = searched[i];
    const placed = await placeCounts(c, counts, origin, {
      seed: run.seed,
      timeLimitMs: Math.max(100, left / (searched.length - i)),
      effort: (NODE_STAGE_SHARE * run.effort * WORK_PER_EVAL) / searched.length,
      start,
    });
    if (placed?.timedOut) timedOut = true;
    if (placed) consider(placed);
  }
  return { best, timedOut };
}

/** Node-stage effort per replica when `placeCounts` is given none (a fixed amount: the clock must not set it). */
const DEFAULT_NODE_STAGE_WORK_PER_REPLICA = 2_000;

/**
 * Nodes for given zone counts (node stage), routed and costed; null when the zones cannot be packed.
 * `effort` is the node stage's placement-heuristic effort (default 2,000 per replica); `timeLimitMs` only caps it.
 */
export async function placeCounts(
  c: CompiledInstance,
  counts: Int32Array,
  origin: string,
  options: { seed: number; timeLimitMs: number; start?: NodeVector; effort?: number },
): Promise<JointCandidate | null> {
  const matrices = routingMatrices(c, counts, 'preferSameZone');
  const sameCounts = options.start !== undefined && zoneCountsOf(c, options.start).every((k, j) => k === counts[j]);
  const place = async (start: NodeVector | undefined): Promise<{ vector: NodeVector; timedOut: boolean } | null> => {
    const placed = await placeInZones(c, counts, matrices, {
      seed: options.seed,
      timeLimitMs: options.timeLimitMs,
      effort: options.effort ?? DEFAULT_NODE_STAGE_WORK_PER_REPLICA * c.replicaCount,
      ...(start ? { start } : {}),
    });
    return !placed || placed.vector.includes(-1) || checkVector(c, placed.vector).length > 0 ? null : placed;
  };
  let placed = await place(sameCounts ? options.start : undefined);
  // The node stage's own packing can fail where counts fill a zone in an awkward mix: again from a traffic-blind
  // packing of the counts (zone-packing.ts), when there is one.
  if (!placed && !sameCounts) {
    const packing = packZones(c, counts);
    if (packing) placed = await place(packing);
  }
  if (!placed) return null;
  return { ...routed(c, placed.vector, origin), ...(placed.timedOut ? { timedOut: true } : {}) };
}

/** A placement with the best routing for it (locality first under the cap), rounded to whole percent. */
export function routed(c: CompiledInstance, vector: NodeVector, origin: string): JointCandidate {
  const counts = zoneCountsOf(c, vector);
  const routing = toRoutingDecision(c, counts, routingMatrices(c, counts, 'preferSameZone'));
  return { vector, routing, cost: evaluateRouted(c, vector, routing), origin };
}

/**
 * Local search over zone moves, then iterated local search. Returns false when the deadline cut it
 * short. Deterministic for a seed as long as the effort budget, not the clock, ends it.
 */
export function zoneSearch(model: ZoneModel, random: Random, effort: number, deadline: number): boolean {
  const { c } = model;
  const S = c.serviceCount;
  const movable: number[] = [];
  for (let s = 0; s < S; s++) if (!c.fixedCounts[s] && c.replicas[s] > 0 && c.adjStart[s + 1] > c.adjStart[s]) movable.push(s);
  if (movable.length === 0 || c.zoneCount < 2) return true;
  const limit = model.work + effort;
  const all = movable.slice();
  if (!descend(model, all, limit, deadline, random)) return false;
  let best = model.total;
  const log: [number, number, number][] = [];
  for (let round = 0; model.work < limit; round++) {
    if ((round & 7) === 0 && performance.now() > deadline) return false;
    // Every round costs at least one unit, so rounds that find no move still end the search.
    model.work++;
    log.length = 0;
    const s = movable[random.int(movable.length)];
    const group = [s];
    const degree = c.adjStart[s + 1] - c.adjStart[s];
    for (let k = 0; k < 2 && k < degree; k++) {
      const b = c.adjService[c.adjStart[s] + random.int(degree)];
      if (!group.includes(b) && !c.fixedCounts[b]) group.push(b);
    }
    const to = random.int(c.zoneCount);
    for (const g of group) {
      const from = randomZoneWith(model, g, random);
      if (from >= 0 && model.canMove(g, from, to)) {
        model.move(g, from, to);
        log.push([g, from, to]);
      }
    }
    if (log.length === 0) continue;
    const touched = new Set<number>();
    for (const g of group) {
      touched.add(g);
      for (let k = c.adjStart[g]; k < c.adjStart[g + 1]; k++) if (!c.fixedCounts[c.adjService[k]]) touched.add(c.adjService[k]);
    }
    const finished = descend(
      model,
      [...touched].sort((x, y) => x - y),
      limit,
      deadline,
      random,
      log,
    );
    if (model.total < best - 1e-9) best = model.total;
    else for (let i = log.length - 1; i >= 0; i--) model.move(log[i][0], log[i][2], log[i][1]);
    if (!finished) return false;
  }
  return true;
}

function randomZoneWith(model: ZoneModel, s: number, random: Random): number {
  const Z = model.c.zoneCount;
  const offset = random.int(Z);
  for (let i = 0; i < Z; i++) {
    const z = (offset + i) % Z;
    if (model.counts[s * Z + z] > 0) return z;
  }
  return -1;
}

/** Services of a full zone an ejection tries to send elsewhere (drawn at random among the zone's). */
const EJECTION_CANDIDATES = 8;

/**
 * Best-improvement zone moves from a work list until none improves. When no single move of a service
 * improves, an ejection: a move that would improve on its own but finds its target zone full, paired with
 * the best move of one of up to EJECTION_CANDIDATES services of that zone, at least as large in CPU and
 * memory, to any zone with room (a swap when it goes to the first service's zone): every zone stays within
 * room and the full zone gets no fuller. The pair is taken when the two together improve.
 */
function descend(model: ZoneModel, initial: number[], limit: number, deadline: number, random: Random, log?: [number, number, number][]): boolean {
  const { c } = model;
  const Z = c.zoneCount;
  const queue = initial.slice();
  const queued = new Uint8Array(c.serviceCount);
  for (const s of queue) queued[s] = 1;
  let steps = 0;
  const blocked: [number, number][] = [];
  while (queue.length > 0) {
    if (model.work > limit) return true;
    if ((++steps & 31) === 0 && performance.now() > deadline) return false;
    const s = queue.shift()!;
    queued[s] = 0;
    let bestDelta = -1e-9;
    let bestMove: [number, number] | null = null;
    blocked.length = 0;
    for (let from = 0; from < Z; from++)
      for (let to = 0; to < Z; to++) {
        if (!model.canMove(s, from, to)) {
          if (model.canMove(s, from, to, true)) blocked.push([from, to]);
          continue;
        }
        const delta = model.move(s, from, to);
        model.move(s, to, from);
        if (delta < bestDelta) {
          bestDelta = delta;
          bestMove = [from, to];
        }
      }
    const woken: number[] = [s];
    if (bestMove) {
      model.move(s, bestMove[0], bestMove[1]);
      log?.push([s, bestMove[0], bestMove[1]]);
    } else {
      const chain = bestEjection(model, s, blocked, random);
      if (!chain) continue;
      for (const [g, from, to] of chain) {
        model.move(g, from, to);
        log?.push([g, from, to]);
        woken.push(g);
      }
    }
    const wake = (x: number): void => {
      if (!queued[x] && !c.fixedCounts[x]) {
        queued[x] = 1;
        queue.push(x);
      }
    };
    for (const g of woken) {
      wake(g);
      for (let k = c.adjStart[g]; k < c.adjStart[g + 1]; k++) wake(c.adjService[k]);
    }
  }
  return true;
}

/** The best improving pair (s: from → to into a full zone, t: to → elsewhere), or null; the model is left as it was. */
function bestEjection(model: ZoneModel, s: number, blocked: readonly [number, number][], random: Random): [number, number, number][] | null {
  const { c } = model;
  const Z = c.zoneCount;
  const S = c.serviceCount;
  let bestDelta = -1e-9;
  let best: [number, number, number][] | null = null;
  for (const [from, to] of blocked) {
    const first = model.move(s, from, to);
    // Only a move that gains on its own is worth making room for.
    if (first < -1e-9)
      for (let tries = 0, found = 0; tries < 4 * EJECTION_CANDIDATES && found < EJECTION_CANDIDATES; tries++) {
        const t = random.int(S);
        if (t === s || c.fixedCounts[t] || model.counts[t * Z + to] === 0) continue;
        found++;
        // t is at least as large as s, so the full zone gets no fuller (fuller zones pack worse on nodes).
        if (c.cpu[t] < c.cpu[s] || c.memory[t] < c.memory[s]) continue;
        for (let z2 = 0; z2 < Z; z2++) {
          if (!model.canMove(t, to, z2)) continue;
          const delta = first + model.move(t, to, z2);
          model.move(t, z2, to);
          if (delta < bestDelta) {
            bestDelta = delta;
            best = [
              [s, from, to],
              [t, to, z2],
            ];
          }
        }
      }
    model.move(s, to, from);
  }
  return best;
}

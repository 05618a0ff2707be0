/**
 * The fast solver for large instances: greedy construction by traffic weight (or, if that corners
 * itself, a kube-scheduler-like placement), then local search with
 * moves and swaps, then iterated local search (perturb a small group of chatty services into another
 * zone, repair locally, keep the result only if the total improved). When a start is given (the
 * current placement, or any other feasible placement), the search also runs from it, so the answer is
 * never worse than that start.
 */
import { asCompiled, toNodeVector, type CompiledInstance, type NodeVector } from './compiled-instance.js';
import { FirstFitBaseline, KubeSchedulerBaseline } from './baselines.js';
import { checkVector } from './constraints.js';
import { evaluateVector } from './cost.js';
import { constructGreedy } from './greedy-construction.js';
import { LocalSearch } from './local-search.js';
import type { Assignment } from './model.js';
import { MoveEvaluator } from './move-evaluator.js';
import { PlacementState } from './placement-state.js';
import { createRandom, type Random } from './random.js';
import { resultFromVector, resultWithout, type SolveOptions, type SolveResult, type Solver } from './solver.js';

export interface HeuristicOptions extends SolveOptions {
  /** A feasible placement to start from as well (e.g. a baseline's). Ignored when infeasible. */
  start?: Assignment;
  /** Perturbation rounds of the iterated local search; default max(1500, 1.5 × services). */
  perturbations?: number;
  /**
   * Effort cap of the iterated local search, in full local-search sweeps (one sweep evaluates every
   * replica once); default 300. Keeps time near-linear on graphs whose hubs grow with their size.
   */
  sweepBudget?: number;
}

const DEFAULT_TIME_LIMIT_MS = 10_000;

/** Greedy + local search + iterated local search. */
export class HeuristicSolver implements Solver {
  readonly name = 'heuristic';

  async solve(instance: Parameters<Solver['solve']>[0], options: HeuristicOptions = {}): Promise<SolveResult> {
    const startedAt = performance.now();
    const c = asCompiled(instance);
    const deadline = startedAt + (options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
    const random = createRandom(options.seed ?? 1);

    const starts: NodeVector[] = [];
    if (options.start) {
      const vector = toNodeVector(c, options.start);
      if (checkVector(c, vector).length === 0) starts.push(vector);
    }
    const fromCurrent = completeCurrent(c);
    if (fromCurrent) starts.push(fromCurrent);
    const fresh = buildFromScratch(c);
    if (fresh.vector) starts.push(fresh.vector);
    else {
      // Greedy packing can corner itself (e.g. pins plus zone spread); a traffic-blind spreader may not.
      for (const fallback of [new KubeSchedulerBaseline(), new FirstFitBaseline()]) {
        const placed = await fallback.solve(c);
        if (placed.assignment) {
          starts.push(toNodeVector(c, placed.assignment));
          break;
        }
      }
    }
    if (starts.length === 0) return resultWithout('infeasible', startedAt, fresh.message ?? 'no feasible start found');

    let best: { vector: NodeVector; cost: number } | null = null;
    let timedOut = false;
    for (const start of starts) {
      const search = searchFrom(c, start);
      search.cost = evaluateVector(c, start).total;
      for (let r = 0; r < c.replicaCount; r++) search.enqueue(r);
      if (!search.run(deadline)) timedOut = true;
      if (!best || search.cost < best.cost - 1e-9) best = { vector: search.state.snapshot(), cost: search.cost };
    }
    const search = searchFrom(c, best!.vector);
    search.cost = best!.cost;
    const rounds = options.perturbations ?? Math.max(1_500, Math.round(1.5 * c.serviceCount));
    const workBudget = (options.sweepBudget ?? 300) * sweepWork(c) + 1_000_000;
    if (!timedOut && !iteratedLocalSearch(search, rounds, workBudget, random, deadline)) timedOut = true;
    return resultFromVector(c, search.state.snapshot(), timedOut ? 'timeout' : 'feasible', startedAt, {
      message: timedOut ? 'time limit reached; returning the best placement found' : undefined,
    });
  }
}

function searchFrom(c: CompiledInstance, vector: NodeVector): LocalSearch {
  const state = PlacementState.from(c, vector);
  return new LocalSearch(state, new MoveEvaluator(state));
}

function buildFromScratch(c: CompiledInstance): { vector?: NodeVector; message?: string } {
  const search = searchFrom(c, new Int32Array(c.replicaCount).fill(-1));
  const outcome = constructGreedy(search);
  if (!outcome.ok) return { message: outcome.message };
  const vector = search.state.snapshot();
  return checkVector(c, vector).length === 0 ? { vector } : { message: 'greedy construction broke a constraint' };
}

/**
 * The current placement, with replicas it does not cover (scale-up) placed greedily. Null when there
 * is no current placement or it, or its completion, breaks a constraint.
 */
function completeCurrent(c: CompiledInstance): NodeVector | null {
  const current = c.instance.current;
  if (!current) return null;
  const vector = new Int32Array(c.replicaCount).fill(-1);
  for (let s = 0; s < c.serviceCount; s++) {
    const nodes = current[c.instance.services[s].name] ?? [];
    for (let i = 0; i < nodes.length && i < c.replicas[s]; i++) vector[c.replicaStart[s] + i] = c.nodeIndex.get(nodes[i])!;
  }
  const search = searchFrom(c, vector);
  if (!constructGreedy(search).ok) return null;
  const complete = search.state.snapshot();
  return checkVector(c, complete).length === 0 ? complete : null;
}

/** Neighbour replicas a sweep over every replica scans: Σ_s replicas(s) · Σ_{b ~ s} replicas(b). */
function sweepWork(c: CompiledInstance): number {
  let work = 0;
  for (const e of c.edges) work += 2 * c.replicas[e.a] * c.replicas[e.b];
  return work;
}

/**
 * Perturb-and-repair rounds. A round moves one replica of a random service and of up to three of its
 * neighbours into one random zone, re-optimises the affected neighbourhood and keeps the result only if
 * the total cost dropped. Returns false if the deadline cut it short.
 */
function iteratedLocalSearch(search: LocalSearch, rounds: number, workBudget: number, random: Random, deadline: number): boolean {
  const { state } = search;
  const { c } = state;
  const talkers: number[] = [];
  for (let s = 0; s < c.serviceCount; s++) if (c.adjStart[s + 1] > c.adjStart[s]) talkers.push(s);
  if (talkers.length === 0 || c.zoneCount < 1) return true;
  state.clearHistory();
  let bestCost = search.cost;
  const workLimit = search.evaluator.work + workBudget;
  for (let round = 0; round < rounds && search.evaluator.work < workLimit; round++) {
    if ((round & 15) === 0 && performance.now() > deadline) return false;
    const mark = state.checkpoint();
    const group = [talkers[random.int(talkers.length)]];
    const degree = c.adjStart[group[0] + 1] - c.adjStart[group[0]];
    for (let k = 0; k < 3 && k < degree; k++) {
      const b = c.adjService[c.adjStart[group[0]] + random.int(degree)];
      if (!group.includes(b)) group.push(b);
    }
    const zone = random.int(c.zoneCount);
    let anchor = -1;
    for (const s of group) {
      const r = c.replicaStart[s] + random.int(c.replicas[s]);
      const from = state.node[r];
      const mask = c.allowed[s];
      const to = anchor >= 0 && (!mask || mask[anchor]) && state.fits(s, anchor) ? anchor : search.roomNode(s, zone);
      if (to < 0 || to === from || !state.spreadKeptAfterMove(s, c.nodeZone[from], c.nodeZone[to])) continue;
      search.cost += search.evaluator.moveDelta(r, to);
      state.move(r, to);
      if (anchor < 0) anchor = to;
      search.enqueueNeighbourhood(s);
    }
    const finished = search.run(deadline);
    if (search.cost < bestCost - 1e-9) {
      bestCost = search.cost;
      state.clearHistory();
    } else {
      search.clearQueue();
      state.rollback(mark);
      search.cost = bestCost;
    }
    if (!finished) return false;
  }
  return true;
}

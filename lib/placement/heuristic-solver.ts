/**
 * The fast solver for large instances: greedy construction by traffic weight (or, if that corners
 * itself, a kube-scheduler-like placement), then local search with moves and swaps, then iterated
 * local search until its effort budget is spent: perturb a few chatty services into another zone,
 * repair locally, keep the result only if the total improved, and kick harder (more services at once)
 * while rounds stop paying. When a start is given (the current placement, or any other feasible
 * placement), the search also runs from it, so the answer is never worse than that start.
 *
 * Effort is counted in evaluations (`MoveEvaluator.work`: neighbour replicas scanned and candidate nodes
 * priced), not in time: `effort` defaults to timeLimitMs × WORK_PER_MS, so the same seed and time
 * limit give the same placement on any machine, as long as the clock (a hard cap) does not cut the run
 * short first (status `timeout`). A run also ends once it has gone as long without a gain as it took
 * to find its last one, so small instances stop long before a generous limit.
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
  /**
   * Search effort of the whole run in evaluations (see `MoveEvaluator.work`); default
   * timeLimitMs × WORK_PER_MS. Construction and the first descent always finish (unless the clock cap
   * hits); the iterated local search runs until the effort is spent.
   */
  effort?: number;
  /** Most perturbation rounds of the iterated local search (default: no limit besides the effort). */
  perturbations?: number;
}

/** Default time limit (and so, through WORK_PER_MS, default effort) when the caller gives none. */
export const DEFAULT_HEURISTIC_TIME_LIMIT_MS = 2_000;
/**
 * Evaluations per millisecond of time limit the default effort assumes: about what one busy core of a
 * loaded machine does, so the effort, not the clock, usually ends a run.
 */
export const WORK_PER_MS = 8_000;

/** Greedy + local search + iterated local search. */
export class HeuristicSolver implements Solver {
  readonly name = 'heuristic';

  async solve(instance: Parameters<Solver['solve']>[0], options: HeuristicOptions = {}): Promise<SolveResult> {
    const startedAt = performance.now();
    const c = asCompiled(instance);
    const timeLimitMs = options.timeLimitMs ?? DEFAULT_HEURISTIC_TIME_LIMIT_MS;
    const deadline = startedAt + timeLimitMs;
    const effort = options.effort ?? timeLimitMs * WORK_PER_MS;
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

    // Construction and descent count towards the effort: the search ends at the same point on any machine.
    let work = 0;
    let best: { vector: NodeVector; cost: number } | null = null;
    let timedOut = false;
    for (const start of starts) {
      const search = searchFrom(c, start);
      search.cost = evaluateVector(c, start).total;
      for (let r = 0; r < c.replicaCount; r++) search.enqueue(r);
      if (!search.run(deadline)) timedOut = true;
      work += search.evaluator.work;
      if (!best || search.cost < best.cost - 1e-9) best = { vector: search.state.snapshot(), cost: search.cost };
    }
    let vector = best!.vector;
    if (!timedOut) {
      const search = searchFrom(c, vector);
      search.cost = best!.cost;
      timedOut = iteratedLocalSearch(search, { effort: effort - work, rounds: options.perturbations ?? Infinity }, random, deadline).timedOut;
      vector = search.state.snapshot();
    }
    return resultFromVector(c, vector, timedOut ? 'timeout' : 'feasible', startedAt, {
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

/** Rounds without improvement before the kick grows: enough to try every talker a couple of times. */
function stallRounds(talkers: number): number {
  return Math.max(200, 2 * talkers);
}
/** Largest kick, in groups perturbed at once. */
const MAX_STRENGTH = 8;

/**
 * Iterated local search from the search's (locally optimal) state. A round kicks `strength` groups
 * (one replica each of a random talker and up to three of its neighbours, into one random zone),
 * re-optimises the touched neighbourhood and keeps the result only if the total dropped (else rolls it
 * back, so the state is always the best placement seen). After `stallRounds` rounds without a gain the
 * kick doubles, up to MAX_STRENGTH; a gain resets it to one group. Stops when the effort is spent, after
 * `rounds` rounds, once it has gone as long without a gain as it took to find the last one (at least
 * eight stall periods: small instances end long before their budget), or at the deadline (timedOut).
 */
function iteratedLocalSearch(search: LocalSearch, budget: { effort: number; rounds: number }, random: Random, deadline: number): { timedOut: boolean } {
  const { state, evaluator } = search;
  const { c } = state;
  const talkers: number[] = [];
  for (let s = 0; s < c.serviceCount; s++) if (c.adjStart[s + 1] > c.adjStart[s] && !c.fixedCounts[s]) talkers.push(s);
  if (talkers.length === 0) return { timedOut: false };
  state.clearHistory();
  const workLimit = evaluator.work + budget.effort;
  const stall = stallRounds(talkers.length);
  const minStall = 2 * (Math.log2(MAX_STRENGTH) + 1) * stall;
  let best = search.cost;
  let lastGain = 0;
  let strength = 1;
  let idle = 0;
  for (let round = 0; round < budget.rounds && evaluator.work < workLimit; round++) {
    if ((round & 15) === 0 && performance.now() > deadline) return { timedOut: true };
    const mark = state.checkpoint();
    for (let k = 0; k < strength; k++) kick(search, talkers, random);
    const finished = search.run(deadline);
    if (search.cost < best - 1e-9) {
      best = search.cost;
      state.clearHistory();
      lastGain = round;
      idle = 0;
      strength = 1;
    } else {
      search.clearQueue();
      evaluator.work += (state.checkpoint() - mark) >> 1;
      state.rollback(mark);
      search.cost = best;
      idle++;
    }
    if (!finished) return { timedOut: true };
    if (round - lastGain > Math.max(minStall, lastGain)) break;
    if (idle >= stall) {
      idle = 0;
      strength = Math.min(MAX_STRENGTH, 2 * strength);
    }
  }
  return { timedOut: false };
}

/**
 * Moves one replica of a random talker and of up to three of its neighbours into one random zone (onto
 * one node when they fit together), keeping capacity, pins, the node limit and zone spread, and queues
 * their neighbourhoods for repair.
 */
function kick(search: LocalSearch, talkers: readonly number[], random: Random): void {
  const { state } = search;
  const { c } = state;
  const first = talkers[random.int(talkers.length)];
  const group = [first];
  const degree = c.adjStart[first + 1] - c.adjStart[first];
  for (let k = 0; k < 3 && k < degree; k++) {
    const b = c.adjService[c.adjStart[first] + random.int(degree)];
    if (!group.includes(b) && !c.fixedCounts[b]) group.push(b);
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
}

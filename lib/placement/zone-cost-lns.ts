/**
 * Zone counts by large-neighbourhood search on the zone-cost MIP (zone-cost-mip.ts): from given counts, free
 * the counts of a neighbourhood (a service and its call neighbours, breadth first), fix every other service
 * at its current counts, let HiGHS re-optimise that small MIP from the current counts (so it only
 * improves), keep the result, repeat until the deadline. A neighbourhood grows by half after `patience`
 * failures in a row and drops back to its first size after a gain; once it holds every movable service and
 * HiGHS solves it, the counts are the zone-cost optimum and the search ends.
 *
 * Zones may fill to ZONE_COST_MIP_SLACK of their CPU and memory (room for packing replicas onto nodes), or
 * to what the start already uses there (its counts are packed, so they stay feasible). A primal heuristic
 * only: nothing here is a bound. The neighbourhoods come from the seed; each small MIP is solved to its
 * optimum unless the clock cuts it, so the order of results is the seed's, how far it gets the clock's.
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';
import { zoneCountsOf } from './routing.js';
import { createRandom, shuffleInPlace, type Random } from './random.js';
import { packZones } from './zone-packing.js';
import { ZONE_COST_MIP_SLACK, zoneCostFormulation, zoneCostInstance, type Highs } from './zone-cost-mip.js';

export interface ZoneLnsOptions {
  /** A valid placement whose zone counts the search improves on. */
  start: NodeVector;
  /** `performance.now()` at which the search stops. */
  deadline: number;
  seed: number;
  /** Services freed per neighbourhood at first (default 10). */
  neighbourhood?: number;
  /** Neighbourhoods in a row without a gain before the next ones grow by half (default 12). */
  patience?: number;
  /** Relative gap at which HiGHS stops on the neighbourhood of every service (default 0.002). */
  mipRelGap?: number;
}

export interface ZoneLnsResult {
  /** The best counts found (the start's when nothing improved). */
  counts: Int32Array;
  /** A valid placement with those counts (the start, or a traffic-blind packing: zone-packing.ts) for the node stage to start from. */
  packing: NodeVector;
  /** Zone cost (the zone-cost MIP's objective) of the start and of `counts`. */
  startCost: number;
  cost: number;
  iterations: number;
  improvements: number;
  /** A neighbourhood of every movable service was solved (within mipRelGap): `counts` are the zone-cost optimum. */
  optimal: boolean;
}

const NEIGHBOURHOOD = 10;
const PATIENCE = 12;
/** Seconds at most for one neighbourhood smaller than the whole instance, and its relative gap. */
const NEIGHBOURHOOD_SECONDS = 1;
const NEIGHBOURHOOD_GAP = 1e-4;

/** Improves zone counts on the zone-cost MIP; null when the MIP cannot hold the start (then nothing is known). */
export function improveZoneCounts(c: CompiledInstance, highs: Highs, options: ZoneLnsOptions): ZoneLnsResult | null {
  const S = c.serviceCount;
  const Z = c.zoneCount;
  const startCounts = zoneCountsOf(c, options.start);
  const flat = zoneCostInstance(c, 1);
  if (!flat) return null;
  const formulation = zoneCostFormulation(flat);
  const model = highs.createModel({ format: 'lp', data: formulation.lp });
  try {
    const lp = model.getLp();
    const numCols = lp.numCols;
    const names = Array.from({ length: numCols }, (_, j) => model.getColName(j));
    const colIndex = new Map(names.map((name, j) => [name, j]));
    const rowIndex = new Map(Array.from({ length: lp.numRows }, (_, i) => [model.getRowName(i), i]));
    // The count columns n{s}_{z}; the start must lie within their bounds.
    const column = new Int32Array(S * Z).fill(-1);
    for (let s = 0; s < S; s++)
      for (let z = 0; z < Z; z++) {
        const j = colIndex.get(`n${s}_${z}`) ?? -1;
        if (j >= 0) column[s * Z + z] = j;
        const k = startCounts[s * Z + z];
        if (j < 0 ? k !== 0 : k < lp.colLower[j] - 1e-9 || k > lp.colUpper[j] + 1e-9) return null;
      }
    // Zone room: the packing slack, or what the start already uses; zones are not told apart by symmetry rows
    // here (the start need not follow their order, and every neighbourhood is small).
    for (let z = 0; z < Z; z++) {
      let cpu = 0;
      let memory = 0;
      let zoneCpu = 0;
      let zoneMemory = 0;
      for (let s = 0; s < S; s++) {
        cpu += c.cpu[s] * startCounts[s * Z + z];
        memory += c.memory[s] * startCounts[s * Z + z];
      }
      for (const n of c.zoneNodes[z]) {
        zoneCpu += c.nodeCpu[n];
        zoneMemory += c.nodeMemory[n];
      }
      for (const [name, used, room] of [
        [`zc${z}`, cpu, zoneCpu],
        [`zm${z}`, memory, zoneMemory],
      ] as const) {
        const row = rowIndex.get(name);
        if (row !== undefined) model.changeRowBounds(row, -Infinity, Math.min(room, Math.max(ZONE_COST_MIP_SLACK * room, used)) + 1e-6);
      }
    }
    for (const [name, i] of rowIndex) if (name.startsWith('sym')) model.changeRowBounds(i, -Infinity, Infinity);

    const countColumns: number[] = [];
    for (const j of column) if (j >= 0) countColumns.push(j);
    countColumns.sort((x, y) => x - y);
    const slot = new Map(countColumns.map((j, i) => [j, i]));
    const lower = new Float64Array(countColumns.length);
    const upper = new Float64Array(countColumns.length);
    const objectiveOf = (values: Map<string, number>): number => {
      let total = formulation.objectiveOffset;
      for (let j = 0; j < numCols; j++) total += lp.colCost[j] * (values.get(names[j]) ?? 0);
      return total;
    };
    const startVector = (counts: Int32Array): Float64Array => {
      const values = formulation.startValues(counts);
      return Float64Array.from(names, (name) => values.get(name) ?? 0);
    };

    let counts: Int32Array = startCounts;
    let packing: NodeVector = options.start;
    let start = startVector(counts);
    const startCost = objectiveOf(formulation.startValues(counts));
    let cost = startCost;
    const movable: number[] = [];
    const canMove = new Uint8Array(S);
    const seeds: number[] = [];
    for (let s = 0; s < S; s++) {
      if (c.fixedCounts[s] || c.replicas[s] === 0 || !hasFreedom(column, lp.colLower, lp.colUpper, s, Z)) continue;
      movable.push(s);
      canMove[s] = 1;
      if (c.adjStart[s + 1] > c.adjStart[s]) seeds.push(s);
    }
    const result = (): ZoneLnsResult => ({ counts, packing, startCost, cost, iterations, improvements, optimal });
    let iterations = 0;
    let improvements = 0;
    let optimal = false;
    if (movable.length === 0 || Z < 2) return { ...result(), optimal: true };
    const random = createRandom(options.seed);
    const first = Math.max(1, options.neighbourhood ?? NEIGHBOURHOOD);
    const patience = options.patience ?? PATIENCE;
    let size = Math.min(first, movable.length);
    let failures = 0;
    const free = new Uint8Array(S);
    const split = new Float64Array(S);
    const weigh = (): void => {
      split.fill(0);
      for (const e of c.edges) {
        let together = 0;
        for (let z = 0; z < Z; z++) together += Math.min(counts[e.a * Z + z] / c.replicas[e.a], counts[e.b * Z + z] / c.replicas[e.b]);
        const apart = e.weight * Math.max(0, 1 - together);
        if (canMove[e.a]) split[e.a] += apart;
        if (canMove[e.b]) split[e.b] += apart;
      }
    };
    weigh();
    const status = highs.constants.modelStatus;
    while (performance.now() < options.deadline) {
      iterations++;
      const whole = size >= movable.length;
      free.fill(0);
      if (whole) for (const s of movable) free[s] = 1;
      else {
        // Half the neighbourhoods start at a service whose calls leave its zones most (by that weight), half anywhere.
        const from = random.next() < 0.5 ? weightedPick(split, random) : -1;
        neighbourhood(c, canMove, seeds.length > 0 ? seeds : movable, from, random, size, free);
      }
      for (let s = 0; s < S; s++)
        for (let z = 0; z < Z; z++) {
          const j = column[s * Z + z];
          if (j < 0) continue;
          const i = slot.get(j)!;
          lower[i] = free[s] ? lp.colLower[j] : counts[s * Z + z];
          upper[i] = free[s] ? lp.colUpper[j] : counts[s * Z + z];
        }
      model.changeColsBounds({ kind: 'set', indices: countColumns }, lower, upper);
      model.setSolution({ colValue: start });
      const left = (options.deadline - performance.now()) / 1_000;
      model.zeroAllClocks();
      model.options.set({
        output_flag: false,
        time_limit: Math.max(0.01, whole ? left : Math.min(left, NEIGHBOURHOOD_SECONDS)),
        mip_rel_gap: whole ? (options.mipRelGap ?? 0.002) : NEIGHBOURHOOD_GAP,
        random_seed: options.seed >>> 1,
      });
      const { modelStatus } = model.run();
      let next: Int32Array | null = null;
      let value = Infinity;
      if (model.info.get('primal_solution_status') === 2) {
        value = model.getObjectiveValue() + formulation.objectiveOffset;
        const columns = model.getSolution().colValue;
        next = formulation.decode((name) => columns[colIndex.get(name) ?? -1] ?? 0);
      }
      // Counts no packing is found for are no use to the node stage (a zone's mix may not fit its nodes).
      const better = next && value < cost - 1e-7 * Math.max(1, Math.abs(cost)) && complete(c, next) && next.some((k, i) => k !== counts[i]);
      const packed = better ? packZones(c, next!) : null;
      if (packed) {
        counts = next!;
        packing = packed;
        weigh();
        cost = value;
        start = startVector(counts);
        improvements++;
        failures = 0;
        size = Math.min(first, movable.length);
      } else if (++failures >= patience) {
        failures = 0;
        size = Math.min(movable.length, Math.ceil(size * 1.5));
      }
      if (whole && modelStatus === status.optimal) {
        optimal = true;
        break;
      }
    }
    return result();
  } finally {
    model.dispose();
  }
}

function hasFreedom(column: Int32Array, lower: Float64Array, upper: Float64Array, s: number, Z: number): boolean {
  let span = 0;
  for (let z = 0; z < Z; z++) {
    const j = column[s * Z + z];
    if (j >= 0 && upper[j] > lower[j]) span++;
  }
  return span >= 2;
}

/** Marks `size` services breadth first along calls from `from` (or a random seed; neighbours in random order). */
function neighbourhood(c: CompiledInstance, canMove: Uint8Array, seeds: readonly number[], from: number, random: Random, size: number, free: Uint8Array): void {
  let marked = 0;
  const queue: number[] = [];
  const mark = (s: number): void => {
    if (free[s] || marked >= size || !canMove[s]) return;
    free[s] = 1;
    marked++;
    queue.push(s);
  };
  while (marked < size) {
    // A component can run out before the neighbourhood is full: start again from another seed.
    const before = marked;
    mark(from >= 0 && marked === 0 ? from : seeds[random.int(seeds.length)]);
    while (queue.length > 0 && marked < size) {
      const s = queue.shift()!;
      const around = Array.from(c.adjService.subarray(c.adjStart[s], c.adjStart[s + 1]));
      shuffleInPlace(around, random);
      for (const b of around) mark(b);
    }
    if (marked === before && seeds.every((s) => free[s])) break;
  }
}

/** An index drawn with probability proportional to its weight; -1 when every weight is 0. */
function weightedPick(weights: Float64Array, random: Random): number {
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) return -1;
  let target = random.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0 && weights[i] > 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return -1;
}

/** Every service has all its replicas. */
function complete(c: CompiledInstance, counts: Int32Array): boolean {
  const Z = c.zoneCount;
  for (let s = 0; s < c.serviceCount; s++) {
    let total = 0;
    for (let z = 0; z < Z; z++) total += counts[s * Z + z];
    if (total !== c.replicas[s]) return false;
  }
  return true;
}

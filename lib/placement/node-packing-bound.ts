/**
 * How much traffic can stay on a node, over the whole placement: a bound that charges co-location
 * against node capacity (every other joint bound lets nearly all local calls share a node).
 *
 * The same-node weight of a placement + routing is SN = Σ_{a→b} w_ab · (share of the calls that stay
 * on the caller's node), so cost = zoneCost − (d1 − d0)·SN, where zoneCost prices same-node calls at
 * the same-zone distance. A caller replica of a on node n sends w_ab/r_a, of which at most the part
 * routed to its zone stays, spread over b's replicas there: what stays on n is at most w_ab/r_a per
 * caller replica when n holds a replica of b, else 0. And a replica of b receives at most cap × its
 * uniform share of b's inbound rps (the zone load cap; calls spread evenly inside a zone). So node n's
 * same-node weight is at most
 *
 *   V_n(x) = Σ_{a→b, a≠b} [x_a, x_b ≥ 1]·min(x_a·w_ab/r_a, x_b·(w_ab/rps_ab)·cap·inbound_b/r_b) + Σ_{a→a} x_a·w_aa/r_a
 *
 * for its replica counts x (x_s ≤ the node limit, or the fixed count; Σ cpu_s·x_s ≤ the node's CPU, or
 * memory: the more binding of the two). Each service places r_s replicas in all: with multipliers μ_s
 * (any sign) on Σ_n x_s,n = r_s,
 *
 *   SN ≤ Σ_s μ_s·r_s + Σ_n max_x (V_n(x) − μ·x)        (weak duality, for every μ)
 *
 * and per zone z, SN_z ≤ Σ_s μ_s·n_s,z + Σ_{n∈z} max_x (V_n(x) − μ·x): a linear cut in the zone counts
 * (the joint MIP adds it). The node problem is a quadratic knapsack; the heaviest pairs form a spanning
 * forest solved exactly by dynamic programming over the tree and the capacity (item sizes rounded down
 * to a grid, which only relaxes), every other pair's term is bounded linearly (by either side of the min).
 * μ comes from column generation on the configuration LP (its duals), see sameNodeWeightBound.
 */
import type { CompiledInstance } from './compiled-instance.js';
import type { loadHighs } from './ilp-solver.js';
import { inboundRps } from './routing.js';

/** The HiGHS runtime (ilp-solver.ts is the one file that imports the package). */
type Highs = Awaited<ReturnType<typeof loadHighs>>;

export interface NodePackingOptions {
  /** Column generation rounds at most (default 400). */
  iterations?: number;
  /** performance.now() after which the iterations stop (the bound so far stays valid). */
  deadline?: number;
  /** A placement (node per replica) whose nodes seed the column generation. */
  start?: ArrayLike<number>;
}

export interface SameNodeCut {
  /** Multiplier per service. */
  mu: Float64Array;
  /** Per zone: Σ over its nodes of max_x (V_n(x) − μ·x). */
  zoneRhs: Float64Array;
}

export interface NodePackingBound {
  /** Upper bound on the same-node weight SN of every placement that keeps the rules, under any routing. */
  sameNodeWeight: number;
  /** Per-zone cuts: SN_z − Σ_s μ_s·n_s,z ≤ zoneRhs[z], for the best multipliers found. */
  cuts: SameNodeCut[];
  iterations: number;
}

/** Capacity units of the knapsack at most (sizes are rounded down to a grid coarse enough). */
const MAX_UNITS = 240;
/** Cuts handed to the MIP: the multipliers with the smallest bounds. */
const KEPT_CUTS = 4;
/** Weight of the best multipliers in the smoothed pricing point. */
const SMOOTHING = 0.5;
/** Extra columns per node type and round (disjoint from the priced one). */
const EXTRA_COLUMNS = 3;
const NEG = Number.NEGATIVE_INFINITY;

interface PairTerm {
  /** The neighbour in the forest. */
  other: number;
  /** this → other: weight per replica of this (the caller) and per replica of other (the callee). */
  outCaller: number;
  outCallee: number;
  /** other → this: per replica of other (the caller) and per replica of this (the callee). */
  inCaller: number;
  inCallee: number;
}

/** Same-node weight bound of a forest pair with kv replicas of this vertex and ku of the other on a node. */
function pairValue(term: PairTerm, kv: number, ku: number): number {
  if (kv === 0 || ku === 0) return 0;
  return Math.min(term.outCaller * kv, term.outCallee * ku) + Math.min(term.inCaller * ku, term.inCallee * kv);
}

interface NodeType {
  nodes: number[];
  /** Replicas allowed per service on this node type. */
  cap: Int32Array;
  /** Item size per service in grid units; capacity in grid units. */
  size: Int32Array;
  capacity: number;
}

export function sameNodeWeightBound(c: CompiledInstance, highs: Highs, options: NodePackingOptions = {}): NodePackingBound {
  const S = c.serviceCount;
  const Z = c.zoneCount;
  const linear = new Float64Array(S);
  // Undirected pair terms. A call edge a→b keeps at most w/r_a per caller replica beside a replica of b,
  // and a replica of b receives at most cap × its uniform share of b's inbound rps (the zone load cap,
  // spread evenly inside the zone): at most w/rps · cap · inbound_b / r_b per callee replica.
  const cap = Math.max(1, c.instance.routing.zoneLoadCap);
  const inbound = inboundRps(c);
  const perCallee = (e: { to: number; weight: number; rps: number }): number =>
    e.rps > 0 ? ((e.weight / e.rps) * cap * inbound[e.to]) / c.replicas[e.to] : e.weight;
  const pairKey = new Map<number, { a: number; b: number; ab: number; abIn: number; ba: number; baIn: number }>();
  for (const e of c.directedEdges) {
    if (c.replicas[e.from] === 0 || c.replicas[e.to] === 0) continue;
    if (e.from === e.to) {
      linear[e.from] += e.weight / c.replicas[e.from];
      continue;
    }
    const a = Math.min(e.from, e.to);
    const b = Math.max(e.from, e.to);
    const key = a * S + b;
    let pair = pairKey.get(key);
    if (!pair) pairKey.set(key, (pair = { a, b, ab: 0, abIn: 0, ba: 0, baIn: 0 }));
    if (e.from === a) {
      pair.ab += e.weight / c.replicas[a];
      pair.abIn += perCallee(e);
    } else {
      pair.ba += e.weight / c.replicas[b];
      pair.baIn += perCallee(e);
    }
  }
  const pairs = [...pairKey.values()];
  const most = (caller: number, callee: number, perCaller: number, perCalleeReplica: number): number =>
    Math.min(perCaller * c.maxPerNode[caller], perCalleeReplica * c.maxPerNode[callee]);
  const pairWeight = (p: (typeof pairs)[number]): number => most(p.a, p.b, p.ab, p.abIn) + most(p.b, p.a, p.ba, p.baIn);
  pairs.sort((x, y) => pairWeight(y) - pairWeight(x) || x.a - y.a || x.b - y.b);
  const root = Int32Array.from({ length: S }, (_, i) => i);
  const find = (x: number): number => {
    while (root[x] !== x) x = root[x] = root[root[x]];
    return x;
  };
  const adjacent: PairTerm[][] = Array.from({ length: S }, () => []);
  // Off the forest, a→b is bounded linearly: by w/r_a per caller replica or by its per-callee-replica cap.
  const linearise = (caller: number, callee: number, perCaller: number, perCalleeReplica: number): void => {
    if (perCaller * c.maxPerNode[caller] <= perCalleeReplica * c.maxPerNode[callee]) linear[caller] += perCaller;
    else linear[callee] += perCalleeReplica;
  };
  for (const p of pairs) {
    const ra = find(p.a);
    const rb = find(p.b);
    if (ra !== rb) {
      root[ra] = rb;
      adjacent[p.a].push({ other: p.b, outCaller: p.ab, outCallee: p.abIn, inCaller: p.ba, inCallee: p.baIn });
      adjacent[p.b].push({ other: p.a, outCaller: p.ba, outCallee: p.baIn, inCaller: p.ab, inCallee: p.abIn });
    } else {
      linearise(p.a, p.b, p.ab, p.abIn);
      linearise(p.b, p.a, p.ba, p.baIn);
    }
  }
  // Post-order of every tree under one virtual root (index S): the trees share the node's capacity.
  const order: number[] = [];
  const children: number[][] = Array.from({ length: S + 1 }, () => []);
  const seen = new Uint8Array(S);
  for (let s = 0; s < S; s++) {
    if (seen[s] || c.replicas[s] === 0) continue;
    seen[s] = 1;
    children[S].push(s);
    const stack = [s];
    while (stack.length > 0) {
      const v = stack.pop()!;
      order.push(v);
      for (const { other } of adjacent[v])
        if (!seen[other]) {
          seen[other] = 1;
          children[v].push(other);
          stack.push(other);
        }
    }
  }
  order.reverse();
  const pairTo = (v: number, u: number): PairTerm => adjacent[v].find((t) => t.other === u)!;

  const types = nodeTypes(c);
  const solveType = (t: number, mu: Float64Array): { value: number; counts: Int32Array } => solveNode(c, types[t], mu, linear, order, children, pairTo);
  // U(μ) = Σ μ_s r_s + Σ_t |t|·max_x (V − μx), valid for every μ; the pricing problem of the master below.
  const lagrangian = (mu: Float64Array): { bound: number; columns: { value: number; counts: Int32Array }[] } => {
    let bound = 0;
    for (let s = 0; s < S; s++) bound += mu[s] * c.replicas[s];
    const columns = types.map((type, t) => {
      const column = solveType(t, mu);
      bound += column.value * type.nodes.length;
      return column;
    });
    return { bound, columns };
  };

  // Column generation on the configuration LP: max Σ_p V_p λ_p, Σ_p x_p,s λ_p ≤ r_s, Σ_{p of t} λ_p ≤ |t|.
  // Its duals are the multipliers; every U(μ) on the way is a valid bound, the smallest are kept. Pricing
  // first tries duals smoothed towards the best multipliers so far (fewer rounds), then the LP's own.
  const columns: { type: number; value: number; counts: Int32Array }[] = [];
  const master = new Master(highs, S, types, c.replicas);
  const known = new Set<string>();
  const addColumn = (type: number, counts: Int32Array): boolean => {
    const key = `${type}:${counts.join(',')}`;
    if (known.has(key)) return false;
    known.add(key);
    const column = { type, value: patternValue(counts), counts };
    columns.push(column);
    master.add(column);
    return true;
  };
  const patternValue = (x: Int32Array): number => {
    let value = 0;
    for (let v = 0; v < S; v++) {
      if (x[v] === 0) continue;
      value += linear[v] * x[v];
      // Each forest pair is listed at both ends: count it once, from its lower end.
      for (const term of adjacent[v]) if (term.other > v) value += pairValue(term, x[v], x[term.other]);
    }
    return value;
  };
  if (options.start) {
    const typeOf = new Int32Array(c.nodeCount);
    types.forEach((type, t) => type.nodes.forEach((n) => (typeOf[n] = t)));
    const perNode = Array.from({ length: c.nodeCount }, () => new Int32Array(S));
    for (let r = 0; r < options.start.length; r++) perNode[options.start[r]][c.replicaService[r]]++;
    perNode.forEach((counts, n) => {
      const type = types[typeOf[n]];
      let fits = true;
      for (let s = 0; s < S; s++) if (counts[s] > type.cap[s]) fits = false;
      if (fits) addColumn(typeOf[n], counts);
    });
  }
  const kept: { bound: number; mu: Float64Array; values: Float64Array }[] = [];
  const keep = (bound: number, mu: Float64Array, values: Float64Array): void => {
    kept.push({ bound, mu, values });
    kept.sort((x, y) => x.bound - y.bound);
    if (kept.length > KEPT_CUTS) kept.pop();
  };
  const maxIterations = options.iterations ?? 400;
  let iterations = 0;
  try {
    for (; iterations < maxIterations; iterations++) {
      const duals = columns.length > 0 ? master.solve() : new Float64Array(S);
      if (!duals) break;
      const candidates = [duals];
      if (kept.length > 0) candidates.unshift(Float64Array.from(duals, (v, s) => SMOOTHING * kept[0].mu[s] + (1 - SMOOTHING) * v));
      let added = 0;
      for (const mu of candidates) {
        const { bound, columns: priced } = lagrangian(mu);
        keep(
          bound,
          mu,
          Float64Array.from(priced, (col) => col.value),
        );
        priced.forEach((col, t) => {
          if (addColumn(t, col.counts)) added++;
        });
        if (added > 0) {
          // More columns per round: the best patterns without the services already used (disjoint packings).
          for (let t = 0; t < types.length; t++) {
            const without = Float64Array.from(mu);
            let counts = priced[t].counts;
            for (let extra = 0; extra < EXTRA_COLUMNS; extra++) {
              for (let s = 0; s < S; s++) if (counts[s] > 0) without[s] = Number.POSITIVE_INFINITY;
              counts = solveType(t, without).counts;
              if (!counts.some((k) => k > 0) || !addColumn(t, counts)) break;
            }
          }
          break;
        }
      }
      if (added === 0) break;
      if (options.deadline !== undefined && performance.now() > options.deadline) break;
    }
  } finally {
    master.dispose();
  }
  const cuts = kept.map(({ mu, values }) => {
    const zoneRhs = new Float64Array(Z);
    types.forEach((type, t) => {
      for (const n of type.nodes) zoneRhs[c.nodeZone[n]] += values[t];
    });
    return { mu, zoneRhs };
  });
  // SN ≤ Σ w (every call stays on its node at best), also when no round ran.
  let total = 0;
  for (const e of c.directedEdges) total += e.weight;
  return { sameNodeWeight: Math.max(0, Math.min(total, kept[0]?.bound ?? total)), cuts, iterations };
}

/**
 * The restricted master LP, kept in one HiGHS model: columns are added as they are found and each solve
 * starts from the last basis. `solve` returns μ_s ≥ 0 (the service rows' duals), or null when HiGHS fails.
 */
class Master {
  private readonly model: ReturnType<Highs['createModel']>;
  private pending: { type: number; value: number; counts: Int32Array }[] = [];

  constructor(
    highs: Highs,
    private readonly S: number,
    types: readonly NodeType[],
    replicas: Int32Array,
  ) {
    const numRows = S + types.length;
    this.model = highs.createModel({
      numCols: 0,
      numRows,
      colCost: new Float64Array(0),
      colLower: new Float64Array(0),
      colUpper: new Float64Array(0),
      rowLower: new Float64Array(numRows).fill(-Infinity),
      rowUpper: Float64Array.from({ length: numRows }, (_, i) => (i < S ? replicas[i] : types[i - S].nodes.length)),
      matrix: { format: 'csc', numRows, numCols: 0, starts: [0], indices: [], values: [] },
    });
    this.model.options.set({ output_flag: false });
  }

  add(column: { type: number; value: number; counts: Int32Array }): void {
    this.pending.push(column);
  }

  solve(): Float64Array | null {
    try {
      for (const col of this.pending) {
        const indices: number[] = [];
        const values: number[] = [];
        for (let s = 0; s < this.S; s++)
          if (col.counts[s] > 0) {
            indices.push(s);
            values.push(col.counts[s]);
          }
        indices.push(this.S + col.type);
        values.push(1);
        // Minimising −V.
        this.model.addCol(-col.value, 0, Infinity, { indices, values });
      }
      this.pending = [];
      this.model.run();
      const { rowDual } = this.model.getSolution();
      // Minimising −V with ≤ rows: a binding row's dual is ≤ 0; μ = −dual.
      return Float64Array.from({ length: this.S }, (_, s) => Math.max(0, -rowDual[s]));
    } catch {
      return null;
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Nodes grouped by what the node problem sees: capacity and the replicas each service may put there. */
function nodeTypes(c: CompiledInstance): NodeType[] {
  const S = c.serviceCount;
  let demandCpu = 0;
  let demandMemory = 0;
  let totalCpu = 0;
  let totalMemory = 0;
  for (let s = 0; s < S; s++) {
    demandCpu += c.cpu[s] * c.replicas[s];
    demandMemory += c.memory[s] * c.replicas[s];
  }
  for (let n = 0; n < c.nodeCount; n++) {
    totalCpu += c.nodeCpu[n];
    totalMemory += c.nodeMemory[n];
  }
  // The more binding resource overall (either gives a valid bound).
  const useCpu = demandCpu * totalMemory >= demandMemory * totalCpu;
  const sizeOf = useCpu ? c.cpu : c.memory;
  const roomOf = useCpu ? c.nodeCpu : c.nodeMemory;
  let grid = 0;
  for (let s = 0; s < S; s++) if (c.replicas[s] > 0 && sizeOf[s] > 0) grid = gcd(grid, Math.round(sizeOf[s]));
  const byKey = new Map<string, NodeType>();
  for (let n = 0; n < c.nodeCount; n++) {
    const room = roomOf[n];
    const unit = Math.max(grid > 0 ? grid : 1, room / MAX_UNITS);
    const cap = new Int32Array(S);
    for (let s = 0; s < S; s++) {
      if (c.replicas[s] === 0) continue;
      const fixed = c.fixedCounts[s];
      cap[s] = fixed ? (fixed.get(n) ?? 0) : c.allowed[s] && !c.allowed[s]![n] ? 0 : c.maxPerNode[s];
      if (sizeOf[s] > room + 1e-9) cap[s] = 0;
    }
    // Sizes rounded down and the room rounded (up by at most 1e-9) keep every set that fits: a relaxation.
    const size = Int32Array.from(sizeOf, (v) => Math.floor(v / unit));
    const capacity = Math.floor(room / unit + 1e-9);
    const key = `${capacity}|${size.join(',')}|${cap.join(',')}`;
    const type = byKey.get(key);
    if (type) type.nodes.push(n);
    else byKey.set(key, { nodes: [n], cap, size, capacity });
  }
  return [...byKey.values()];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * max_x V(x) − μ·x on one node type by dynamic programming over the forest (post-order) and the
 * capacity: dp_v[k][u] = best value of v's subtree with k replicas of v and u units used in it.
 */
function solveNode(
  c: CompiledInstance,
  type: NodeType,
  mu: Float64Array,
  linear: Float64Array,
  order: readonly number[],
  children: readonly number[][],
  pairTo: (v: number, u: number) => PairTerm,
): { value: number; counts: Int32Array } {
  const S = c.serviceCount;
  const C = type.capacity;
  const W = C + 1;
  const dp: (Float64Array | null)[] = new Array(S + 1).fill(null);
  const span = new Int32Array(S + 1);
  // Per merged child: the parent's units before the merge and the child's count, for each (k_v, units).
  const choiceUnits: (Int32Array | null)[] = new Array(S + 1).fill(null);
  const choiceCount: (Int32Array | null)[] = new Array(S + 1).fill(null);
  const topOf = (v: number): number => (v === S ? 0 : type.cap[v]);
  const visit = (v: number): void => {
    const top = topOf(v);
    const size = v === S ? 0 : type.size[v];
    let table = new Float64Array((top + 1) * W).fill(NEG);
    let reach = 0;
    for (let k = 0; k <= top; k++) {
      const units = k * size;
      if (units > C) break;
      table[k * W + units] = v === S || k === 0 ? 0 : (linear[v] - mu[v]) * k;
      reach = Math.max(reach, units);
    }
    for (const u of children[v]) {
      const child = dp[u]!;
      const childTop = topOf(u);
      const childReach = span[u];
      const term = v === S ? null : pairTo(v, u);
      const merged = new Float64Array((top + 1) * W).fill(NEG);
      const units = new Int32Array((top + 1) * W);
      const counts = new Int32Array((top + 1) * W);
      const bestChild = new Float64Array(childReach + 1);
      const bestCount = new Int32Array(childReach + 1);
      const newReach = Math.min(C, reach + childReach);
      for (let kv = 0; kv <= top; kv++) {
        for (let w = 0; w <= childReach; w++) {
          let value = NEG;
          let arg = 0;
          for (let ku = 0; ku <= childTop; ku++) {
            const base = child[ku * W + w];
            if (base === NEG) continue;
            const paired = term ? pairValue(term, kv, ku) : 0;
            if (base + paired > value) {
              value = base + paired;
              arg = ku;
            }
          }
          bestChild[w] = value;
          bestCount[w] = arg;
        }
        const row = kv * W;
        for (let w1 = 0; w1 <= reach; w1++) {
          const left = table[row + w1];
          if (left === NEG) continue;
          const limit = Math.min(childReach, C - w1);
          for (let w2 = 0; w2 <= limit; w2++) {
            const right = bestChild[w2];
            if (right === NEG) continue;
            const at = row + w1 + w2;
            if (left + right > merged[at]) {
              merged[at] = left + right;
              units[at] = w1;
              counts[at] = bestCount[w2];
            }
          }
        }
      }
      table = merged;
      reach = newReach;
      choiceUnits[u] = units;
      choiceCount[u] = counts;
      dp[u] = null;
    }
    dp[v] = table;
    span[v] = reach;
  };
  for (const v of order) visit(v);
  visit(S);
  const rootTable = dp[S]!;
  let value = NEG;
  let at = 0;
  for (let w = 0; w <= span[S]; w++)
    if (rootTable[w] > value) {
      value = rootTable[w];
      at = w;
    }
  // Walk back: the children of v were merged in order, so undo them last to first.
  const counts = new Int32Array(S);
  const stack: { v: number; k: number; w: number }[] = [{ v: S, k: 0, w: at }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const { v, k } = top;
    let { w } = top;
    if (v < S) counts[v] = k;
    for (let i = children[v].length - 1; i >= 0; i--) {
      const u = children[v][i];
      const cell = k * W + w;
      const before = choiceUnits[u]![cell];
      stack.push({ v: u, k: choiceCount[u]![cell], w: w - before });
      w = before;
    }
  }
  return { value, counts };
}

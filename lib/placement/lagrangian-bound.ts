/**
 * A Lagrangian (tree decomposition) lower bound on the joint placement + routing cost, at zone level.
 *
 * Every service's state is its zone count vector n_s (Σ_z n_z = r, n_z ≤ what zone z holds under pins,
 * the node limit and one replica's fit, ≤ r−1 with zone spread; a fixed service has one state). The
 * cost is a sum of pair terms: for each pair of services that call each other, the least cost of their
 * calls for their two count vectors (zoneEdgeCost, star-bound.ts: callers send rps·n_a,z/r_a, local up
 * to the callee zone's room under the load cap, the same-node share at its best, the rest to the
 * nearest other zone holding the callee). Node capacity and the callers' shared room are relaxed, moves
 * and node risk cost ≥ 0 (risk is priced at the least risk a zone offers).
 *
 * The heaviest pairs form a spanning forest whose minimum over all states is exact by dynamic
 * programming; every other pair gets its own copies of its two states, tied to the forest's by
 * multipliers λ (one per copy and state) and the zones' CPU and memory by ν ≥ 0. For any multipliers the
 * sum of the forest's minimum and the pairs' minima is a lower bound (weak duality); subgradient steps
 * (Polyak, deterministic) raise it. With identical zones one service (the anchor: most traffic) is taken
 * in non-increasing order inside each group of identical zones: every solution has a zone relabelling
 * that does so at the same cost, and without it the multipliers could not tell zones apart.
 */
import type { CompiledInstance } from './compiled-instance.js';
import { buildZonePairModel } from './zone-pair-model.js';

export interface TreeBoundOptions {
  /** Subgradient iterations at most (default 300). */
  iterations?: number;
  /** A known joint cost (the incumbent): the Polyak steps aim at it. */
  upperBound?: number;
  /** performance.now() after which the iterations stop (the bound so far stays valid). */
  deadline?: number;
  /** Pairs with more state pairs than this take their per-edge bound instead (default 40,000). */
  maxPairs?: number;
}

export interface TreeBound {
  bound: number;
  iterations: number;
}

/** The tree-decomposition bound (see the file comment); never below 0. */
export function jointTreeLowerBound(c: CompiledInstance, options: TreeBoundOptions = {}): TreeBound {
  const S = c.serviceCount;
  const Z = c.zoneCount;

  const model = buildZonePairModel(c, { maxPairs: options.maxPairs ?? 40_000 });
  if (!model) return { bound: 0, iterations: 0 };
  const { vectors, K, unary, pairs, constant, anchor } = model;

  // Spanning forest of the heaviest pairs (Kruskal); the others are the copied pairs.
  const parentOf = Int32Array.from({ length: S }, (_, i) => i);
  const find = (x: number): number => {
    while (parentOf[x] !== x) x = parentOf[x] = parentOf[parentOf[x]];
    return x;
  };
  const order = pairs.map((_, i) => i).sort((x, y) => pairs[y].weight - pairs[x].weight || x - y);
  const treeAdjacent: { to: number; pair: number }[][] = Array.from({ length: S }, () => []);
  const extra: number[] = [];
  for (const pi of order) {
    const { a, b } = pairs[pi];
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) {
      extra.push(pi);
      continue;
    }
    parentOf[ra] = rb;
    treeAdjacent[a].push({ to: b, pair: pi });
    treeAdjacent[b].push({ to: a, pair: pi });
  }
  // Visit order: every component from a root (the anchor's component from the anchor), parents first.
  const visitOrder: number[] = [];
  const treeParent = new Int32Array(S).fill(-1);
  const treeParentPair = new Int32Array(S).fill(-1);
  const seen = new Uint8Array(S);
  const roots: number[] = [];
  for (const start of [anchor, ...Array.from({ length: S }, (_, i) => i)]) {
    if (start < 0 || seen[start] || c.replicas[start] === 0) continue;
    roots.push(start);
    seen[start] = 1;
    const queue = [start];
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      visitOrder.push(s);
      for (const { to, pair } of treeAdjacent[s])
        if (!seen[to]) {
          seen[to] = 1;
          treeParent[to] = s;
          treeParentPair[to] = pair;
          queue.push(to);
        }
    }
  }

  // Zone capacity (normalised: Σ size·n / zone size ≤ 1) priced by ν in the unary terms.
  const zoneCpu = new Float64Array(Z);
  const zoneMemory = new Float64Array(Z);
  for (let n = 0; n < c.nodeCount; n++) {
    zoneCpu[c.nodeZone[n]] += c.nodeCpu[n];
    zoneMemory[c.nodeZone[n]] += c.nodeMemory[n];
  }
  const nuCpu = new Float64Array(Z);
  const nuMemory = new Float64Array(Z);
  const lambdaA = extra.map((pi) => new Float64Array(K[pairs[pi].a]));
  const lambdaB = extra.map((pi) => new Float64Array(K[pairs[pi].b]));
  const adjusted = unary.map((u) => new Float64Array(u.length));
  const sub = unary.map((u) => new Float64Array(u.length));
  const choice: (Int32Array | null)[] = new Array(S).fill(null); // best own state per parent state
  const state = new Int32Array(S);
  const copyA = new Int32Array(extra.length);
  const copyB = new Int32Array(extra.length);

  const evaluate = (): number => {
    let total = constant;
    for (let s = 0; s < S; s++) {
      const u = adjusted[s];
      for (let i = 0; i < K[s]; i++) {
        let v = unary[s][i];
        for (let z = 0; z < Z; z++) {
          const k = vectors[s][i * Z + z];
          if (k > 0) v += k * ((nuCpu[z] * c.cpu[s]) / zoneCpu[z] + (nuMemory[z] * c.memory[s]) / zoneMemory[z]);
        }
        u[i] = v;
      }
    }
    for (let z = 0; z < Z; z++) total -= nuCpu[z] + nuMemory[z];
    extra.forEach((pi, x) => {
      const { a, b, table } = pairs[pi];
      for (let i = 0; i < K[a]; i++) adjusted[a][i] -= lambdaA[x][i];
      for (let i = 0; i < K[b]; i++) adjusted[b][i] -= lambdaB[x][i];
      let best = Infinity;
      for (let ia = 0; ia < K[a]; ia++)
        for (let ib = 0; ib < K[b]; ib++) {
          const v = table[ia * K[b] + ib] + lambdaA[x][ia] + lambdaB[x][ib];
          if (v < best) {
            best = v;
            copyA[x] = ia;
            copyB[x] = ib;
          }
        }
      total += best;
    });
    // Forest: leaves first, each child sends min over its states to every parent state.
    for (const s of visitOrder) sub[s].set(adjusted[s]);
    for (let q = visitOrder.length - 1; q >= 0; q--) {
      const s = visitOrder[q];
      const p = treeParent[s];
      if (p < 0) continue;
      const { a, table } = pairs[treeParentPair[s]];
      const childIsA = a === s;
      const best = choice[s] && choice[s]!.length === K[p] ? choice[s]! : (choice[s] = new Int32Array(K[p]));
      for (let ip = 0; ip < K[p]; ip++) {
        let least = Infinity;
        for (let is = 0; is < K[s]; is++) {
          const v = sub[s][is] + (childIsA ? table[is * K[p] + ip] : table[ip * K[s] + is]);
          if (v < least) {
            least = v;
            best[ip] = is;
          }
        }
        sub[p][ip] += least;
      }
    }
    for (const s of visitOrder) {
      const p = treeParent[s];
      if (p >= 0) {
        state[s] = choice[s]![state[p]];
        continue;
      }
      let least = Infinity;
      for (let i = 0; i < K[s]; i++)
        if (sub[s][i] < least) {
          least = sub[s][i];
          state[s] = i;
        }
      total += least;
    }
    return total;
  };

  const iterations = options.iterations ?? 300;
  let value = evaluate();
  let bestBound = value;
  let theta = 1;
  let sinceImproved = 0;
  let done = 1;
  for (; done < iterations; done++) {
    if (options.deadline !== undefined && performance.now() > options.deadline) break;
    let norm = 0;
    extra.forEach((pi, x) => {
      if (copyA[x] !== state[pairs[pi].a]) norm += 2;
      if (copyB[x] !== state[pairs[pi].b]) norm += 2;
    });
    const gCpu = new Float64Array(Z).fill(-1);
    const gMemory = new Float64Array(Z).fill(-1);
    for (let s = 0; s < S; s++)
      for (let z = 0; z < Z; z++) {
        const k = vectors[s][state[s] * Z + z] ?? 0;
        gCpu[z] += (k * c.cpu[s]) / zoneCpu[z];
        gMemory[z] += (k * c.memory[s]) / zoneMemory[z];
      }
    for (let z = 0; z < Z; z++) {
      if (nuCpu[z] <= 0 && gCpu[z] < 0) gCpu[z] = 0;
      if (nuMemory[z] <= 0 && gMemory[z] < 0) gMemory[z] = 0;
      norm += gCpu[z] ** 2 + gMemory[z] ** 2;
    }
    if (norm <= 1e-12) break; // the copies agree and the zones fit: the bound is the relaxation's optimum
    const target = options.upperBound !== undefined && options.upperBound > bestBound ? options.upperBound : bestBound * 1.05 + 1e-9;
    const step = (theta * (target - value)) / norm;
    extra.forEach((pi, x) => {
      const { a, b } = pairs[pi];
      if (copyA[x] !== state[a]) {
        lambdaA[x][copyA[x]] += step;
        lambdaA[x][state[a]] -= step;
      }
      if (copyB[x] !== state[b]) {
        lambdaB[x][copyB[x]] += step;
        lambdaB[x][state[b]] -= step;
      }
    });
    for (let z = 0; z < Z; z++) {
      nuCpu[z] = Math.max(0, nuCpu[z] + step * gCpu[z]);
      nuMemory[z] = Math.max(0, nuMemory[z] + step * gMemory[z]);
    }
    value = evaluate();
    if (value > bestBound + 1e-9 * Math.abs(bestBound)) {
      bestBound = value;
      sinceImproved = 0;
    } else if (++sinceImproved >= 10) {
      theta /= 2;
      sinceImproved = 0;
      if (theta < 1e-3) break;
    }
  }
  return { bound: Math.max(0, bestBound), iterations: done };
}

/**
 * Builds a placement from scratch (or completes a partial one) by traffic weight: services are taken
 * in the order of their strongest tie to what is already placed (Prim-like growth from the busiest
 * service), and each replica goes to the cheapest node given its placed neighbours. The chattiest
 * pairs therefore land together first, while capacity is still free.
 */
import type { LocalSearch } from './local-search.js';

export type ConstructionOutcome = { ok: true } | { ok: false; message: string };

/** Places every unplaced replica of the search's state. */
export function constructGreedy(search: LocalSearch): ConstructionOutcome {
  const { state, evaluator } = search;
  const { c } = state;
  for (const s of placementOrder(search)) {
    let unplaced = 0;
    for (let r = c.replicaStart[s]; r < c.replicaStart[s + 1]; r++) if (state.node[r] < 0) unplaced++;
    if (unplaced === 0) continue;
    evaluator.load(s);
    for (let r = c.replicaStart[s]; r < c.replicaStart[s + 1]; r++) {
      if (state.node[r] >= 0) continue;
      // The last replica of a spread service may not join a zone that holds all the others.
      const forbiddenZone = c.needsSpread[s] && unplaced === 1 && state.zonesUsed[s] === 1 ? zoneOfPlaced(search, s) : -1;
      let best = pick(search, s, search.collectCandidates(s), forbiddenZone);
      if (best < 0) best = pick(search, s, c.allowedNodes[s], forbiddenZone);
      if (best < 0) {
        const svc = c.instance.services[s];
        return {
          ok: false,
          message:
            `no node has room for replica ${r - c.replicaStart[s]} of ${svc.name} (${svc.cpu}m CPU, ${svc.memory}Mi)` +
            (forbiddenZone >= 0 ? ' outside the zone holding its other replicas' : ''),
        };
      }
      state.place(r, best);
      unplaced--;
    }
  }
  return { ok: true };
}

function pick(search: LocalSearch, s: number, nodes: ArrayLike<number>, forbiddenZone: number): number {
  const { state, evaluator } = search;
  const { c } = state;
  const mask = c.allowed[s];
  let best = -1;
  let bestCost = Infinity;
  for (let i = 0; i < nodes.length; i++) {
    const m = nodes[i];
    if ((mask && !mask[m]) || c.nodeZone[m] === forbiddenZone || !state.fits(s, m)) continue;
    const cost = evaluator.placementCost(m) + evaluator.arrivingCost(s, m);
    if (cost < bestCost - 1e-12) {
      bestCost = cost;
      best = m;
    }
  }
  return best;
}

function zoneOfPlaced(search: LocalSearch, s: number): number {
  const { state } = search;
  const { c } = state;
  for (let r = c.replicaStart[s]; r < c.replicaStart[s + 1]; r++) if (state.node[r] >= 0) return c.nodeZone[state.node[r]];
  return -1;
}

/**
 * Services ordered by the traffic weight that ties them to services placed before them: start from
 * the busiest service, repeatedly take the unplaced service with the heaviest tie to the placed set,
 * and start a new component from the busiest remaining service when the current one is exhausted.
 */
export function placementOrder(search: LocalSearch): number[] {
  const { c } = search.state;
  const S = c.serviceCount;
  const weightedDegree = new Float64Array(S);
  for (const e of c.edges) {
    weightedDegree[e.a] += e.weight;
    weightedDegree[e.b] += e.weight;
  }
  const seeds = Array.from({ length: S }, (_, s) => s).sort((x, y) => weightedDegree[y] - weightedDegree[x] || x - y);
  const tie = new Float64Array(S);
  const done = new Uint8Array(S);
  const heap = new MaxHeap();
  const order: number[] = [];
  const raiseNeighbours = (s: number): void => {
    for (let k = c.adjStart[s]; k < c.adjStart[s + 1]; k++) {
      const b = c.adjService[k];
      if (done[b]) continue;
      tie[b] += c.adjPairWeight[k] * c.replicas[s] * c.replicas[b];
      heap.push(tie[b], b);
    }
  };
  let seedIndex = 0;
  while (order.length < S) {
    let s = -1;
    while (heap.size > 0) {
      const [key, candidate] = heap.pop();
      if (!done[candidate] && key === tie[candidate]) {
        s = candidate;
        break;
      }
    }
    if (s < 0) {
      while (done[seeds[seedIndex]]) seedIndex++;
      s = seeds[seedIndex];
    }
    done[s] = 1;
    order.push(s);
    raiseNeighbours(s);
  }
  return order;
}

/** Binary max-heap of (key, value) with lazy deletion left to the caller. */
class MaxHeap {
  private keys: number[] = [];
  private values: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: number): void {
    const { keys, values } = this;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] >= key) break;
      keys[i] = keys[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  pop(): [number, number] {
    const { keys, values } = this;
    const top: [number, number] = [keys[0], values[0]];
    const lastKey = keys.pop()!;
    const lastValue = values.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && keys[child + 1] > keys[child]) child++;
        if (keys[child] <= lastKey) break;
        keys[i] = keys[child];
        values[i] = values[child];
        i = child;
      }
      keys[i] = lastKey;
      values[i] = lastValue;
    }
    return top;
  }
}

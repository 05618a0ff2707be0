/**
 * Packs given zone counts onto nodes, traffic-blind: per zone, fixed replicas where they run, then the
 * others largest first (the larger of their CPU and memory shares), each on the allowed node below the
 * service's node limit that it leaves with the most room in its scarcer resource (worst fit decreasing), or
 * else with the least (best fit decreasing). A quick proof that counts can be placed at all (a
 * zone search may fill a zone in a mix the node stage cannot pack); the packing also makes a valid start
 * for the node stage. It may miss a packing that exists: a null answer proves nothing.
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';

/** How a replica picks its node among those it fits: least room left after it, or most (spreading). */
type Fit = 'best' | 'worst';
const STRATEGIES: Fit[] = ['worst', 'best'];

/** A valid placement with these zone counts (replicas per service × zone), or null when none was found. */
export function packZones(c: CompiledInstance, counts: Int32Array): NodeVector | null {
  for (const fit of STRATEGIES) {
    const vector = packWith(c, counts, fit);
    if (vector) return vector;
  }
  return null;
}

function packWith(c: CompiledInstance, counts: Int32Array, fit: Fit): NodeVector | null {
  const Z = c.zoneCount;
  const vector = new Int32Array(c.replicaCount).fill(-1);
  const next = Int32Array.from(c.replicaStart.subarray(0, c.serviceCount));
  const freeCpu = Float64Array.from(c.nodeCpu);
  const freeMemory = Float64Array.from(c.nodeMemory);
  const onNode = new Map<number, number>();
  const key = (s: number, n: number): number => s * c.nodeCount + n;
  const put = (s: number, n: number): void => {
    vector[next[s]++] = n;
    freeCpu[n] -= c.cpu[s];
    freeMemory[n] -= c.memory[s];
    onNode.set(key(s, n), (onNode.get(key(s, n)) ?? 0) + 1);
  };
  for (let s = 0; s < c.serviceCount; s++) {
    const fixed = c.fixedCounts[s];
    if (!fixed) continue;
    for (let z = 0; z < Z; z++) {
      let inZone = 0;
      for (const [n, k] of fixed) if (c.nodeZone[n] === z) inZone += k;
      if (inZone !== counts[s * Z + z]) return null;
    }
    for (const [n, k] of [...fixed].sort((x, y) => x[0] - y[0])) for (let i = 0; i < k; i++) put(s, n);
  }
  for (let z = 0; z < Z; z++) {
    const order: number[] = [];
    for (let s = 0; s < c.serviceCount; s++) if (!c.fixedCounts[s]) for (let k = counts[s * Z + z]; k > 0; k--) order.push(s);
    // Largest first by the larger of its CPU and memory shares of an average node of the zone.
    let zoneCpu = 0;
    let zoneMemory = 0;
    for (const n of c.zoneNodes[z]) {
      zoneCpu += c.nodeCpu[n];
      zoneMemory += c.nodeMemory[n];
    }
    const size = (s: number): number => Math.max(c.cpu[s] / zoneCpu, c.memory[s] / zoneMemory);
    order.sort((x, y) => size(y) - size(x) || x - y);
    for (const s of order) {
      const mask = c.allowed[s];
      let best = -1;
      let bestLeft = Infinity;
      for (const n of c.zoneNodes[z]) {
        if ((mask && !mask[n]) || (onNode.get(key(s, n)) ?? 0) >= c.maxPerNode[s]) continue;
        const cpuLeft = freeCpu[n] - c.cpu[s];
        const memoryLeft = freeMemory[n] - c.memory[s];
        if (cpuLeft < -1e-9 || memoryLeft < -1e-9) continue;
        const left = (fit === 'best' ? 1 : -1) * Math.min(cpuLeft / c.nodeCpu[n], memoryLeft / c.nodeMemory[n]);
        if (left < bestLeft - 1e-12) {
          best = n;
          bestLeft = left;
        }
      }
      if (best < 0) return null;
      put(s, best);
    }
  }
  for (let s = 0; s < c.serviceCount; s++) if (next[s] !== c.replicaStart[s] + c.replicas[s]) return null;
  return vector;
}

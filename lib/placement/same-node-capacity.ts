/**
 * How much traffic can stay on a node at most, per service: a node has room for only so many partners.
 *
 * - Caller side: a replica of a sends rps(a→b)/r_a to each callee b; what stays on its node goes to callee
 *   replicas on that node, which need at least cpu_b (memory_b) of the room left beside a. So a replica's
 *   same-node calls are at most the fractional knapsack of its callees (value rps/r_a, size one callee
 *   replica) in the largest allowed node minus a itself: `perCallerReplica[a]`; a zone's same-node calls
 *   from a are at most n_a,z times that.
 * - Callee side: calls that stay on the node of a replica of b come from the caller replicas on it (at
 *   most m_a of each caller a, each sending rps/r_a, spread over b's n_b,z replicas in the zone), so the
 *   same-node calls into b in one zone are at most the fractional knapsack of its callers (value
 *   m_a·rps/r_a, size m_a caller replicas) beside one replica of b: `perCalleeZone[b]`.
 *
 * Both are upper bounds (fractional knapsack ≥ integer; the smaller of the CPU and memory knapsacks).
 */
import type { CompiledInstance } from './compiled-instance.js';

export interface SameNodeCapacity {
  /** rps per replica of the caller that can stay on its node at most. */
  perCallerReplica: Float64Array;
  /** rps into the callee per zone that can stay on the caller's node at most. */
  perCalleeZone: Float64Array;
}

/** Fractional knapsack: most value with Σ size ≤ room (items may be split). */
export function fractionalKnapsack(items: { value: number; size: number }[], room: number): number {
  const sorted = items.filter((i) => i.value > 0).sort((x, y) => y.value * x.size - x.value * y.size);
  let left = Math.max(0, room);
  let total = 0;
  for (const { value, size } of sorted) {
    if (size <= 0) {
      total += value;
      continue;
    }
    if (left <= 0) break;
    const part = Math.min(1, left / size);
    total += value * part;
    left -= size * part;
  }
  return total;
}

export function sameNodeCapacity(c: CompiledInstance): SameNodeCapacity {
  const S = c.serviceCount;
  const roomCpu = new Float64Array(S);
  const roomMemory = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    for (const n of c.allowedNodes[s]) {
      roomCpu[s] = Math.max(roomCpu[s], c.nodeCpu[n] - c.cpu[s]);
      roomMemory[s] = Math.max(roomMemory[s], c.nodeMemory[n] - c.memory[s]);
    }
  }
  const callees: { b: number; rps: number }[][] = Array.from({ length: S }, () => []);
  const callers: { a: number; rps: number }[][] = Array.from({ length: S }, () => []);
  for (const e of c.directedEdges) {
    if (e.from === e.to) continue;
    callees[e.from].push({ b: e.to, rps: e.rps });
    callers[e.to].push({ a: e.from, rps: e.rps });
  }
  const perCallerReplica = new Float64Array(S);
  const perCalleeZone = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    if (c.replicas[s] === 0) continue;
    const out = callees[s].map(({ b, rps }) => ({ value: rps / c.replicas[s], cpu: c.cpu[b], memory: c.memory[b] }));
    perCallerReplica[s] = Math.min(
      fractionalKnapsack(
        out.map((i) => ({ value: i.value, size: i.cpu })),
        roomCpu[s],
      ),
      fractionalKnapsack(
        out.map((i) => ({ value: i.value, size: i.memory })),
        roomMemory[s],
      ),
    );
    const into = callers[s].map(({ a, rps }) => ({
      value: (c.maxPerNode[a] * rps) / c.replicas[a],
      cpu: c.maxPerNode[a] * c.cpu[a],
      memory: c.maxPerNode[a] * c.memory[a],
    }));
    perCalleeZone[s] = Math.min(
      fractionalKnapsack(
        into.map((i) => ({ value: i.value, size: i.cpu })),
        roomCpu[s],
      ),
      fractionalKnapsack(
        into.map((i) => ({ value: i.value, size: i.memory })),
        roomMemory[s],
      ),
    );
  }
  return { perCallerReplica, perCalleeZone };
}

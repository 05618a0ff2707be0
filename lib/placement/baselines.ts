/**
 * Reference placements that ignore traffic, for comparison: a kube-scheduler-like scorer, first-fit
 * and seeded random. All place replicas one at a time (services in instance order, replicas in index
 * order) and keep the hard constraints: capacity, pins and exclusions, and zone spread (the last
 * replica of a service never joins the only zone its other replicas use).
 */
import { asCompiled, type CompiledInstance } from './compiled-instance.js';
import { PlacementState } from './placement-state.js';
import { createRandom } from './random.js';
import { resultFromVector, resultWithout, type SolveOptions, type SolveResult, type Solver } from './solver.js';

/** Chooses a node among `feasible` (non-empty) for replica r of service s. */
type NodeChooser = (state: PlacementState, s: number, r: number, feasible: number[]) => number;

function placeOneByOne(c: CompiledInstance, startedAt: number, choose: NodeChooser): SolveResult {
  const state = new PlacementState(c);
  const feasible: number[] = [];
  for (let s = 0; s < c.serviceCount; s++) {
    const first = c.replicaStart[s];
    const last = c.replicaStart[s + 1] - 1;
    for (let r = first; r <= last; r++) {
      const forbiddenZone = c.needsSpread[s] && r === last && state.zonesUsed[s] === 1 ? c.nodeZone[state.node[first]] : -1;
      feasible.length = 0;
      for (const n of c.allowedNodes[s]) if (c.nodeZone[n] !== forbiddenZone && state.fits(s, n)) feasible.push(n);
      if (feasible.length === 0) {
        const svc = c.instance.services[s];
        return resultWithout('infeasible', startedAt, `no node has room for replica ${r - first} of ${svc.name} (${svc.cpu}m CPU, ${svc.memory}Mi)`);
      }
      state.place(r, choose(state, s, r, feasible));
    }
  }
  return resultFromVector(c, state.snapshot(), 'feasible', startedAt);
}

/**
 * Like the default kube-scheduler scoring: NodeResourcesFit "LeastAllocated" (mean free fraction of CPU
 * and memory after placing, 0..100) plus PodTopologySpread-style zone balance and node balance of the
 * service's own replicas (each 0..100). Ties go to the lowest node index.
 */
export class KubeSchedulerBaseline implements Solver {
  readonly name = 'kube-scheduler';

  async solve(instance: Parameters<Solver['solve']>[0]): Promise<SolveResult> {
    const startedAt = performance.now();
    const c = asCompiled(instance);
    return placeOneByOne(c, startedAt, (state, s, _r, feasible) => {
      const zoneBase = s * c.zoneCount;
      let maxZone = 0;
      let minZone = Infinity;
      for (let z = 0; z < c.zoneCount; z++) {
        maxZone = Math.max(maxZone, state.zoneCount[zoneBase + z]);
        minZone = Math.min(minZone, state.zoneCount[zoneBase + z]);
      }
      const onNode = new Map<number, number>();
      let maxOnNode = 0;
      for (let q = c.replicaStart[s]; q < c.replicaStart[s + 1]; q++) {
        const n = state.node[q];
        if (n < 0) continue;
        const k = (onNode.get(n) ?? 0) + 1;
        onNode.set(n, k);
        maxOnNode = Math.max(maxOnNode, k);
      }
      let best = feasible[0];
      let bestScore = -Infinity;
      for (const n of feasible) {
        const freeCpu = c.nodeCpu[n] > 0 ? (c.nodeCpu[n] - state.usedCpu[n] - c.cpu[s]) / c.nodeCpu[n] : 0;
        const freeMemory = c.nodeMemory[n] > 0 ? (c.nodeMemory[n] - state.usedMemory[n] - c.memory[s]) / c.nodeMemory[n] : 0;
        const leastAllocated = 50 * (freeCpu + freeMemory);
        const zoneSkew = state.zoneCount[zoneBase + c.nodeZone[n]] - minZone;
        const zoneBalance = 100 * (1 - zoneSkew / (maxZone - minZone + 1));
        const nodeBalance = 100 * (1 - (onNode.get(n) ?? 0) / (maxOnNode + 1));
        const score = leastAllocated + zoneBalance + nodeBalance;
        if (score > bestScore + 1e-9) {
          bestScore = score;
          best = n;
        }
      }
      return best;
    });
  }
}

/** First node (in instance order) with room. */
export class FirstFitBaseline implements Solver {
  readonly name = 'first-fit';

  async solve(instance: Parameters<Solver['solve']>[0]): Promise<SolveResult> {
    const startedAt = performance.now();
    return placeOneByOne(asCompiled(instance), startedAt, (_state, _s, _r, feasible) => feasible[0]);
  }
}

/** A uniformly random node with room (seeded). */
export class RandomBaseline implements Solver {
  readonly name = 'random';

  async solve(instance: Parameters<Solver['solve']>[0], options: SolveOptions = {}): Promise<SolveResult> {
    const startedAt = performance.now();
    const random = createRandom(options.seed ?? 1);
    return placeOneByOne(asCompiled(instance), startedAt, (_state, _s, _r, feasible) => feasible[random.int(feasible.length)]);
  }
}

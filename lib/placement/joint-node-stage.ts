/**
 * The node level of the joint problem: with the zone counts fixed, routing fixes how much traffic
 * stays inside each zone, and what is left to decide is which node of its zone each replica uses. That
 * is an ordinary placement instance: one service per (service, zone) with its replicas there, pinned to
 * the zone's allowed nodes with the service's node limit, and traffic = the calls routed inside the
 * zone. The placement heuristic solves it; its cost is exactly the within-zone part of the joint cost.
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';
import { HeuristicSolver } from './heuristic-solver.js';
import type { PlacementInstanceInput, ServiceDemand, TrafficEdge } from './model.js';
import type { RoutingMatrices } from './routing.js';

export interface NodeStageOptions {
  seed: number;
  timeLimitMs: number;
  /** A full placement with these zone counts to start from as well (its nodes are reused). */
  start?: NodeVector;
}

/** Places every replica on a node of the zone `counts` gives it; null when a zone cannot be packed. */
export async function placeInZones(c: CompiledInstance, counts: Int32Array, matrices: RoutingMatrices, options: NodeStageOptions): Promise<NodeVector | null> {
  const Z = c.zoneCount;
  const { instance } = c;
  const splitName = (s: number, z: number): string => `${s}@${z}`;
  const services: ServiceDemand[] = [];
  const current: Record<string, string[]> = {};
  const start: Record<string, string[]> = {};
  for (let s = 0; s < c.serviceCount; s++) {
    const mine = c.allowedNodes[s];
    const fixed = c.fixedCounts[s];
    for (let z = 0; z < Z; z++) {
      const k = counts[s * Z + z];
      if (k === 0) continue;
      const name = splitName(s, z);
      const allowedNodes: string[] = [];
      for (const n of mine) if (c.nodeZone[n] === z) allowedNodes.push(instance.nodes[n].id);
      services.push({ name, replicas: k, cpu: c.cpu[s], memory: c.memory[s], allowedNodes, maxPerNode: c.maxPerNode[s], ...(fixed ? { fixed: true } : {}) });
      const now = c.currentCounts[s];
      if (now) {
        const list: string[] = [];
        for (const [n, count] of [...now].sort((x, y) => x[0] - y[0]))
          if (c.nodeZone[n] === z) for (let i = 0; i < count && list.length < k; i++) list.push(instance.nodes[n].id);
        if (list.length > 0 || fixed) current[name] = list;
      }
      if (options.start) start[name] = [];
    }
  }
  if (options.start)
    for (let r = 0; r < c.replicaCount; r++) {
      const s = c.replicaService[r];
      start[splitName(s, c.nodeZone[options.start[r]])]?.push(instance.nodes[options.start[r]].id);
    }
  const traffic: TrafficEdge[] = [];
  for (const e of c.directedEdges) {
    const matrix = matrices[e.to];
    for (let z = 0; z < Z; z++) {
      const na = counts[e.from * Z + z];
      const nb = counts[e.to * Z + z];
      if (na === 0 || nb === 0) continue;
      const f = matrix ? matrix[z * Z + z] : nb / c.replicas[e.to];
      const rps = ((e.rps * na) / c.replicas[e.from]) * f;
      if (rps <= 0) continue;
      traffic.push({ from: splitName(e.from, z), to: splitName(e.to, z), rps, bytesPerRequest: e.bytesPerSecond / e.rps });
    }
  }
  const split: PlacementInstanceInput = {
    services,
    nodes: instance.nodes,
    traffic,
    distance: instance.distance,
    objective: instance.objective,
    migrationCost: instance.migrationCost,
    riskWeight: instance.riskWeight,
    ...(Object.keys(current).length > 0 ? { current } : {}),
  };
  const startMatches = options.start && services.every((s) => start[s.name]?.length === s.replicas);
  const result = await new HeuristicSolver().solve(split, {
    seed: options.seed,
    timeLimitMs: options.timeLimitMs,
    ...(startMatches ? { start } : {}),
  });
  if (!result.assignment) return null;
  const vector = new Int32Array(c.replicaCount).fill(-1);
  const next = Int32Array.from(c.replicaStart.subarray(0, c.serviceCount));
  for (let s = 0; s < c.serviceCount; s++)
    for (let z = 0; z < Z; z++) {
      if (counts[s * Z + z] === 0) continue;
      for (const id of result.assignment[splitName(s, z)]) vector[next[s]++] = c.nodeIndex.get(id)!;
    }
  return vector;
}

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
  /** Clock cap for the whole stage. */
  timeLimitMs: number;
  /** Placement-heuristic effort for the whole stage (`HeuristicOptions.effort`), split over zones by replicas. */
  effort: number;
  /** A full placement with these zone counts to start from as well (its nodes are reused). */
  start?: NodeVector;
}

/**
 * Places every replica on a node of the zone `counts` gives it; null when a zone cannot be packed.
 * `timedOut` says the clock cut a zone's search short (the placement is valid, but no longer the seed's).
 */
export async function placeInZones(
  c: CompiledInstance,
  counts: Int32Array,
  matrices: RoutingMatrices,
  options: NodeStageOptions,
): Promise<{ vector: NodeVector; timedOut: boolean } | null> {
  const Z = c.zoneCount;
  const vector = new Int32Array(c.replicaCount).fill(-1);
  const next = Int32Array.from(c.replicaStart.subarray(0, c.serviceCount));
  const startedAt = performance.now();
  let timedOut = false;
  // Zones are independent once counts and routing are fixed: one small instance per zone.
  const inZone = new Float64Array(Z);
  for (let i = 0; i < counts.length; i++) inZone[i % Z] += counts[i];
  for (let z = 0; z < Z; z++) {
    const left = options.timeLimitMs - (performance.now() - startedAt);
    // The effort, not the clock, sets each zone's search, so the stage is deterministic for a seed.
    const effort = (options.effort * inZone[z]) / Math.max(1, c.replicaCount);
    const placed = await placeZone(c, z, counts, matrices, { ...options, effort, timeLimitMs: Math.max(50, left / (Z - z)) });
    if (!placed) return null;
    if (placed.timedOut) timedOut = true;
    for (const [s, nodes] of placed.nodes) for (const n of nodes) vector[next[s]++] = n;
  }
  return { vector, timedOut };
}

async function placeZone(
  c: CompiledInstance,
  z: number,
  counts: Int32Array,
  matrices: RoutingMatrices,
  options: NodeStageOptions,
): Promise<{ nodes: Map<number, number[]>; timedOut: boolean } | null> {
  const Z = c.zoneCount;
  const { instance } = c;
  const name = (s: number): string => String(s);
  const services: ServiceDemand[] = [];
  const current: Record<string, string[]> = {};
  const start: Record<string, string[]> = {};
  for (let s = 0; s < c.serviceCount; s++) {
    const k = counts[s * Z + z];
    if (k === 0) continue;
    const fixed = c.fixedCounts[s];
    const mask = c.allowed[s];
    const allowedNodes = mask
      ? Array.from(c.zoneNodes[z])
          .filter((n) => mask[n])
          .map((n) => instance.nodes[n].id)
      : undefined;
    services.push({
      name: name(s),
      replicas: k,
      cpu: c.cpu[s],
      memory: c.memory[s],
      maxPerNode: c.maxPerNode[s],
      ...(allowedNodes ? { allowedNodes } : {}),
      ...(fixed ? { fixed: true } : {}),
    });
    const now = c.currentCounts[s];
    if (now) {
      const list: string[] = [];
      for (const [n, count] of [...now].sort((x, y) => x[0] - y[0]))
        if (c.nodeZone[n] === z) for (let i = 0; i < count && list.length < k; i++) list.push(instance.nodes[n].id);
      if (list.length > 0 || fixed) current[name(s)] = list;
    }
    if (options.start) start[name(s)] = [];
  }
  if (services.length === 0) return { nodes: new Map(), timedOut: false };
  if (options.start)
    for (let r = 0; r < c.replicaCount; r++)
      if (c.nodeZone[options.start[r]] === z) start[name(c.replicaService[r])]?.push(instance.nodes[options.start[r]].id);
  const traffic: TrafficEdge[] = [];
  for (const e of c.directedEdges) {
    const na = counts[e.from * Z + z];
    const nb = counts[e.to * Z + z];
    if (na === 0 || nb === 0) continue;
    const matrix = matrices[e.to];
    const f = matrix ? matrix[z * Z + z] : nb / c.replicas[e.to];
    const rps = ((e.rps * na) / c.replicas[e.from]) * f;
    if (rps > 0) traffic.push({ from: name(e.from), to: name(e.to), rps, bytesPerRequest: e.bytesPerSecond / e.rps });
  }
  const zone: PlacementInstanceInput = {
    services,
    nodes: Array.from(c.zoneNodes[z], (n) => instance.nodes[n]),
    traffic,
    distance: instance.distance,
    objective: instance.objective,
    migrationCost: instance.migrationCost,
    riskWeight: instance.riskWeight,
    ...(Object.keys(current).length > 0 ? { current } : {}),
  };
  const startMatches = options.start && services.every((s) => start[s.name]?.length === s.replicas);
  const result = await new HeuristicSolver().solve(zone, {
    seed: options.seed,
    timeLimitMs: options.timeLimitMs,
    effort: options.effort,
    ...(startMatches ? { start } : {}),
  });
  if (!result.assignment) return null;
  const placed = new Map<number, number[]>();
  for (const [s, ids] of Object.entries(result.assignment))
    placed.set(
      Number(s),
      ids.map((id) => c.nodeIndex.get(id)!),
    );
  return { nodes: placed, timedOut: result.status === 'timeout' };
}

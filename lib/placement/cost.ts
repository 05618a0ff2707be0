/**
 * The objective. Traffic a→b is spread evenly over the replicas of a and of b, so a service pair
 * costs rps(a,b) · mean over replica pairs of dist(node(i), node(j)). Moves are counted with
 * interchangeable replicas: a service moves as few replicas as its new node multiset allows.
 */
import { compileInstance, levelBetween, toNodeVector, type CompiledInstance, type NodeVector } from './compiled-instance.js';
import { BYTES_PER_GB, NETWORK_LEVELS, SECONDS_PER_MONTH, type Assignment, type NetworkLevel, type PlacementInstanceInput } from './model.js';

export interface CostBreakdown {
  /** Σ pairs traffic × expected distance, in objective units (rps·ms for `latency`, $/month for `egress`). */
  communication: number;
  /** λ × moves. */
  migration: number;
  /** riskWeight × Σ over replicas of the risk of their node. */
  risk: number;
  /** communication + migration + risk: what the solvers minimise. */
  total: number;
  /** Replicas that change node relative to the current placement. */
  moves: number;
  /** Network latency summed over all requests of one second, in ms (rps × ms). */
  latencyMsPerSecond: number;
  /** Mean network latency per request, ms. */
  meanLatencyMs: number;
  /** Data transfer cost of the traffic, $ per month (730 h). */
  dollarsPerMonth: number;
  /** Fraction of requests that travel at each network level. */
  trafficShare: Record<NetworkLevel, number>;
}

/** Breakdown of the cost of an assignment (by names). Validates both arguments. */
export function evaluate(instance: PlacementInstanceInput | CompiledInstance, assignment: Assignment): CostBreakdown {
  const c = 'replicaStart' in instance ? instance : compileInstance(instance);
  return evaluateVector(c, toNodeVector(c, assignment));
}

/** Breakdown of the cost of a complete node vector. */
export function evaluateVector(c: CompiledInstance, vector: NodeVector): CostBreakdown {
  const { instance } = c;
  const latency = NETWORK_LEVELS.map((l) => instance.distance[l].latencyMs);
  const price = NETWORK_LEVELS.map((l) => instance.distance[l].dollarsPerGB);
  const rpsAtLevel = [0, 0, 0, 0];
  let communication = 0;
  let latencyMsPerSecond = 0;
  let dollarsPerMonth = 0;
  let totalRps = 0;
  const levelPairs = [0, 0, 0, 0];
  for (const e of c.edges) {
    levelPairs.fill(0);
    for (let i = c.replicaStart[e.a]; i < c.replicaStart[e.a + 1]; i++)
      for (let j = c.replicaStart[e.b]; j < c.replicaStart[e.b + 1]; j++) levelPairs[levelBetween(c, vector[i], vector[j])]++;
    const pairs = c.replicas[e.a] * c.replicas[e.b];
    totalRps += e.rps;
    for (let l = 0; l < 4; l++) {
      const share = levelPairs[l] / pairs;
      communication += e.weight * share * c.levelDistance[l];
      latencyMsPerSecond += e.rps * share * latency[l];
      dollarsPerMonth += ((e.bytesPerSecond * SECONDS_PER_MONTH) / BYTES_PER_GB) * share * price[l];
      rpsAtLevel[l] += e.rps * share;
    }
  }
  return breakdownOf(c, vector, { communication, latencyMsPerSecond, dollarsPerMonth, rpsAtLevel, totalRps });
}

/**
 * The breakdown of a vector from its communication figures (however traffic was routed): adds the moves
 * from the current placement, the node risk, the totals and each network level's share of requests.
 */
export function breakdownOf(
  c: CompiledInstance,
  vector: NodeVector,
  traffic: { communication: number; latencyMsPerSecond: number; dollarsPerMonth: number; rpsAtLevel: readonly number[]; totalRps: number },
): CostBreakdown {
  const { communication, latencyMsPerSecond, dollarsPerMonth, rpsAtLevel, totalRps } = traffic;
  const moves = countMoves(c, vector);
  let riskSum = 0;
  for (let r = 0; r < c.replicaCount; r++) riskSum += c.nodeRisk[vector[r]];
  const migration = c.migrationCost * moves;
  const risk = c.riskWeight * riskSum;
  const trafficShare = Object.fromEntries(NETWORK_LEVELS.map((l, i) => [l, totalRps > 0 ? rpsAtLevel[i] / totalRps : 0])) as Record<NetworkLevel, number>;
  return {
    communication,
    migration,
    risk,
    total: communication + migration + risk,
    moves,
    latencyMsPerSecond,
    meanLatencyMs: totalRps > 0 ? latencyMsPerSecond / totalRps : 0,
    dollarsPerMonth,
    trafficShare,
  };
}

/** Replicas that must change node: per service, movable − Σ_n min(now on n, after on n). */
export function countMoves(c: CompiledInstance, vector: NodeVector): number {
  let moves = 0;
  for (let s = 0; s < c.serviceCount; s++) {
    const current = c.currentCounts[s];
    if (!current) continue;
    const after = new Map<number, number>();
    for (let i = c.replicaStart[s]; i < c.replicaStart[s + 1]; i++) after.set(vector[i], (after.get(vector[i]) ?? 0) + 1);
    let kept = 0;
    for (const [n, k] of current) kept += Math.min(k, after.get(n) ?? 0);
    moves += c.movableReplicas[s] - Math.min(kept, c.movableReplicas[s]);
  }
  return moves;
}

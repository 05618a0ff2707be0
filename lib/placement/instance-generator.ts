/**
 * Seeded generator of realistic placement instances. Call graphs grow by preferential attachment, as
 * in the Alibaba microservice traces: most services call one or two others, a few hubs call many. A
 * few entry services receive external load; each call passes on a fraction of its caller's rate, so
 * rps decays with depth. Replica counts (1–8) and resource requests come from small skewed sets; nodes
 * are spread evenly over the zones and sized for the target utilisation.
 */
import type { PlacementInstance, PlacementNode, ServiceDemand, TrafficEdge } from './model.js';
import { PlacementInstance as PlacementInstanceSchema } from './model.js';
import { createRandom, type Random } from './random.js';

export interface GeneratorOptions {
  services: number;
  nodes: number;
  /** Zones the nodes are spread over (default 3). */
  zones?: number;
  /** Clusters; zones are split evenly between them (default 1). */
  clusters?: number;
  seed?: number;
  /** Requested CPU / allocatable CPU (default 0.65); memory follows the same target. */
  utilisation?: number;
  /**
   * Mean replicas per service. The default keeps the skewed-small distribution (mean ≈ 2.9); a value
   * tilts it (weights × θ^k) to reach the mean, e.g. 5 for 2,000 services ≈ 10,000 replicas.
   */
  meanReplicas?: number;
  /** Services that receive external traffic (default max(1, round(services / 40))). */
  entryServices?: number;
  /** Fraction of services pinned to a random half of the nodes (default 0). */
  pinnedFraction?: number;
  /** Fraction of services that exclude a random tenth of the nodes (default 0). */
  excludedFraction?: number;
  /** Random node risk scores in [0, 0.3] (default false: all 0). */
  withRisk?: boolean;
}

const RESOURCE_SHAPES = [
  { cpu: 100, memory: 128, weight: 0.3 },
  { cpu: 250, memory: 256, weight: 0.3 },
  { cpu: 500, memory: 512, weight: 0.2 },
  { cpu: 1_000, memory: 1_024, weight: 0.15 },
  { cpu: 2_000, memory: 4_096, weight: 0.05 },
];
const REPLICA_WEIGHTS = [0, 0.3, 0.3, 0.14, 0.1, 0.06, 0.04, 0.03, 0.03]; // index = replicas
const BYTES_PER_REQUEST = [
  { bytes: 512, weight: 0.25 },
  { bytes: 2_048, weight: 0.45 },
  { bytes: 8_192, weight: 0.2 },
  { bytes: 65_536, weight: 0.1 },
];

/** A deterministic instance for the options (same options, same instance). */
export function generateInstance(options: GeneratorOptions): PlacementInstance {
  const random = createRandom(options.seed ?? 1);
  const S = options.services;
  const zoneCount = options.zones ?? 3;
  const clusterCount = options.clusters ?? 1;
  const entries = Math.min(S, options.entryServices ?? Math.max(1, Math.round(S / 40)));
  const names = Array.from({ length: S }, (_, i) => `svc-${String(i).padStart(4, '0')}`);

  // Call graph: every non-entry service gets one caller among earlier services, chosen with probability
  // proportional to (calls made so far + 1)^1.2, and sometimes a second or third caller.
  const fanOut = new Float64Array(S);
  const callers: number[][] = Array.from({ length: S }, () => []);
  const pickCaller = (upTo: number): number => {
    let total = 0;
    for (let j = 0; j < upTo; j++) total += (fanOut[j] + 1) ** 1.2;
    let x = random.next() * total;
    for (let j = 0; j < upTo; j++) {
      x -= (fanOut[j] + 1) ** 1.2;
      if (x <= 0) return j;
    }
    return upTo - 1;
  };
  for (let i = entries; i < S; i++) {
    const extra = random.next() < 0.25 ? (random.next() < 0.3 ? 2 : 1) : 0;
    for (let k = 0; k <= extra; k++) {
      const caller = pickCaller(i);
      if (callers[i].includes(caller)) continue;
      callers[i].push(caller);
      fanOut[caller]++;
    }
  }

  // Rates in topological (index) order: a call carries 20–100% of its caller's incoming rate.
  const incoming = new Float64Array(S);
  for (let i = 0; i < entries; i++) incoming[i] = logUniform(random, 50, 2_000);
  const traffic: TrafficEdge[] = [];
  for (let i = entries; i < S; i++) {
    for (const caller of callers[i]) {
      const rps = round2(incoming[caller] * (0.2 + 0.8 * random.next()));
      incoming[i] += rps;
      traffic.push({ from: names[caller], to: names[i], rps, bytesPerRequest: weighted(random, BYTES_PER_REQUEST).bytes });
    }
  }

  const replicaWeights = options.meanReplicas === undefined ? REPLICA_WEIGHTS : tiltToMean(REPLICA_WEIGHTS, options.meanReplicas);
  const services: ServiceDemand[] = names.map((name, i) => {
    const shape = weighted(random, RESOURCE_SHAPES);
    const replicas = Math.min(8, weightedIndex(random, replicaWeights) + (incoming[i] > 1_000 ? 1 : 0));
    return { name, replicas, cpu: shape.cpu, memory: shape.memory };
  });

  const utilisation = options.utilisation ?? 0.65;
  let cpuDemand = 0;
  let memoryDemand = 0;
  let largestCpu = 0;
  let largestMemory = 0;
  for (const s of services) {
    cpuDemand += s.cpu * s.replicas;
    memoryDemand += s.memory * s.replicas;
    largestCpu = Math.max(largestCpu, s.cpu);
    largestMemory = Math.max(largestMemory, s.memory);
  }
  const N = options.nodes;
  const nodeCpu = Math.max(3 * largestCpu, roundUp(cpuDemand / (N * utilisation), 100));
  const nodeMemory = Math.max(3 * largestMemory, roundUp(memoryDemand / (N * utilisation), 256));
  const zonesPerCluster = Math.max(1, Math.ceil(zoneCount / clusterCount));
  const nodes: PlacementNode[] = Array.from({ length: N }, (_, n) => {
    const zone = n % zoneCount;
    return {
      id: `node-${String(n).padStart(4, '0')}`,
      zone: `zone-${String.fromCharCode(97 + (zone % 26))}${zone >= 26 ? Math.floor(zone / 26) : ''}`,
      cluster: `cluster-${Math.floor(zone / zonesPerCluster)}`,
      cpu: nodeCpu,
      memory: nodeMemory,
      risk: options.withRisk ? round2(random.next() * 0.3) : 0,
    };
  });

  const pinned = options.pinnedFraction ?? 0;
  const excluded = options.excludedFraction ?? 0;
  for (const s of services) {
    if (random.next() < pinned) s.allowedNodes = nodes.filter(() => random.next() < 0.5).map((n) => n.id);
    if (random.next() < excluded) s.excludedNodes = nodes.filter(() => random.next() < 0.1).map((n) => n.id);
  }

  return PlacementInstanceSchema.parse({ services, nodes, traffic });
}

function weighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  let x = random.next() * items.reduce((sum, i) => sum + i.weight, 0);
  for (const item of items) if ((x -= item.weight) <= 0) return item;
  return items[items.length - 1];
}

function weightedIndex(random: Random, weights: readonly number[]): number {
  let x = random.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((x -= weights[i]) <= 0 && weights[i] > 0) return i;
  return weights.length - 1;
}

/** Weights w_k·θ^k with θ chosen (by bisection) so that the mean index is `mean` (clamped to the range). */
function tiltToMean(weights: readonly number[], mean: number): number[] {
  const tilted = (logTheta: number): number[] => weights.map((w, k) => w * Math.exp(logTheta * k));
  const meanOf = (ws: number[]): number => ws.reduce((acc, w, k) => acc + w * k, 0) / ws.reduce((a, b) => a + b, 0);
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (meanOf(tilted(mid)) < mean) lo = mid;
    else hi = mid;
  }
  return tilted((lo + hi) / 2);
}

function logUniform(random: Random, min: number, max: number): number {
  return round2(min * (max / min) ** random.next());
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function roundUp(v: number, step: number): number {
  return Math.ceil(v / step) * step;
}

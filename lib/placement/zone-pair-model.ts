/**
 * The zone-level pairwise model the joint lower bounds work on (lagrangian-bound.ts, elimination-bound.ts).
 *
 * Every service's state is its zone count vector n_s (Σ_z n_z = r, n_z ≤ what zone z holds under pins,
 * the node limit and one replica's fit, ≤ r−1 with zone spread; a fixed service has one state). The joint
 * cost is at least a sum of terms: per pair of services that call each other, the least cost of their
 * calls for their two count vectors (zoneEdgeCost, star-bound.ts), and per service its calls to itself
 * and node risk at the least risk a zone offers. Node capacity, zone capacity and the room callers of one
 * callee share are relaxed, moves cost ≥ 0. Pairs with too many state pairs take their per-edge bound
 * (lower-bound.ts) as a constant instead. With identical zones, the anchor (the service with the most
 * traffic) keeps only count vectors in non-increasing order inside each group of identical zones: every
 * solution has a zone relabelling that does so at the same cost.
 */
import type { CompiledInstance } from './compiled-instance.js';
import { identicalZoneGroups } from './joint-mip-formulation.js';
import { ZoneModel } from './joint-zone-model.js';
import { jointPerEdgeTerms } from './lower-bound.js';
import { inboundRps } from './routing.js';
import { countVectors, zoneDistances, zoneEdgeCost } from './star-bound.js';

export interface ZonePair {
  a: number;
  b: number;
  weight: number;
  /** table[ia · K[b] + ib]: the pair's cost for state ia of a and ib of b. */
  table: Float64Array;
}

export interface ZonePairModel {
  /** Per service, its states (count vectors, Z per state, flattened). */
  vectors: Int32Array[];
  /** Per service, its number of states. */
  K: number[];
  unary: Float64Array[];
  pairs: ZonePair[];
  /** Lower bound of the pairs left out of the tables. */
  constant: number;
  anchor: number;
}

/** The model, or null when some service has no allowed count vector (the rules cannot be kept). */
export function buildZonePairModel(c: CompiledInstance, options: { maxPairs: number }): ZonePairModel | null {
  const S = c.serviceCount;
  const Z = c.zoneCount;
  const maxPairs = options.maxPairs;
  const maxIn = new ZoneModel(c, new Int32Array(S * Z)).maxInZone;
  const distances = zoneDistances(c);
  const inbound = inboundRps(c);
  const perEdge = jointPerEdgeTerms(c);

  // States, the anchor restricted to one order per group of identical zones.
  const weightOf = new Float64Array(S);
  for (const e of c.directedEdges) {
    weightOf[e.from] += e.weight;
    weightOf[e.to] += e.weight;
  }
  let anchor = -1;
  for (let s = 0; s < S; s++) if (!c.fixedCounts[s] && c.replicas[s] > 0 && (anchor < 0 || weightOf[s] > weightOf[anchor])) anchor = s;
  const groups = identicalZoneGroups(c);
  const vectors: Int32Array[] = [];
  for (let s = 0; s < S; s++) {
    const fixed = c.fixedCounts[s];
    if (fixed) {
      const v = new Int32Array(Z);
      for (const [n, k] of fixed) v[c.nodeZone[n]] += k;
      vectors.push(v);
      continue;
    }
    let all = countVectors(c.replicas[s], maxIn.subarray(s * Z, s * Z + Z), Z);
    if (s === anchor && groups.length > 0) {
      const kept: number[] = [];
      for (let i = 0; i < all.length / Z; i++)
        if (groups.every((g) => g.every((z, j) => j === 0 || all[i * Z + g[j - 1]] >= all[i * Z + z]))) kept.push(...all.subarray(i * Z, i * Z + Z));
      all = Int32Array.from(kept);
    }
    vectors.push(all);
  }
  const K = vectors.map((v) => v.length / Z);
  for (let s = 0; s < S; s++) if (c.replicas[s] > 0 && K[s] === 0) return null;

  // Unary terms: calls of a service to itself, and node risk at its least per zone.
  const unary = vectors.map((_, s) => new Float64Array(K[s]));
  c.directedEdges.forEach((e, ei) => {
    if (e.from !== e.to) return;
    for (let i = 0; i < K[e.from]; i++) unary[e.from][i] += zoneEdgeCost(c, distances, inbound, ei, vectors[e.from], i * Z, vectors[e.from], i * Z);
  });
  if (c.riskWeight > 0)
    for (let s = 0; s < S; s++) {
      const least = new Float64Array(Z).fill(Infinity);
      for (const n of c.allowedNodes[s]) least[c.nodeZone[n]] = Math.min(least[c.nodeZone[n]], c.nodeRisk[n]);
      for (let i = 0; i < K[s]; i++) for (let z = 0; z < Z; z++) if (vectors[s][i * Z + z] > 0) unary[s][i] += c.riskWeight * least[z] * vectors[s][i * Z + z];
    }

  // Pairs of services that call each other (both directions in one table), or their per-edge bound.
  let constant = 0;
  const byKey = new Map<number, number[]>();
  c.directedEdges.forEach((e, ei) => {
    if (e.from === e.to) return;
    const key = Math.min(e.from, e.to) * S + Math.max(e.from, e.to);
    byKey.set(key, [...(byKey.get(key) ?? []), ei]);
  });
  const pairs: ZonePair[] = [];
  for (const [key, list] of byKey) {
    const a = Math.floor(key / S);
    const b = key % S;
    if (K[a] * K[b] > maxPairs) {
      for (const ei of list) constant += perEdge[ei];
      continue;
    }
    const table = new Float64Array(K[a] * K[b]);
    for (const ei of list) {
      const forward = c.directedEdges[ei].from === a;
      for (let ia = 0; ia < K[a]; ia++)
        for (let ib = 0; ib < K[b]; ib++)
          table[ia * K[b] + ib] += forward
            ? zoneEdgeCost(c, distances, inbound, ei, vectors[a], ia * Z, vectors[b], ib * Z)
            : zoneEdgeCost(c, distances, inbound, ei, vectors[b], ib * Z, vectors[a], ia * Z);
    }
    pairs.push({ a, b, weight: list.reduce((sum, ei) => sum + c.directedEdges[ei].weight, 0), table });
  }

  return { vectors, K, unary, pairs, constant, anchor };
}

/**
 * The callee-star lower bound on the joint (placement + routing) cost. The joint cost is a sum over call
 * edges a→b, and every edge belongs to exactly one star: its callee b with all of b's callers. The
 * callers of one callee are coupled by the zone load cap (they share each zone's room), which the
 * per-edge bound ignores; a star keeps it:
 *
 *   star(b) = min over b's zone counts n_b of  max_{μ ≥ 0}  Σ_{a→b} min over a's zone counts of
 *             [cost of a's calls, each caller zone sending rps·n_a,z/r_a, local flow ≤ the zone's room,
 *              local flow priced μ_z per share of b's calls]  −  Σ_z μ_z · cap · n_b,z / r_b
 *
 * A caller zone's calls go local (d1, the same-node share min(F, F·m_b/n_b,z, rps·m_a/r_a) at d0, as in
 * the zone MIP) up to cap · rps_b · n_b,z / r_b, the rest to the nearest other zone holding b (d2, or d3
 * across clusters; the room there is ignored). Zone count vectors keep Σ_z n_z = r, n_z ≤ what zone z
 * holds under pins, the node limit and one replica's fit, and ≤ r−1 with zone spread. Every μ gives a
 * lower bound of the star (weak duality; a few dozen subgradient steps per count vector), the stars
 * partition the edges, node capacity is ignored (co-location counted at its best), moves and node risk
 * cost ≥ 0: the sum bounds `cost.total` of every joint solution from below. Zones the instance cannot
 * tell apart (identicalZoneGroups) let b's counts be taken in non-increasing order inside each group.
 *
 * It is at least the joint per-edge bound for the edges of stars the enumeration covers (μ = 0 and the
 * cap only add cost); stars too large to enumerate fall back to that per-edge bound.
 */
import type { CompiledInstance } from './compiled-instance.js';
import { identicalZoneGroups } from './joint-mip-formulation.js';
import { ZoneModel } from './joint-zone-model.js';
import { jointPerEdgeTerms } from './lower-bound.js';
import { incomingEdges, inboundRps } from './routing.js';
import { sameNodeCapacity } from './same-node-capacity.js';

export interface StarBoundOptions {
  /** Subgradient steps on μ per callee count vector (default 40; 0 keeps μ = 0). */
  steps?: number;
  /** performance.now() after which remaining stars take their per-edge bound (still valid). */
  deadline?: number;
  /** Largest Σ_callers |vectors| × |callee vectors| enumerated per star (default 200,000). */
  maxWork?: number;
}

/** Every zone count vector of a service: Σ = replicas, n_z ≤ hi[z] (flattened, Z per vector). */
/**
 * Per service, its candidate replica counts per zone, flattened Z at a time: a fixed service's one
 * vector (where its replicas run), else every split within each zone's limit (`countVectors`).
 */
export function serviceCountVectors(c: CompiledInstance, maxIn: Int32Array): Int32Array[] {
  const Z = c.zoneCount;
  return Array.from(c.replicas, (replicas, s) => {
    const fixed = c.fixedCounts[s];
    if (!fixed) return countVectors(replicas, maxIn.subarray(s * Z, s * Z + Z), Z);
    const v = new Int32Array(Z);
    for (const [n, k] of fixed) v[c.nodeZone[n]] += k;
    return v;
  });
}

export function countVectors(replicas: number, hi: ArrayLike<number>, Z: number): Int32Array {
  const out: number[] = [];
  const current = new Int32Array(Z);
  const rest = new Int32Array(Z + 1);
  for (let z = Z - 1; z >= 0; z--) rest[z] = rest[z + 1] + Math.max(0, hi[z]);
  const walk = (z: number, left: number): void => {
    if (z === Z) {
      if (left === 0) out.push(...current);
      return;
    }
    if (rest[z] < left) return;
    for (let k = Math.min(left, Math.max(0, hi[z])); k >= 0; k--) {
      current[z] = k;
      walk(z + 1, left - k);
    }
    current[z] = 0;
  };
  walk(0, replicas);
  return Int32Array.from(out);
}

/** The callee-star bound on the joint cost (see the file comment); never below the joint per-edge bound. */
export function jointStarLowerBound(c: CompiledInstance, options: StarBoundOptions = {}, terms?: Float64Array): number {
  const S = c.serviceCount;
  const Z = c.zoneCount;
  const d = c.levelDistance;
  const cap = c.instance.routing.zoneLoadCap;
  const steps = options.steps ?? 40;
  const maxWork = options.maxWork ?? 200_000;
  const perEdge = jointPerEdgeTerms(c);
  const maxIn = new ZoneModel(c, new Int32Array(S * Z)).maxInZone;
  const zoneDistance = zoneDistances(c);
  const local = new Float64Array(2);

  const vectors = serviceCountVectors(c, maxIn);
  const countOf = (s: number): number => vectors[s].length / Z;
  // Callee counts need only be tried in one order per group of identical zones.
  const groups = identicalZoneGroups(c);
  const canonical = (v: Int32Array, o: number): boolean => groups.every((g) => g.every((z, i) => i === 0 || v[o + g[i - 1]] >= v[o + z]));

  const incoming = incomingEdges(c);
  const inbound = inboundRps(c);
  let bound = 0;
  const mu = new Float64Array(Z);
  const gradient = new Float64Array(Z);
  const bestMu = new Float64Array(Z);
  for (let b = 0; b < S; b++) {
    const edges = incoming[b];
    if (edges.length === 0) continue;
    const fallback = edges.reduce((sum, ei) => sum + perEdge[ei], 0);
    const work = countOf(b) * edges.reduce((sum, ei) => sum + countOf(c.directedEdges[ei].from), 0);
    if (countOf(b) === 0 || work > maxWork || (options.deadline !== undefined && performance.now() > options.deadline)) {
      bound += fallback;
      if (terms) terms[b] = fallback;
      continue;
    }
    const vb = vectors[b];
    const rb = c.replicas[b];
    let star = Infinity;
    for (let ib = 0; ib < countOf(b) && star > fallback; ib++) {
      const ob = ib * Z;
      if (!c.fixedCounts[b] && !canonical(vb, ob)) continue;
      // Best μ for these counts: L(μ) is concave; keep the best value any μ gives.
      mu.fill(0);
      let best = -Infinity;
      const scale = edges.reduce((sum, ei) => sum + c.directedEdges[ei].weight, 0) * (d[2] - d[0]);
      const multi = edges.length > 1;
      for (let step = 0; step <= (multi ? steps : 0); step++) {
        gradient.fill(0);
        let value = 0;
        for (let z = 0; z < Z; z++) {
          value -= (mu[z] * cap * vb[ob + z]) / rb;
          gradient[z] -= (cap * vb[ob + z]) / rb;
        }
        for (const ei of edges) value += callerMin(ei, vb, ob);
        if (value > best) {
          best = value;
          bestMu.set(mu);
        }
        if (!multi || value === Infinity) break;
        const size = (scale * 0.5) / (step + 1);
        for (let z = 0; z < Z; z++) mu[z] = Math.max(0, mu[z] + size * gradient[z]);
      }
      star = Math.min(star, best);
    }
    bound += Math.max(fallback, Number.isFinite(star) ? star : fallback);
    if (terms) terms[b] = Math.max(fallback, Number.isFinite(star) ? star : fallback);
  }
  return bound;

  /**
   * Least cost of caller edge ei for callee counts vb[ob..], local flow priced μ per share of b's calls;
   * adds the chosen local shares to `gradient`.
   */
  function callerMin(ei: number, vb: Int32Array, ob: number): number {
    const e = c.directedEdges[ei];
    const a = e.from;
    const va = a === e.to ? vb : vectors[a];
    const count = a === e.to ? 1 : countOf(a);
    let best = Infinity;
    let bestAt = -1;
    for (let ia = 0; ia < count; ia++) {
      const oa = a === e.to ? ob : ia * Z;
      let v = 0;
      for (let z = 0; z < Z && v < best; z++) v += callerZoneCost(c, zoneDistance, inbound, ei, va[oa + z], z, vb, ob, mu[z], local);
      if (v < best) {
        best = v;
        bestAt = oa;
      }
    }
    if (bestAt >= 0)
      for (let z = 0; z < Z; z++) {
        callerZoneCost(c, zoneDistance, inbound, ei, va[bestAt + z], z, vb, ob, mu[z], local);
        gradient[z] += local[0] / inbound[e.to];
      }
    return best;
  }
}

/** Objective distance between zones: d1 inside a zone, d2 across zones, d3 across clusters (Z×Z). */
export function zoneDistances(c: CompiledInstance): Float64Array {
  const Z = c.zoneCount;
  const d = c.levelDistance;
  const out = new Float64Array(Z * Z);
  for (let z = 0; z < Z; z++) for (let z2 = 0; z2 < Z; z2++) out[z * Z + z2] = z === z2 ? d[1] : c.zoneCluster[z] === c.zoneCluster[z2] ? d[2] : d[3];
  return out;
}

/**
 * Least cost of the calls of edge ei = a→b from k replicas of a in zone z, for b's zone counts vb[ob..]:
 * local up to the zone's room (cap · rps_b · n_b,z / r_b), of it the same-node share
 * min(F·m_b/n_b,z, rps·m_a/r_a) at d0 and the rest at d1, each local unit priced `price` / rps_b more;
 * the remainder to the nearest other zone holding b. Writes the local flow to out[0] and the same-node flow
 * to out[1]; `samePrice` prices each unit of same-node flow (the caller-star bound's node-room multiplier).
 */
export function callerZoneCost(
  c: CompiledInstance,
  distances: Float64Array,
  inbound: Float64Array,
  ei: number,
  k: number,
  z: number,
  vb: Int32Array,
  ob: number,
  price: number,
  out: Float64Array,
  samePrice = 0,
): number {
  out[0] = 0;
  out[1] = 0;
  if (k === 0) return 0;
  const Z = c.zoneCount;
  const d = c.levelDistance;
  const e = c.directedEdges[ei];
  const a = e.from;
  const b = e.to;
  const perRps = e.weight / e.rps;
  const perReplica = e.rps / c.replicas[a];
  const supply = k * perReplica;
  let remote = Infinity;
  for (let z2 = 0; z2 < Z; z2++) if (z2 !== z && vb[ob + z2] > 0) remote = Math.min(remote, perRps * distances[z * Z + z2]);
  const nb = vb[ob + z];
  if (nb === 0) return supply * remote;
  const room = Math.min(supply, (c.instance.routing.zoneLoadCap * inbound[b] * nb) / c.replicas[b]);
  const rho = Math.min(1, c.maxPerNode[b] / nb);
  const unit = price / inbound[b];
  const expensive = perRps * d[1] + unit;
  const cheap = Math.min(expensive, perRps * (d[1] - (d[1] - d[0]) * rho) + unit + samePrice * rho);
  const cheapAmount = cheap < expensive ? Math.min(room, (perReplica * c.maxPerNode[a]) / rho) : 0;
  let local = 0;
  let cost = 0;
  if (cheap < remote) {
    local = cheapAmount;
    cost += cheapAmount * cheap;
    if (expensive < remote) {
      cost += (room - cheapAmount) * expensive;
      local = room;
    }
  }
  // A zone holding all of b has room for every call, so remote is finite whenever calls are left.
  if (supply - local > 1e-12) cost += (supply - local) * remote;
  out[0] = local;
  out[1] = cheap < remote ? cheapAmount * rho : 0;
  return cost;
}

/** Least cost of edge ei = a→b for a's zone counts va[oa..] and b's vb[ob..] (no pricing). */
export function zoneEdgeCost(
  c: CompiledInstance,
  distances: Float64Array,
  inbound: Float64Array,
  ei: number,
  va: Int32Array,
  oa: number,
  vb: Int32Array,
  ob: number,
): number {
  const out = new Float64Array(2);
  let cost = 0;
  for (let z = 0; z < c.zoneCount; z++) cost += callerZoneCost(c, distances, inbound, ei, va[oa + z], z, vb, ob, 0, out);
  return cost;
}

/**
 * The caller-star bound: every edge belongs to the star of its caller a, with all of a's callees. A
 * replica of a keeps at most perCallerReplica[a] (same-node-capacity.ts) of its calls on its node, so
 * inside zone z the same-node calls of a's edges total at most perCallerReplica[a] · n_a,z; that row is
 * priced by η_z ≥ 0 (a few dozen subgradient steps per count vector of a, every η a lower bound), each
 * callee's counts are the best for its edge alone (per-edge cap: the callee zone's room for all its calls).
 * Self-calls take their per-edge bound. A valid lower bound on the joint cost, like the callee-star one.
 */
export function jointCallerStarLowerBound(c: CompiledInstance, options: StarBoundOptions = {}, terms?: Float64Array): number {
  const S = c.serviceCount;
  const Z = c.zoneCount;
  const steps = options.steps ?? 40;
  const maxWork = options.maxWork ?? 200_000;
  const perEdge = jointPerEdgeTerms(c);
  const maxIn = new ZoneModel(c, new Int32Array(S * Z)).maxInZone;
  const zoneDistance = zoneDistances(c);
  const inbound = inboundRps(c);
  const roomPerReplica = sameNodeCapacity(c).perCallerReplica;
  const vectors = serviceCountVectors(c, maxIn);
  const countOf = (s: number): number => vectors[s].length / Z;
  const groups = identicalZoneGroups(c);
  const canonical = (v: Int32Array, o: number): boolean => groups.every((g) => g.every((z, i) => i === 0 || v[o + g[i - 1]] >= v[o + z]));
  const outgoing: number[][] = Array.from({ length: S }, () => []);
  let bound = 0;
  c.directedEdges.forEach((e, ei) => {
    if (e.from === e.to) bound += perEdge[ei];
    else outgoing[e.from].push(ei);
  });
  const eta = new Float64Array(Z);
  const gradient = new Float64Array(Z);
  const out = new Float64Array(2);
  const same = new Float64Array(Z);
  for (let a = 0; a < S; a++) {
    const edges = outgoing[a];
    if (edges.length === 0) continue;
    const fallback = edges.reduce((sum, ei) => sum + perEdge[ei], 0);
    const work = countOf(a) * edges.reduce((sum, ei) => sum + countOf(c.directedEdges[ei].to), 0);
    if (countOf(a) === 0 || work > maxWork || (options.deadline !== undefined && performance.now() > options.deadline)) {
      bound += fallback;
      if (terms) terms[a] = fallback;
      continue;
    }
    const va = vectors[a];
    const topSaving =
      edges.reduce((most, ei) => Math.max(most, c.directedEdges[ei].weight / c.directedEdges[ei].rps), 0) * (c.levelDistance[1] - c.levelDistance[0]);
    const multi = edges.length > 1;
    let star = Infinity;
    for (let ia = 0; ia < countOf(a) && star > fallback; ia++) {
      const oa = ia * Z;
      if (!c.fixedCounts[a] && !canonical(va, oa)) continue;
      eta.fill(0);
      let best = -Infinity;
      for (let step = 0; step <= (multi ? steps : 0); step++) {
        let value = 0;
        for (let z = 0; z < Z; z++) {
          value -= eta[z] * roomPerReplica[a] * va[oa + z];
          gradient[z] = -roomPerReplica[a] * va[oa + z];
        }
        for (const ei of edges) {
          const b = c.directedEdges[ei].to;
          const vb = vectors[b];
          let least = Infinity;
          for (let ib = 0; ib < countOf(b); ib++) {
            let v = 0;
            for (let z = 0; z < Z && v < least; z++) {
              v += callerZoneCost(c, zoneDistance, inbound, ei, va[oa + z], z, vb, ib * Z, 0, out, eta[z]);
            }
            if (v < least) {
              least = v;
              for (let z = 0; z < Z; z++) {
                callerZoneCost(c, zoneDistance, inbound, ei, va[oa + z], z, vb, ib * Z, 0, out, eta[z]);
                same[z] = out[1];
              }
            }
          }
          value += least;
          for (let z = 0; z < Z; z++) gradient[z] += same[z];
        }
        best = Math.max(best, value);
        if (!multi || value === Infinity) break;
        // Normalised steps: a useful η is at most the same-node saving per unit, (d1 − d0) · w/rps.
        let norm = 0;
        for (let z = 0; z < Z; z++) norm += gradient[z] ** 2;
        if (norm <= 1e-18) break;
        const size = (topSaving * 0.5) / (step + 1) / Math.sqrt(norm);
        for (let z = 0; z < Z; z++) eta[z] = Math.max(0, eta[z] + size * gradient[z]);
      }
      star = Math.min(star, best);
    }
    bound += Math.max(fallback, Number.isFinite(star) ? star : fallback);
    if (terms) terms[a] = Math.max(fallback, Number.isFinite(star) ? star : fallback);
  }
  return bound;
}

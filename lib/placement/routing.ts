/**
 * Routing between zones, and the cost of a placement under it.
 *
 * A caller replica sends its share of a call edge (traffic a→b ÷ replicas of a) and the callee's routing
 * decides, per caller zone z, the share f_b[z][z'] that goes to each callee zone z'; inside a zone the
 * calls spread evenly over the callee's replicas there. Three routings:
 * - `uniform`: round-robin over all replicas, f_b[z][z'] = n_b,z' / r_b (the plain cost model of cost.ts);
 * - `preferSameZone`: locality first, each callee zone taking at most `zoneLoadCap` × its replica share
 *   of the service's calls; what a zone cannot take overflows to zones with room, the same cluster first,
 *   in proportion to their room (`localityFlows`);
 * - `distribute`: explicit integer percentages per caller zone (Istio `localityLbSetting.distribute`).
 *
 * Routing is decided on request rates (load) and costed in objective units. The load a callee zone takes
 * relative to its replica share is its `zoneLoad` (1 under uniform routing); a routing keeps the cap when
 * every zone's load is ≤ `routing.zoneLoadCap`.
 *
 * For a fixed placement, `localityFlows` is also the optimal routing: every same-zone distance is below
 * every cross-zone one, so maximising the traffic each zone keeps (min(supply, cap), independently per
 * zone) and sending overflow within the cluster first minimises the cost.
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';
import { breakdownOf, type CostBreakdown } from './cost.js';
import { BYTES_PER_GB, NETWORK_LEVELS, SECONDS_PER_MONTH } from './model.js';
import type { LocalityRouting, RoutingDecision } from '../model/locality-routing.js';

export type { LocalityRouting, RoutingDecision };

/** The routing to cost a placement with: one rule for every service, or a decision per service. */
export type RoutingSpec = 'uniform' | 'preferSameZone' | RoutingDecision;

/** Per service, its Z×Z routing matrix (row = caller zone, fractions summing to 1), or null for uniform. */
export type RoutingMatrices = (Float64Array | null)[];

export interface RoutedCost extends CostBreakdown {
  /** Largest load of a callee zone relative to its replica share (1 = uniform), over services with callers. */
  maxZoneLoad: number;
  /** Share of requests that leave the caller's zone. */
  crossZoneShare: number;
}

/** counts[s * Z + z]: replicas of s in zone z. */
export function zoneCountsOf(c: CompiledInstance, vector: NodeVector): Int32Array {
  const Z = c.zoneCount;
  const counts = new Int32Array(c.serviceCount * Z);
  for (let r = 0; r < c.replicaCount; r++) counts[c.replicaService[r] * Z + c.nodeZone[vector[r]]]++;
  return counts;
}

/** Directed edges into each callee (indices into c.directedEdges). */
export function incomingEdges(c: CompiledInstance): number[][] {
  const lists: number[][] = Array.from({ length: c.serviceCount }, () => []);
  c.directedEdges.forEach((e, i) => lists[e.to].push(i));
  return lists;
}

/** Requests per second into each service, summed over callers. */
export function inboundRps(c: CompiledInstance): Float64Array {
  const total = new Float64Array(c.serviceCount);
  for (const e of c.directedEdges) total[e.to] += e.rps;
  return total;
}

/** Calls to callee b per caller zone (rps): Σ_{a→b} rps · n_a,z / r_a, into out[0..Z). */
export function callerSupply(c: CompiledInstance, counts: Int32Array, incoming: readonly number[], out: Float64Array): Float64Array {
  const Z = c.zoneCount;
  out.fill(0);
  for (const i of incoming) {
    const e = c.directedEdges[i];
    const perReplica = e.rps / c.replicas[e.from];
    for (let z = 0; z < Z; z++) out[z] += perReplica * counts[e.from * Z + z];
  }
  return out;
}

/** Scratch rows of `localityFlows` (room, overflow, room before a pass), grown on demand. */
let scratch = new Float64Array(0);

/**
 * Locality-first flows for callee b (rps, row-major Z×Z: flows[z * Z + z'] from caller zone z to z').
 * Each zone keeps min(supply, cap) where cap = zoneLoadCap · total · n_b,z / r_b; overflow goes to zones
 * with room left, the caller's cluster first, in proportion to that room.
 */
export function localityFlows(c: CompiledInstance, b: number, counts: Int32Array, supply: Float64Array, zoneLoadCap: number): Float64Array {
  const Z = c.zoneCount;
  const flows = new Float64Array(Z * Z);
  let total = 0;
  for (let z = 0; z < Z; z++) total += supply[z];
  if (total <= 0) return flows;
  // Scratch rows, reused between calls (this runs once per callee evaluation of the zone search).
  if (scratch.length < 3 * Z) scratch = new Float64Array(3 * Z);
  const room = scratch; // room[z]; overflow at [Z + z]; room before a pass at [2Z + z]
  const O = Z;
  const B = 2 * Z;
  const zoneCluster = c.zoneCluster;
  for (let z = 0; z < Z; z++) {
    const cap = (zoneLoadCap * total * counts[b * Z + z]) / c.replicas[b];
    const local = Math.min(supply[z], cap);
    flows[z * Z + z] = local;
    room[z] = cap - local;
    room[O + z] = supply[z] - local;
  }
  // Same cluster first: per cluster, move min(overflow, room) in proportion; then the rest anywhere.
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < (pass === 0 ? c.clusterCount : 1); k++) {
      let over = 0;
      let spare = 0;
      for (let z = 0; z < Z; z++)
        if (pass === 1 || zoneCluster[z] === k) {
          over += room[O + z];
          spare += room[z];
        }
      if (over <= 1e-12 || spare <= 1e-12) continue;
      const moved = Math.min(over, spare);
      const roomUsed = moved / spare;
      const sent = moved / over;
      for (let z = 0; z < Z; z++) room[B + z] = room[z];
      for (let z = 0; z < Z; z++) {
        if ((pass === 0 && zoneCluster[z] !== k) || room[O + z] <= 0) continue;
        const amount = room[O + z] * sent;
        for (let z2 = 0; z2 < Z; z2++) if ((pass === 1 || zoneCluster[z2] === k) && room[B + z2] > 0) flows[z * Z + z2] += (amount * room[B + z2]) / spare;
        room[O + z] -= amount;
      }
      for (let z = 0; z < Z; z++) if (pass === 1 || zoneCluster[z] === k) room[z] -= room[B + z] * roomUsed;
    }
  }
  return flows;
}

/** Row fractions of a flow matrix; rows without supply follow `fallbackRow` (the zone itself if it has replicas, else uniform). */
export function flowsToMatrix(c: CompiledInstance, b: number, counts: Int32Array, flows: Float64Array): Float64Array {
  const Z = c.zoneCount;
  const matrix = new Float64Array(Z * Z);
  for (let z = 0; z < Z; z++) {
    let row = 0;
    for (let z2 = 0; z2 < Z; z2++) row += flows[z * Z + z2];
    if (row > 1e-12) for (let z2 = 0; z2 < Z; z2++) matrix[z * Z + z2] = flows[z * Z + z2] / row;
    else if (counts[b * Z + z] > 0) matrix[z * Z + z] = 1;
    else for (let z2 = 0; z2 < Z; z2++) matrix[z * Z + z2] = counts[b * Z + z2] / c.replicas[b];
  }
  return matrix;
}

/** Zone names as routing decisions use them: the zone, or `cluster/zone` when a zone name occurs in two clusters. */
export function zoneNames(c: CompiledInstance): string[] {
  const Z = c.zoneCount;
  const names: string[] = new Array(Z).fill('');
  const clusterOf: string[] = new Array(Z).fill('');
  for (let n = 0; n < c.nodeCount; n++) {
    names[c.nodeZone[n]] = c.instance.nodes[n].zone;
    clusterOf[c.nodeZone[n]] = c.instance.nodes[n].cluster;
  }
  const seen = new Map<string, number>();
  for (const name of names) seen.set(name, (seen.get(name) ?? 0) + 1);
  return names.map((name, z) => ((seen.get(name) ?? 0) > 1 ? `${clusterOf[z]}/${name}` : name));
}

/** The routing matrix of every service for a placement and a routing spec. */
export function routingMatrices(c: CompiledInstance, counts: Int32Array, spec: RoutingSpec): RoutingMatrices {
  const S = c.serviceCount;
  const Z = c.zoneCount;
  const matrices: RoutingMatrices = new Array(S).fill(null);
  if (spec === 'uniform' || Z < 2) return matrices;
  const incoming = incomingEdges(c);
  const supply = new Float64Array(Z);
  const cap = c.instance.routing.zoneLoadCap;
  const locality = (b: number): Float64Array => flowsToMatrix(c, b, counts, localityFlows(c, b, counts, callerSupply(c, counts, incoming[b], supply), cap));
  if (spec === 'preferSameZone') {
    for (let b = 0; b < S; b++) if (incoming[b].length > 0) matrices[b] = locality(b);
    return matrices;
  }
  const zoneIndex = new Map(zoneNames(c).map((name, z) => [name, z]));
  for (const [name, routing] of Object.entries(spec)) {
    const b = c.serviceIndex.get(name);
    if (b === undefined || c.replicas[b] === 0) continue;
    if (routing.mode === 'preferSameZone') matrices[b] = locality(b);
    else if (routing.mode === 'distribute') matrices[b] = distributeMatrix(c, b, counts, routing, zoneIndex);
  }
  return matrices;
}

/**
 * The matrix of an explicit distribution. Caller zones it does not list route uniformly; shares for
 * zones without a replica of the callee go to the listed zones that have one, in proportion (a proxy
 * fails over from a locality without endpoints); a row left with nothing routes uniformly.
 */
function distributeMatrix(c: CompiledInstance, b: number, counts: Int32Array, routing: LocalityRouting, zoneIndex: Map<string, number>): Float64Array {
  const Z = c.zoneCount;
  const matrix = new Float64Array(Z * Z);
  const listed = new Uint8Array(Z);
  for (const d of routing.distribute ?? []) {
    const z = zoneIndex.get(d.from);
    if (z === undefined) continue;
    let row = 0;
    for (const [to, pct] of Object.entries(d.to)) {
      const z2 = zoneIndex.get(to);
      if (z2 === undefined || counts[b * Z + z2] === 0) continue;
      matrix[z * Z + z2] += pct;
      row += pct;
    }
    if (row > 0) {
      for (let z2 = 0; z2 < Z; z2++) matrix[z * Z + z2] /= row;
      listed[z] = 1;
    }
  }
  for (let z = 0; z < Z; z++) if (!listed[z]) for (let z2 = 0; z2 < Z; z2++) matrix[z * Z + z2] = counts[b * Z + z2] / c.replicas[b];
  return matrix;
}

/**
 * The cost of a placement under a routing (exact at node level: same-node pairs inside a zone cost the
 * same-node distance). Under `uniform` it equals `evaluateVector`.
 */
export function evaluateRouted(c: CompiledInstance, vector: NodeVector, spec: RoutingSpec, matrices?: RoutingMatrices): RoutedCost {
  const Z = c.zoneCount;
  const counts = zoneCountsOf(c, vector);
  const routes = matrices ?? routingMatrices(c, counts, spec);
  const { instance } = c;
  const latency = NETWORK_LEVELS.map((l) => instance.distance[l].latencyMs);
  const price = NETWORK_LEVELS.map((l) => instance.distance[l].dollarsPerGB);
  const d = c.levelDistance;
  const onNode = new Int32Array(c.nodeCount);
  const rpsAtLevel = [0, 0, 0, 0];
  const weightAtLevel = [0, 0, 0, 0];
  const bytesAtLevel = [0, 0, 0, 0];
  const inflow = new Float64Array(c.serviceCount * Z);
  const uniformRow = new Float64Array(Z);
  let totalRps = 0;
  for (const e of c.directedEdges) {
    const a = e.from;
    const b = e.to;
    for (let j = c.replicaStart[b]; j < c.replicaStart[b + 1]; j++) onNode[vector[j]]++;
    for (let z2 = 0; z2 < Z; z2++) uniformRow[z2] = counts[b * Z + z2] / c.replicas[b];
    const matrix = routes[b];
    const share = 1 / c.replicas[a];
    const add = (level: number, part: number): void => {
      weightAtLevel[level] += e.weight * part;
      rpsAtLevel[level] += e.rps * part;
      bytesAtLevel[level] += e.bytesPerSecond * part;
    };
    totalRps += e.rps;
    for (let i = c.replicaStart[a]; i < c.replicaStart[a + 1]; i++) {
      const n = vector[i];
      const z = c.nodeZone[n];
      for (let z2 = 0; z2 < Z; z2++) {
        const f = matrix ? matrix[z * Z + z2] : uniformRow[z2];
        if (f <= 0) continue;
        const part = share * f;
        inflow[b * Z + z2] += e.rps * part;
        if (z2 === z) {
          const same = onNode[n] / counts[b * Z + z];
          add(0, part * same);
          add(1, part * (1 - same));
        } else add(c.zoneCluster[z2] === c.zoneCluster[z] ? 2 : 3, part);
      }
    }
    for (let j = c.replicaStart[b]; j < c.replicaStart[b + 1]; j++) onNode[vector[j]] = 0;
  }
  let communication = 0;
  let latencyMsPerSecond = 0;
  let dollarsPerMonth = 0;
  for (let l = 0; l < 4; l++) {
    communication += weightAtLevel[l] * d[l];
    latencyMsPerSecond += rpsAtLevel[l] * latency[l];
    dollarsPerMonth += ((bytesAtLevel[l] * SECONDS_PER_MONTH) / BYTES_PER_GB) * price[l];
  }
  const inbound = inboundRps(c);
  let maxZoneLoad = 0;
  for (let b = 0; b < c.serviceCount; b++) {
    if (inbound[b] <= 0) continue;
    for (let z = 0; z < Z; z++) {
      const k = counts[b * Z + z];
      if (k > 0) maxZoneLoad = Math.max(maxZoneLoad, inflow[b * Z + z] / ((inbound[b] * k) / c.replicas[b]));
    }
  }
  const breakdown = breakdownOf(c, vector, { communication, latencyMsPerSecond, dollarsPerMonth, rpsAtLevel, totalRps });
  return { ...breakdown, maxZoneLoad, crossZoneShare: breakdown.trafficShare.crossZone + breakdown.trafficShare.crossCluster };
}

/**
 * Whole-percent routing decision for the non-uniform matrices, one distribution per caller zone that
 * calls the service. Percentages are rounded by largest remainder, then repaired point by point so no
 * callee zone takes more than the cap (when the unrounded matrix kept it).
 */
export function toRoutingDecision(c: CompiledInstance, counts: Int32Array, matrices: RoutingMatrices): RoutingDecision {
  const Z = c.zoneCount;
  const names = zoneNames(c);
  const incoming = incomingEdges(c);
  const inbound = inboundRps(c);
  const supply = new Float64Array(Z);
  const decision: RoutingDecision = {};
  const cap = c.instance.routing.zoneLoadCap;
  for (let b = 0; b < c.serviceCount; b++) {
    const matrix = matrices[b];
    if (!matrix || inbound[b] <= 0) continue;
    callerSupply(c, counts, incoming[b], supply);
    const pct = new Int32Array(Z * Z);
    for (let z = 0; z < Z; z++) {
      if (supply[z] <= 0) continue;
      roundRow(matrix.subarray(z * Z, z * Z + Z), pct.subarray(z * Z, z * Z + Z), (z2) => counts[b * Z + z2] > 0, z);
    }
    repairCaps(b, pct);
    let uniform = true;
    const distribute: { from: string; to: Record<string, number> }[] = [];
    for (let z = 0; z < Z; z++) {
      if (supply[z] <= 0) continue;
      const to: Record<string, number> = {};
      for (let z2 = 0; z2 < Z; z2++) {
        if (pct[z * Z + z2] > 0) to[names[z2]] = pct[z * Z + z2];
        if (Math.abs(pct[z * Z + z2] - (100 * counts[b * Z + z2]) / c.replicas[b]) >= 0.5) uniform = false;
      }
      distribute.push({ from: names[z], to });
    }
    if (!uniform && distribute.length > 0) decision[c.instance.services[b].name] = { mode: 'distribute', distribute };
  }
  return decision;

  function repairCaps(b: number, pct: Int32Array): void {
    const limit = (z2: number): number => (cap * inbound[b] * counts[b * Z + z2]) / c.replicas[b] + 1e-9;
    for (let guard = 0; guard < 100 * Z * Z; guard++) {
      const load = new Float64Array(Z);
      for (let z = 0; z < Z; z++) for (let z2 = 0; z2 < Z; z2++) load[z2] += (supply[z] * pct[z * Z + z2]) / 100;
      let over = -1;
      for (let z2 = 0; z2 < Z; z2++) if (load[z2] > limit(z2) && (over < 0 || load[z2] - limit(z2) > load[over] - limit(over))) over = z2;
      if (over < 0) return;
      // Move one point from the smallest caller row that sends there to the zone with the most room.
      let row = -1;
      for (let z = 0; z < Z; z++) if (supply[z] > 0 && pct[z * Z + over] > 0 && (row < 0 || supply[z] < supply[row])) row = z;
      let target = -1;
      for (let z2 = 0; z2 < Z; z2++)
        if (z2 !== over && counts[b * Z + z2] > 0 && (target < 0 || limit(z2) - load[z2] > limit(target) - load[target])) target = z2;
      if (row < 0 || target < 0 || limit(target) - load[target] < supply[row] / 100) return;
      pct[row * Z + over]--;
      pct[row * Z + target]++;
    }
  }
}

/**
 * Rounds a fraction row to whole percentages over the allowed columns: floors first, then the points
 * left go to the caller's own zone (`local`: keeping calls local is what saves), then by largest remainder.
 */
function roundRow(row: Float64Array, out: Int32Array, allowed: (z: number) => boolean, local: number): void {
  const Z = row.length;
  let sum = 0;
  let allowedSum = 0;
  for (let z = 0; z < Z; z++) if (allowed(z)) allowedSum += row[z];
  const remainders: { z: number; r: number }[] = [];
  for (let z = 0; z < Z; z++) {
    if (!allowed(z) || allowedSum <= 0) continue;
    const exact = (100 * row[z]) / allowedSum;
    out[z] = Math.floor(exact + 1e-9);
    sum += out[z];
    const r = exact - out[z];
    if (r > 1e-9) remainders.push({ z, r: z === local ? 2 : r });
  }
  remainders.sort((x, y) => y.r - x.r || x.z - y.z);
  for (let i = 0; sum < 100 && remainders.length > 0; i = (i + 1) % remainders.length) {
    out[remainders[i].z]++;
    sum++;
  }
  // Floating-point leftovers (never more than a point) go to the largest share.
  if (sum !== 100 && allowedSum > 0) {
    let top = -1;
    for (let z = 0; z < Z; z++) if (allowed(z) && (top < 0 || out[z] > out[top])) top = z;
    out[top] += 100 - sum;
  }
}

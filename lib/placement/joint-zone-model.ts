/**
 * The zone level of the joint placement + routing problem: how many replicas of each service run in
 * each zone. For given zone counts the best routing is locality first under the zone cap
 * (routing.ts `localityFlows`), so the counts alone fix every cross-zone flow. The cost of one
 * callee b is
 *
 *   Σ_{a→b} w_ab/rps_ab · Σ_{z,z'} F_ab[z][z'] · D(z,z')  −  (d1 − d0) · Σ_z Ŝ_ab,z  (+ λ · replicas leaving a zone)
 *
 * where F is the routed rps, D the zone distance (d1 inside a zone) and Ŝ the same-node traffic the
 * node level could reach at best: inside zone z, at most min(F, rps/r_a · f · m_a, F · m_b / n_b,z)
 * (a node holds ≤ m_a caller replicas, and a caller replica reaches at most m_b of the n_b,z callee
 * replicas there on its own node). The node level (joint-solver.ts) then places replicas inside each zone.
 */
import type { CompiledInstance } from './compiled-instance.js';
import { callerSupply, incomingEdges, localityFlows } from './routing.js';

/** Share of a zone's allocatable CPU and memory the zone level fills at most, leaving room for packing. */
export const ZONE_PACKING_SLACK = 0.97;

export class ZoneModel {
  readonly counts: Int32Array;
  /** Most replicas of s that zone z can hold (pins, node limit, capacity, zone spread). */
  readonly maxInZone: Int32Array;
  readonly zoneCpu: Float64Array;
  readonly zoneMemory: Float64Array;
  readonly usedCpu: Float64Array;
  readonly usedMemory: Float64Array;
  readonly incoming: number[][];
  /** Callees of each service (distinct). */
  readonly callees: number[][];
  readonly calleeCost: Float64Array;
  readonly moveCost: Float64Array;
  total = 0;
  /** Callee cost evaluations so far: a machine-independent measure of effort. */
  work = 0;
  private readonly supply: Float64Array;
  private readonly zoneDistance: Float64Array;

  constructor(
    readonly c: CompiledInstance,
    start: Int32Array,
  ) {
    const S = c.serviceCount;
    const Z = c.zoneCount;
    this.counts = Int32Array.from(start);
    this.maxInZone = new Int32Array(S * Z);
    this.zoneCpu = new Float64Array(Z);
    this.zoneMemory = new Float64Array(Z);
    for (let n = 0; n < c.nodeCount; n++) {
      this.zoneCpu[c.nodeZone[n]] += c.nodeCpu[n];
      this.zoneMemory[c.nodeZone[n]] += c.nodeMemory[n];
    }
    for (let s = 0; s < S; s++) {
      const fixed = c.fixedCounts[s];
      for (const n of c.allowedNodes[s]) {
        const fit = Math.min(
          fixed ? (fixed.get(n) ?? 0) : c.maxPerNode[s],
          Math.floor(c.nodeCpu[n] / c.cpu[s] + 1e-9),
          Math.floor(c.nodeMemory[n] / c.memory[s] + 1e-9),
        );
        this.maxInZone[s * Z + c.nodeZone[n]] += Math.max(0, fit);
      }
      for (let z = 0; z < Z; z++) this.maxInZone[s * Z + z] = Math.min(this.maxInZone[s * Z + z], c.needsSpread[s] ? c.replicas[s] - 1 : c.replicas[s]);
    }
    this.usedCpu = new Float64Array(Z);
    this.usedMemory = new Float64Array(Z);
    for (let s = 0; s < S; s++)
      for (let z = 0; z < Z; z++) {
        this.usedCpu[z] += c.cpu[s] * this.counts[s * Z + z];
        this.usedMemory[z] += c.memory[s] * this.counts[s * Z + z];
      }
    this.incoming = incomingEdges(c);
    const callees: Set<number>[] = Array.from({ length: S }, () => new Set());
    for (const e of c.directedEdges) callees[e.from].add(e.to);
    this.callees = callees.map((set) => [...set].sort((x, y) => x - y));
    this.supply = new Float64Array(Z);
    const d = c.levelDistance;
    this.zoneDistance = new Float64Array(Z * Z);
    for (let z = 0; z < Z; z++)
      for (let z2 = 0; z2 < Z; z2++) this.zoneDistance[z * Z + z2] = z === z2 ? d[1] : c.zoneCluster[z] === c.zoneCluster[z2] ? d[2] : d[3];
    this.calleeCost = new Float64Array(S);
    this.moveCost = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      this.calleeCost[s] = this.costOf(s);
      this.moveCost[s] = this.migrationOf(s);
      this.total += this.calleeCost[s] + this.moveCost[s];
    }
  }

  /** Estimated communication cost of the calls into b (see the file comment). */
  costOf(b: number): number {
    const { c, counts } = this;
    const Z = c.zoneCount;
    const edges = this.incoming[b];
    if (edges.length === 0) return 0;
    this.work++;
    const d = c.levelDistance;
    const supply = callerSupply(c, counts, edges, this.supply);
    const flows = localityFlows(c, b, counts, supply, c.instance.routing.zoneLoadCap);
    let cost = 0;
    for (const i of edges) {
      const e = c.directedEdges[i];
      const a = e.from;
      const perRps = e.weight / e.rps;
      const perReplica = e.rps / c.replicas[a];
      for (let z = 0; z < Z; z++) {
        const na = counts[a * Z + z];
        if (na === 0 || supply[z] <= 0) continue;
        const from = perReplica * na;
        for (let z2 = 0; z2 < Z; z2++) {
          const f = flows[z * Z + z2] / supply[z];
          if (f <= 0) continue;
          const flow = from * f;
          cost += perRps * flow * this.zoneDistance[z * Z + z2];
          if (z2 === z) {
            const sameNode = Math.min(flow, perReplica * f * c.maxPerNode[a], (flow * c.maxPerNode[b]) / counts[b * Z + z]);
            cost -= perRps * (d[1] - d[0]) * sameNode;
          }
        }
      }
    }
    return cost;
  }

  /** λ × the replicas of s that must change zone at least (movable − Σ_z min(now, after)). */
  migrationOf(s: number): number {
    const { c } = this;
    const current = c.currentCounts[s];
    if (!current || c.migrationCost === 0) return 0;
    const Z = c.zoneCount;
    const now = new Int32Array(Z);
    for (const [n, k] of current) now[c.nodeZone[n]] += k;
    let kept = 0;
    for (let z = 0; z < Z; z++) kept += Math.min(now[z], this.counts[s * Z + z]);
    return c.migrationCost * Math.max(0, c.movableReplicas[s] - kept);
  }

  /** May one replica of s go from zone `from` to zone `to` (bounds, spread, and zone room unless `ignoreRoom`)? */
  canMove(s: number, from: number, to: number, ignoreRoom = false): boolean {
    const { c, counts } = this;
    const Z = c.zoneCount;
    if (from === to || c.fixedCounts[s] || counts[s * Z + from] === 0) return false;
    if (counts[s * Z + to] + 1 > this.maxInZone[s * Z + to]) return false;
    if (!ignoreRoom && !this.hasRoom(to, c.cpu[s], c.memory[s])) return false;
    if (c.needsSpread[s] && counts[s * Z + from] === 1) {
      let zones = 0;
      for (let z = 0; z < Z; z++) if (counts[s * Z + z] > 0 && z !== from) zones++;
      if (counts[s * Z + to] === 0) zones++;
      if (zones < 2) return false;
    }
    return true;
  }

  /** Does zone z stay within its packing slack with `cpu` and `memory` more (negative: less)? */
  hasRoom(z: number, cpu: number, memory: number): boolean {
    return (
      this.usedCpu[z] + cpu <= ZONE_PACKING_SLACK * this.zoneCpu[z] + 1e-9 && this.usedMemory[z] + memory <= ZONE_PACKING_SLACK * this.zoneMemory[z] + 1e-9
    );
  }

  /** Moves one replica of s between zones (room is the caller's concern) and returns the change in the total. */
  move(s: number, from: number, to: number): number {
    const { c, counts } = this;
    const Z = c.zoneCount;
    counts[s * Z + from]--;
    counts[s * Z + to]++;
    this.usedCpu[from] -= c.cpu[s];
    this.usedCpu[to] += c.cpu[s];
    this.usedMemory[from] -= c.memory[s];
    this.usedMemory[to] += c.memory[s];
    let delta = this.refresh(s);
    for (const b of this.callees[s]) if (b !== s) delta += this.refresh(b);
    const migration = this.migrationOf(s);
    delta += migration - this.moveCost[s];
    this.moveCost[s] = migration;
    this.total += delta;
    return delta;
  }

  private refresh(b: number): number {
    const cost = this.costOf(b);
    const delta = cost - this.calleeCost[b];
    this.calleeCost[b] = cost;
    return delta;
  }
}

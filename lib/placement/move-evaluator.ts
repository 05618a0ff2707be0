/**
 * Incremental cost of moving one replica. Distance is a sum of non-negative steps, d(n,m) =
 * d3 − Δ3·[same cluster] − Δ2·[same zone] − Δ1·[same node], so the cost of putting a replica of s on
 * node m is a constant minus the traffic-weighted count of neighbour replicas in m's cluster, zone and
 * node. `load(s)` accumulates those counts once; every candidate node then costs O(1).
 */
import type { PlacementState } from './placement-state.js';

export class MoveEvaluator {
  private readonly attractionNode: Float64Array;
  private readonly attractionZone: Float64Array;
  private readonly attractionCluster: Float64Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private readonly stepNode: number;
  private readonly stepZone: number;
  private readonly stepCluster: number;
  /** Neighbour replicas scanned and candidates priced so far: a machine-independent measure of search effort. */
  work = 0;
  /** The service `load` last accumulated, and the state version it saw. */
  private loaded = -1;
  private loadedVersion = -1;

  constructor(readonly state: PlacementState) {
    const { c } = state;
    this.attractionNode = new Float64Array(c.nodeCount);
    this.attractionZone = new Float64Array(c.zoneCount);
    this.attractionCluster = new Float64Array(c.clusterCount);
    this.touched = new Int32Array(c.nodeCount);
    const d = c.levelDistance;
    this.stepNode = d[1] - d[0];
    this.stepZone = d[2] - d[1];
    this.stepCluster = d[3] - d[2];
  }

  /** Accumulates where the placed replicas of s's neighbours are (nothing to do when nothing moved since). */
  load(s: number): void {
    const { c, node } = this.state;
    if (s === this.loaded && this.state.version === this.loadedVersion) return;
    this.loaded = s;
    this.loadedVersion = this.state.version;
    for (let i = 0; i < this.touchedCount; i++) this.attractionNode[this.touched[i]] = 0;
    this.touchedCount = 0;
    this.attractionZone.fill(0);
    this.attractionCluster.fill(0);
    for (let e = c.adjStart[s]; e < c.adjStart[s + 1]; e++) {
      const b = c.adjService[e];
      const w = c.adjPairWeight[e];
      this.work += c.replicas[b];
      for (let j = c.replicaStart[b]; j < c.replicaStart[b + 1]; j++) {
        const x = node[j];
        if (x < 0) continue;
        if (this.attractionNode[x] === 0) this.touched[this.touchedCount++] = x;
        this.attractionNode[x] += w;
        this.attractionZone[c.nodeZone[x]] += w;
        this.attractionCluster[c.nodeCluster[x]] += w;
      }
    }
  }

  /**
   * Call right after moving one replica of the loaded service and nothing else: a service's own
   * replicas are not its neighbours, so what `load` accumulated still holds.
   */
  keepAfterOwnMove(): void {
    if (this.loaded >= 0 && this.state.version === this.loadedVersion + 2) this.loadedVersion = this.state.version;
  }

  /** Nodes holding a neighbour replica of the loaded service. */
  attractedNodes(): Int32Array {
    return this.touched.subarray(0, this.touchedCount);
  }

  /** Cost of one replica of the loaded service on m, up to a constant (communication + risk). */
  placementCost(m: number): number {
    const { c } = this.state;
    return (
      c.riskWeight * c.nodeRisk[m] -
      this.stepNode * this.attractionNode[m] -
      this.stepZone * this.attractionZone[c.nodeZone[m]] -
      this.stepCluster * this.attractionCluster[c.nodeCluster[m]]
    );
  }

  /** Change in migration cost when a replica of s leaves node n (it is still counted on n). */
  leavingCost(s: number, n: number): number {
    const { c } = this.state;
    const current = c.currentCounts[s];
    if (!current || c.migrationCost === 0) return 0;
    return this.state.countOnNode(s, n) <= (current.get(n) ?? 0) ? c.migrationCost : 0;
  }

  /** Change in migration cost when a replica of s arrives on node m. */
  arrivingCost(s: number, m: number): number {
    const { c } = this.state;
    const current = c.currentCounts[s];
    if (!current || c.migrationCost === 0) return 0;
    return this.state.countOnNode(s, m) < (current.get(m) ?? 0) ? -c.migrationCost : 0;
  }

  /** Exact total-cost change of moving placed replica r to m, computed directly (no `load`). */
  moveDelta(r: number, m: number): number {
    const { c, node } = this.state;
    const { nodeZone, nodeCluster, replicaStart } = c;
    const s = c.replicaService[r];
    const n = node[r];
    const d = c.levelDistance;
    const d0 = d[0];
    const d1 = d[1];
    const d2 = d[2];
    const d3 = d[3];
    const zm = nodeZone[m];
    const zn = nodeZone[n];
    const km = nodeCluster[m];
    const kn = nodeCluster[n];
    let delta = c.riskWeight * (c.nodeRisk[m] - c.nodeRisk[n]) + this.leavingCost(s, n) + this.arrivingCost(s, m);
    for (let e = c.adjStart[s]; e < c.adjStart[s + 1]; e++) {
      const b = c.adjService[e];
      const end = replicaStart[b + 1];
      this.work += end - replicaStart[b];
      let sum = 0;
      for (let j = replicaStart[b]; j < end; j++) {
        const x = node[j];
        if (x < 0) continue;
        const zx = nodeZone[x];
        const kx = nodeCluster[x];
        sum += (x === m ? d0 : zx === zm ? d1 : kx === km ? d2 : d3) - (x === n ? d0 : zx === zn ? d1 : kx === kn ? d2 : d3);
      }
      delta += c.adjPairWeight[e] * sum;
    }
    return delta;
  }

  /** Objective weight of one replica pair of services a and b (0 when they do not talk). */
  pairWeight(a: number, b: number): number {
    const { c } = this.state;
    for (let e = c.adjStart[a]; e < c.adjStart[a + 1]; e++) if (c.adjService[e] === b) return c.adjPairWeight[e];
    return 0;
  }
}

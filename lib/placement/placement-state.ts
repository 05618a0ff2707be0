/**
 * A mutable placement with the bookkeeping that makes moves O(1) to apply and cheap to evaluate:
 * node loads, per-service zone and cluster counts, replicas per node, and an undo log so a search can
 * try a sequence of moves and roll it back.
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';

export class PlacementState {
  /** Node of each replica, -1 while unplaced. */
  readonly node: Int32Array;
  readonly usedCpu: Float64Array;
  readonly usedMemory: Float64Array;
  /** zoneCount[s * zoneCount + z]: replicas of s in zone z. */
  readonly zoneCount: Int32Array;
  readonly clusterCount: Int32Array;
  /** Zones holding at least one replica of s. */
  readonly zonesUsed: Int32Array;
  /** onNode[s * nodeCount + n]: replicas of s on node n. */
  readonly onNode: Int32Array;
  /** Replicas on each node (unordered). */
  readonly nodeReplicas: number[][];
  private readonly positionOnNode: Int32Array;
  private readonly undoLog: number[] = [];
  /** Counts every placement change; a cache keyed on it (MoveEvaluator.load) knows when it is stale. */
  version = 0;

  constructor(readonly c: CompiledInstance) {
    this.node = new Int32Array(c.replicaCount).fill(-1);
    this.usedCpu = new Float64Array(c.nodeCount);
    this.usedMemory = new Float64Array(c.nodeCount);
    this.zoneCount = new Int32Array(c.serviceCount * c.zoneCount);
    this.clusterCount = new Int32Array(c.serviceCount * c.clusterCount);
    this.zonesUsed = new Int32Array(c.serviceCount);
    this.onNode = new Int32Array(c.serviceCount * c.nodeCount);
    this.nodeReplicas = Array.from({ length: c.nodeCount }, () => []);
    this.positionOnNode = new Int32Array(c.replicaCount);
  }

  /** A state holding every placed replica of `vector` (entries of -1 stay unplaced). */
  static from(c: CompiledInstance, vector: NodeVector): PlacementState {
    const state = new PlacementState(c);
    for (let r = 0; r < vector.length; r++) if (vector[r] >= 0) state.place(r, vector[r]);
    state.undoLog.length = 0;
    return state;
  }

  place(r: number, n: number): void {
    const { c } = this;
    const s = c.replicaService[r];
    this.node[r] = n;
    this.usedCpu[n] += c.cpu[s];
    this.usedMemory[n] += c.memory[s];
    if (this.zoneCount[s * c.zoneCount + c.nodeZone[n]]++ === 0) this.zonesUsed[s]++;
    this.clusterCount[s * c.clusterCount + c.nodeCluster[n]]++;
    this.onNode[s * c.nodeCount + n]++;
    this.positionOnNode[r] = this.nodeReplicas[n].length;
    this.nodeReplicas[n].push(r);
    this.undoLog.push(r, -1);
    this.version++;
  }

  unplace(r: number): void {
    const { c } = this;
    const s = c.replicaService[r];
    const n = this.node[r];
    this.node[r] = -1;
    this.usedCpu[n] -= c.cpu[s];
    this.usedMemory[n] -= c.memory[s];
    if (--this.zoneCount[s * c.zoneCount + c.nodeZone[n]] === 0) this.zonesUsed[s]--;
    this.clusterCount[s * c.clusterCount + c.nodeCluster[n]]--;
    this.onNode[s * c.nodeCount + n]--;
    const list = this.nodeReplicas[n];
    const last = list.pop()!;
    if (last !== r) {
      list[this.positionOnNode[r]] = last;
      this.positionOnNode[last] = this.positionOnNode[r];
    }
    this.undoLog.push(r, n);
    this.version++;
  }

  move(r: number, to: number): void {
    this.unplace(r);
    this.place(r, to);
  }

  /** Does one more replica of s fit on n (capacity, and the per-node availability limit)? */
  fits(s: number, n: number): boolean {
    const { c } = this;
    const fixed = c.fixedCounts[s];
    return (
      this.onNode[s * c.nodeCount + n] < (fixed ? (fixed.get(n) ?? 0) : c.maxPerNode[s]) &&
      this.usedCpu[n] + c.cpu[s] <= c.nodeCpu[n] + 1e-9 &&
      this.usedMemory[n] + c.memory[s] <= c.nodeMemory[n] + 1e-9
    );
  }

  /** Does a replica of `add` fit on n once a replica of `remove` has left it (capacity and availability)? */
  fitsInstead(add: number, remove: number, n: number): boolean {
    const { c } = this;
    const fixed = c.fixedCounts[add];
    return (
      (add === remove || this.onNode[add * c.nodeCount + n] < (fixed ? (fixed.get(n) ?? 0) : c.maxPerNode[add])) &&
      this.usedCpu[n] - c.cpu[remove] + c.cpu[add] <= c.nodeCpu[n] + 1e-9 &&
      this.usedMemory[n] - c.memory[remove] + c.memory[add] <= c.nodeMemory[n] + 1e-9
    );
  }

  /** Replicas of s on node n. */
  countOnNode(s: number, n: number): number {
    return this.onNode[s * this.c.nodeCount + n];
  }

  /** Would moving one replica of s from zone `from` to zone `to` keep the zone-spread rule? */
  spreadKeptAfterMove(s: number, from: number, to: number): boolean {
    if (!this.c.needsSpread[s] || from === to) return true;
    const base = s * this.c.zoneCount;
    const zones = this.zonesUsed[s] - (this.zoneCount[base + from] === 1 ? 1 : 0) + (this.zoneCount[base + to] === 0 ? 1 : 0);
    return zones >= 2;
  }

  /** Position in the undo log; pass it to `rollback` to return to this state. */
  checkpoint(): number {
    return this.undoLog.length;
  }

  /** Undoes every placement change made since `mark`. */
  rollback(mark: number): void {
    while (this.undoLog.length > mark) {
      const n = this.undoLog.pop()!;
      const r = this.undoLog.pop()!;
      if (n === -1) this.unplace(r);
      else this.place(r, n);
      // Undoing records its own entries; drop them.
      this.undoLog.length -= 2;
    }
  }

  /** Forgets the undo history (keeps memory bounded during long searches). */
  clearHistory(): void {
    this.undoLog.length = 0;
  }

  snapshot(): NodeVector {
    return this.node.slice();
  }
}

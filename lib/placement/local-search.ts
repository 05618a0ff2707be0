/**
 * Local search over single-replica moves and two-replica swaps with incremental cost deltas. It keeps
 * a work list of replicas whose surroundings changed, so a search after a small perturbation touches
 * only the neighbourhood of that perturbation. Every applied step strictly lowers the total cost and
 * keeps every constraint, so the search ends no worse than it started.
 */
import type { MoveEvaluator } from './move-evaluator.js';
import type { PlacementState } from './placement-state.js';

/** Improvements smaller than this are treated as noise (stops cycling on float rounding). */
const EPSILON = 1e-9;
/** Replicas examined on a full node when looking for a swap partner. */
const SWAP_PARTNERS = 24;
/** Nodes probed per zone when looking for free room. */
const ROOM_PROBES = 32;
/** Pinned services with at most this many allowed nodes consider all of them. */
const SMALL_PIN_SET = 64;

export class LocalSearch {
  /** Running total cost; callers seed it and read it back. */
  cost = 0;
  private readonly queue: number[] = [];
  private queueHead = 0;
  private readonly queued: Uint8Array;
  private readonly roomCursor: Int32Array;
  private readonly zoneNodesByRisk: Int32Array[];
  private readonly candidateMark: Int32Array;
  private candidateEpoch = 0;
  private readonly candidates: number[] = [];
  private swapPartner = -1;
  private swapDelta = 0;

  constructor(
    readonly state: PlacementState,
    readonly evaluator: MoveEvaluator,
  ) {
    const { c } = state;
    this.queued = new Uint8Array(c.replicaCount);
    this.roomCursor = new Int32Array(c.zoneCount);
    this.candidateMark = new Int32Array(c.nodeCount);
    this.zoneNodesByRisk = c.zoneNodes.map((nodes) =>
      c.riskWeight > 0 ? Int32Array.from(nodes).sort((x, y) => c.nodeRisk[x] - c.nodeRisk[y] || x - y) : nodes,
    );
  }

  enqueue(r: number): void {
    if (this.queued[r]) return;
    this.queued[r] = 1;
    this.queue.push(r);
  }

  enqueueService(s: number): void {
    const { c } = this.state;
    for (let r = c.replicaStart[s]; r < c.replicaStart[s + 1]; r++) this.enqueue(r);
  }

  /** Queues the replicas of s and of every service that talks to s. */
  enqueueNeighbourhood(s: number): void {
    const { c } = this.state;
    this.enqueueService(s);
    for (let e = c.adjStart[s]; e < c.adjStart[s + 1]; e++) this.enqueueService(c.adjService[e]);
  }

  clearQueue(): void {
    for (let i = this.queueHead; i < this.queue.length; i++) this.queued[this.queue[i]] = 0;
    this.queue.length = 0;
    this.queueHead = 0;
  }

  /** Improves until no queued replica can improve or the deadline passes. Returns false on timeout. */
  run(deadline: number): boolean {
    let steps = 0;
    while (this.queueHead < this.queue.length) {
      if ((++steps & 255) === 0 && performance.now() > deadline) return false;
      const r = this.queue[this.queueHead++];
      this.queued[r] = 0;
      if (this.queueHead > 65_536 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.improve(r);
    }
    this.queue.length = 0;
    this.queueHead = 0;
    return true;
  }

  /** A node in zone z with room for one more replica of s, or -1. */
  roomNode(s: number, z: number): number {
    const { state } = this;
    const mask = state.c.allowed[s];
    const nodes = this.zoneNodesByRisk[z];
    const len = nodes.length;
    const start = this.roomCursor[z];
    for (let i = 0; i < len && i < ROOM_PROBES; i++) {
      const k = start + i < len ? start + i : start + i - len;
      const n = nodes[k];
      if ((!mask || mask[n]) && state.fits(s, n)) {
        this.roomCursor[z] = k;
        this.evaluator.work += i + 1;
        return n;
      }
    }
    this.evaluator.work += Math.min(len, ROOM_PROBES);
    return -1;
  }

  /**
   * Candidate nodes for a replica of the loaded service s: nodes holding its neighbours, one node with
   * room per zone, its current nodes (when moves cost something) and, for small pins, every allowed node.
   * The returned array is reused by the next call.
   */
  collectCandidates(s: number): number[] {
    const { c } = this.state;
    const out = this.candidates;
    const mark = this.candidateMark;
    out.length = 0;
    const epoch = ++this.candidateEpoch;
    const mask = c.allowed[s];
    const attracted = this.evaluator.attractedNodes();
    for (let i = 0; i < attracted.length; i++) {
      const n = attracted[i];
      if ((!mask || mask[n]) && mark[n] !== epoch) {
        mark[n] = epoch;
        out.push(n);
      }
    }
    for (let z = 0; z < c.zoneCount; z++) {
      const n = this.roomNode(s, z);
      if (n >= 0 && mark[n] !== epoch) {
        mark[n] = epoch;
        out.push(n);
      }
    }
    const current = c.currentCounts[s];
    if (current && c.migrationCost > 0)
      for (const n of current.keys())
        if ((!mask || mask[n]) && mark[n] !== epoch) {
          mark[n] = epoch;
          out.push(n);
        }
    if (mask && c.allowedNodes[s].length <= SMALL_PIN_SET) {
      const pinned = c.allowedNodes[s];
      for (let i = 0; i < pinned.length; i++) {
        const n = pinned[i];
        if (mark[n] !== epoch) {
          mark[n] = epoch;
          out.push(n);
        }
      }
    }
    return out;
  }

  /** Applies the best improving move or swap for replica r. Returns whether anything changed. */
  improve(r: number): boolean {
    const { state, evaluator } = this;
    const { c } = state;
    const s = c.replicaService[r];
    const n = state.node[r];
    evaluator.load(s);
    const here = evaluator.placementCost(n) - evaluator.leavingCost(s, n);
    let bestDelta = -EPSILON;
    let bestNode = -1;
    let blockedDelta = -EPSILON;
    let blockedNode = -1;
    const zoneFrom = c.nodeZone[n];
    const candidates = this.collectCandidates(s);
    evaluator.work += candidates.length;
    for (let i = 0; i < candidates.length; i++) {
      const m = candidates[i];
      if (m === n) continue;
      const delta = evaluator.placementCost(m) + evaluator.arrivingCost(s, m) - here;
      if (delta >= bestDelta && delta >= blockedDelta) continue;
      if (!state.spreadKeptAfterMove(s, zoneFrom, c.nodeZone[m])) continue;
      if (state.fits(s, m)) {
        if (delta < bestDelta) {
          bestDelta = delta;
          bestNode = m;
        }
      } else if (delta < blockedDelta) {
        blockedDelta = delta;
        blockedNode = m;
      }
    }
    if (blockedNode >= 0 && blockedDelta < bestDelta && this.findSwap(r, blockedNode, blockedDelta, bestDelta)) {
      const q = this.swapPartner;
      state.move(q, n);
      state.move(r, blockedNode);
      this.cost += this.swapDelta;
      this.enqueueNeighbourhood(s);
      this.enqueueNeighbourhood(c.replicaService[q]);
      return true;
    }
    if (bestNode < 0) return false;
    state.move(r, bestNode);
    evaluator.keepAfterOwnMove();
    this.cost += bestDelta;
    this.enqueueNeighbourhood(s);
    return true;
  }

  /**
   * Looks for the replica on m that, traded with r, gives the lowest total below `target`, given r's
   * own move delta to m. Sets `swapPartner` and `swapDelta` and returns true when one is found.
   */
  private findSwap(r: number, m: number, moveDelta: number, target: number): boolean {
    const { state, evaluator } = this;
    const { c } = state;
    const s = c.replicaService[r];
    const n = state.node[r];
    const d = c.levelDistance;
    const zn = c.nodeZone[n];
    const zm = c.nodeZone[m];
    const gap = d[zn === zm ? 1 : c.nodeCluster[n] === c.nodeCluster[m] ? 2 : 3] - d[0];
    let bestPartner = -1;
    let bestDelta = target;
    const onNode = state.nodeReplicas[m];
    const limit = Math.min(onNode.length, SWAP_PARTNERS);
    evaluator.work += limit;
    for (let i = 0; i < limit; i++) {
      const q = onNode[i];
      const b = c.replicaService[q];
      if (b === s) continue;
      const allowedB = c.allowed[b];
      if (allowedB && !allowedB[n]) continue;
      if (!state.fitsInstead(s, b, m) || !state.fitsInstead(b, s, n)) continue;
      if (!state.spreadKeptAfterMove(b, zm, zn)) continue;
      // Both deltas were computed with the other replica still in place; for the pair (r, q) itself
      // they each counted a drop to same-node distance, yet after the swap the two are as far apart as before.
      const correction = 2 * evaluator.pairWeight(s, b) * gap;
      const delta = moveDelta + evaluator.moveDelta(q, n) + correction;
      if (delta < bestDelta) {
        bestDelta = delta;
        bestPartner = q;
      }
    }
    // moveDelta(q, n) ran `load`-free but the evaluator is still loaded for s; nothing to restore.
    this.swapPartner = bestPartner;
    this.swapDelta = bestDelta;
    return bestPartner >= 0;
  }
}

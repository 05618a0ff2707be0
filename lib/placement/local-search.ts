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
        return n;
      }
    }
    return -1;
  }

  /**
   * Candidate nodes for a replica of the loaded service s: nodes holding its neighbours, one node with
   * room per zone, its current nodes (when moves cost something) and, for small pins, every allowed node.
   */
  collectCandidates(s: number): number[] {
    const { c } = this.state;
    const out = this.candidates;
    out.length = 0;
    const epoch = ++this.candidateEpoch;
    const add = (n: number): void => {
      if (n >= 0 && this.candidateMark[n] !== epoch) {
        this.candidateMark[n] = epoch;
        out.push(n);
      }
    };
    const mask = c.allowed[s];
    for (const n of this.evaluator.attractedNodes()) if (!mask || mask[n]) add(n);
    for (let z = 0; z < c.zoneCount; z++) add(this.roomNode(s, z));
    const current = c.currentCounts[s];
    if (current && c.migrationCost > 0) for (const n of current.keys()) if (!mask || mask[n]) add(n);
    if (mask && c.allowedNodes[s].length <= SMALL_PIN_SET) for (const n of c.allowedNodes[s]) add(n);
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
    for (const m of this.collectCandidates(s)) {
      if (m === n || !state.spreadKeptAfterMove(s, zoneFrom, c.nodeZone[m])) continue;
      const delta = evaluator.placementCost(m) + evaluator.arrivingCost(s, m) - here;
      if (delta >= bestDelta && delta >= blockedDelta) continue;
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
    if (blockedNode >= 0 && blockedDelta < bestDelta) {
      const swap = this.bestSwap(r, blockedNode, blockedDelta);
      if (swap.partner >= 0 && swap.delta < bestDelta) {
        const q = swap.partner;
        state.move(q, n);
        state.move(r, blockedNode);
        this.cost += swap.delta;
        this.enqueueNeighbourhood(s);
        this.enqueueNeighbourhood(c.replicaService[q]);
        return true;
      }
    }
    if (bestNode < 0) return false;
    state.move(r, bestNode);
    this.cost += bestDelta;
    this.enqueueNeighbourhood(s);
    return true;
  }

  /** Best replica on m to trade places with r, given r's own move delta to m. */
  private bestSwap(r: number, m: number, moveDelta: number): { partner: number; delta: number } {
    const { state, evaluator } = this;
    const { c } = state;
    const s = c.replicaService[r];
    const n = state.node[r];
    const mask = (x: number): Uint8Array | null => c.allowed[x];
    const d = c.levelDistance;
    const level = n === m ? 0 : c.nodeZone[n] === c.nodeZone[m] ? 1 : c.nodeCluster[n] === c.nodeCluster[m] ? 2 : 3;
    let best = { partner: -1, delta: Infinity };
    const onNode = state.nodeReplicas[m];
    const limit = Math.min(onNode.length, SWAP_PARTNERS);
    for (let i = 0; i < limit; i++) {
      const q = onNode[i];
      const b = c.replicaService[q];
      if (b === s) continue;
      const allowedB = mask(b);
      if (allowedB && !allowedB[n]) continue;
      if (!state.fitsInstead(s, b, m) || !state.fitsInstead(b, s, n)) continue;
      if (!state.spreadKeptAfterMove(b, c.nodeZone[m], c.nodeZone[n])) continue;
      // Both deltas were computed with the other replica still in place; for the pair (r, q) itself
      // they each counted a drop to same-node distance, yet after the swap the two are as far apart as before.
      const correction = 2 * evaluator.pairWeight(s, b) * (d[level] - d[0]);
      const delta = moveDelta + evaluator.moveDelta(q, n) + correction;
      if (delta < best.delta) best = { partner: q, delta };
    }
    // moveDelta(q, n) ran `load`-free but the evaluator is still loaded for s; nothing to restore.
    return best;
  }
}

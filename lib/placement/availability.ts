/**
 * The node-level availability rule: how many replicas of a service one node may hold, and the
 * measure the benchmark reports (`maxNodeShare`, the largest fraction of a service's replicas on one node).
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';

/**
 * Most replicas of a service with `replicas` replicas on one node: max(1, ⌊replicas × share⌋).
 * Rounding down (not up) keeps the share at or below `share` for every replica count ≥ 1/share, e.g.
 * 4 replicas at 1/3 allow 1 per node, not 2 (which would be half the service).
 */
export function defaultMaxPerNode(replicas: number, share: number): number {
  return Math.max(1, Math.floor(replicas * share + 1e-9));
}

/**
 * The per-node limit the solvers enforce: the service's own `maxPerNode` or the default, raised to
 * ⌈replicas / allowed nodes⌉ when a pin leaves too few nodes to honour it (the pin wins; the
 * service is then spread as evenly as its pin allows).
 */
export function effectiveMaxPerNode(replicas: number, share: number, own: number | undefined, allowedNodeCount: number): number {
  const limit = own ?? defaultMaxPerNode(replicas, share);
  if (allowedNodeCount <= 0) return limit;
  return Math.max(limit, Math.ceil(replicas / allowedNodeCount));
}

/** Largest fraction of a service's replicas on one node, over services with at least `minReplicas` replicas (0 when none). */
export function maxNodeShare(c: CompiledInstance, vector: NodeVector, minReplicas = 3): number {
  let worst = 0;
  const counts = new Map<number, number>();
  for (let s = 0; s < c.serviceCount; s++) {
    if (c.replicas[s] < minReplicas) continue;
    counts.clear();
    let most = 0;
    for (let r = c.replicaStart[s]; r < c.replicaStart[s + 1]; r++) {
      const k = (counts.get(vector[r]) ?? 0) + 1;
      counts.set(vector[r], k);
      if (k > most) most = k;
    }
    worst = Math.max(worst, most / c.replicas[s]);
  }
  return worst;
}

/**
 * The node-level availability rule: how many replicas of a service one node may hold, and the
 * measure the benchmark reports (`maxNodeShare`, the largest fraction of a service's replicas on one node).
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';

export { DEFAULT_MAX_NODE_SHARE, defaultMaxPerNode, effectiveMaxPerNode } from './node-limit.js';

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

/** The per-node replica limit of the availability rule (no imports: the model, the mesh renderer and the solvers share it). */

/** Default largest fraction of a service's replicas on one node. */
export const DEFAULT_MAX_NODE_SHARE = 1 / 3;

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

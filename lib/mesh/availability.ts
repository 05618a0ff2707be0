/**
 * The node-level availability rule as Kubernetes keeps it: at most `maxPerNode` pods of a track on one
 * node (topology spread on the hostname) and at most that many disrupted at once (PodDisruptionBudget).
 * The same limit the placement optimizer keeps (lib/placement/availability.ts).
 */
import type { ServiceSpec } from '../model/service-spec.js';
import { DEFAULT_MAX_NODE_SHARE, defaultMaxPerNode } from '../placement/node-limit.js';

/** Most pods of `replicas` pods of this service on one node: the spec's `availability.maxPerNode`, or max(1, ⌊replicas/3⌋). */
export function maxPodsPerNode(spec: Pick<ServiceSpec, 'availability'>, replicas: number): number {
  return spec.availability?.maxPerNode ?? defaultMaxPerNode(replicas, DEFAULT_MAX_NODE_SHARE);
}

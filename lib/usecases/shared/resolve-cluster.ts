import { TerminalError } from '../../errors.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import { serviceClusterIds } from '../../model/service-clusters.js';

/** A service names a cluster that is not (or no longer) registered. */
export class ClusterNotRegisteredError extends TerminalError {
  constructor(readonly clusterId: string) {
    super(`cluster "${clusterId}" is not registered`);
    this.name = 'ClusterNotRegisteredError';
  }
}

/**
 * The cluster a service runs on: the one it names, else the default (the cluster flagged default, or
 * the only one registered). Undefined when no cluster is registered at all: state only.
 */
export async function resolveCluster(store: ClusterStore, clusterId: string | undefined): Promise<ClusterRegistration | undefined> {
  if (clusterId) {
    const named = await store.getCluster(clusterId);
    if (!named) throw new ClusterNotRegisteredError(clusterId);
    return named;
  }
  const all = await store.listClusters();
  return all.find((c) => c.default) ?? (all.length === 1 ? all[0] : undefined);
}

/**
 * Like {@link resolveCluster} for removing things: a cluster that no longer exists holds nothing to
 * delete, so it resolves to undefined instead of failing.
 */
export async function resolveClusterForRemoval(store: ClusterStore, clusterId: string | undefined): Promise<ClusterRegistration | undefined> {
  try {
    return await resolveCluster(store, clusterId);
  } catch (err) {
    if (err instanceof ClusterNotRegisteredError) return undefined;
    throw err;
  }
}

/**
 * Every cluster a service runs in (`clusters`, or its one `cluster`, or the default), in order and once
 * each. Empty when it names none and no cluster is registered (state only).
 */
export async function resolveClusters(store: ClusterStore, spec: { cluster?: string; clusters?: string[] }): Promise<ClusterRegistration[]> {
  const found = await Promise.all(serviceClusterIds(spec).map((id) => resolveCluster(store, id)));
  return uniqueClusters(found);
}

/** Like {@link resolveClusters} for removing things: clusters that no longer exist are left out. */
export async function resolveClustersForRemoval(store: ClusterStore, spec: { cluster?: string; clusters?: string[] }): Promise<ClusterRegistration[]> {
  const found = await Promise.all(serviceClusterIds(spec).map((id) => resolveClusterForRemoval(store, id)));
  return uniqueClusters(found);
}

function uniqueClusters(found: (ClusterRegistration | undefined)[]): ClusterRegistration[] {
  const seen = new Set<string>();
  return found.filter((c): c is ClusterRegistration => c !== undefined && !seen.has(c.id) && seen.add(c.id) !== undefined);
}

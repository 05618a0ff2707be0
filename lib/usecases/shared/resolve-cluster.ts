import { TerminalError } from '../../errors.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import type { StateStore } from '../../ports/state-store.js';

/**
 * The cluster a service runs on: the one it names, else the default (the cluster flagged default, or
 * the only one registered). Undefined when no cluster is registered at all: state only.
 */
export async function resolveCluster(store: StateStore, clusterId: string | undefined): Promise<ClusterRegistration | undefined> {
  if (clusterId) {
    const named = await store.getCluster(clusterId);
    if (!named) throw new TerminalError(`cluster "${clusterId}" is not registered`);
    return named;
  }
  const all = await store.listClusters();
  return all.find((c) => c.default) ?? (all.length === 1 ? all[0] : undefined);
}

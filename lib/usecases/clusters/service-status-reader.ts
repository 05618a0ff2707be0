import { LABELS, workloadName } from '../../mesh/labels.js';
import type { ServiceRecord } from '../../model/records.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { ServiceStatus } from '../../model/observed-status.js';
import type { ServiceStatusReader } from '../../ports/service-status-reader.js';
import { resolveCluster } from '../shared/resolve-cluster.js';
import { errorMessage } from '../../errors.js';
import { serviceStatus } from '../shared/service-status.js';

/** Reads a service's live state from its cluster: replicas and where its pods run. */
export function createServiceStatusReader(deps: { store: ClusterStore; clusters: ClusterClientFactory }): ServiceStatusReader {
  return {
    async read(record: ServiceRecord): Promise<ServiceStatus | { error: string }> {
      try {
        const cluster = await resolveCluster(deps.store, record.spec.cluster);
        if (!cluster) return { error: 'no cluster is registered' };
        const client = await deps.clusters.forCluster(cluster);
        const ns = record.spec.namespace;
        const [stable, pods] = await Promise.all([
          client.getWorkloadStatus(ns, workloadName(record.name, 'stable')),
          client.listPods(ns, `${LABELS.service}=${record.name}`),
        ]);
        return serviceStatus(record, stable, pods);
      } catch (err) {
        return { error: errorMessage(err) };
      }
    },
  };
}

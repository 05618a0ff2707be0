import { LABELS, workloadName } from '../../mesh/labels.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import type { ServiceRecord } from '../../model/records.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { ServiceStatus } from '../../model/observed-status.js';
import type { ServiceStatusReader } from '../../ports/service-status-reader.js';
import { resolveClusters } from '../shared/resolve-cluster.js';
import { errorMessage } from '../../errors.js';
import { combineCellStatuses, serviceStatus } from '../shared/service-status.js';
import { isMultiCluster } from '../../model/service-clusters.js';

/**
 * Reads a service's live state from its cluster: replicas and where its pods run. A service in several
 * clusters: each of them, added up, with each cluster's own counts in `clusters`.
 */
export function createServiceStatusReader(deps: { store: ClusterStore; clusters: ClusterClientFactory }): ServiceStatusReader {
  async function readOne(record: ServiceRecord, cluster: ClusterRegistration): Promise<ServiceStatus | { error: string }> {
    try {
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
  }
  return {
    async read(record: ServiceRecord): Promise<ServiceStatus | { error: string }> {
      try {
        const clusters = await resolveClusters(deps.store, record.spec);
        if (!clusters.length) return { error: 'no cluster is registered' };
        if (!isMultiCluster(record.spec)) return await readOne(record, clusters[0]);
        const cells = await Promise.all(clusters.map(async (c) => ({ cluster: c.id, observed: await readOne(record, c) })));
        const { observedAt: _at, ...combined } = combineCellStatuses(cells, new Date().toISOString());
        return combined as ServiceStatus | { error: string };
      } catch (err) {
        return { error: errorMessage(err) };
      }
    },
  };
}

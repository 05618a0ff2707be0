import { errorMessage } from '../../errors.js';
import type { ServiceRecord } from '../../model/records.js';
import { auditEvent } from '../shared/mutate.js';
import type { ClusterSnapshot } from './cluster-snapshots.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { HealthDeps } from './health-deps.js';
import type { ClusterRegistration } from '../../model/cluster.js';

/**
 * Deletes what a deregistered service left in a cluster: managed objects whose owning service the store
 * holds only as a tombstone (e.g. the reconcile re-applied them while the deregistration, which deletes
 * before it commits, was in flight). Owners the store does not know at all are left alone: that is a
 * registration in flight, or somebody else's objects. Returns the errors.
 */
export async function deleteOrphans(
  deps: HealthDeps<ServiceStore & AuditLog>,
  read: { cluster: ClusterRegistration; snapshot: ClusterSnapshot }[],
  live: readonly ServiceRecord[],
): Promise<string[]> {
  const errors: string[] = [];
  const liveKeys = new Set(live.map((s) => `${s.spec.namespace}/${s.name}`));
  for (const { cluster, snapshot } of read) {
    for (const key of snapshot.objects.keys()) {
      if (liveKeys.has(key)) continue;
      const [namespace, name] = key.split('/');
      try {
        const stored = await deps.store.getService(name);
        if (stored && stored.phase !== 'deleted' && stored.spec.namespace === namespace) continue;
        if (!stored) continue;
        const deleted = await (await deps.clusters.forCluster(cluster)).deleteService(namespace, name);
        if (deleted > 0)
          await deps.store.appendEvents([
            auditEvent(deps, name, 'OrphansDeleted', `deleted ${deleted} object(s) of ${name} left in ${namespace} on cluster ${cluster.id}`, {
              cluster: cluster.id,
              namespace,
              deleted,
            }),
          ]);
      } catch (err) {
        errors.push(`${name} (left behind in ${namespace}): ${errorMessage(err)}`);
      }
    }
  }
  return errors;
}

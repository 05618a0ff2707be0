import { renderService } from '../../mesh/render-service.js';
import type { ServiceRecord } from '../../model/records.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { StateStore } from '../../ports/state-store.js';
import type { ServiceConverger } from '../services/apply-service-event.js';
import { renderContextFor } from './render-context.js';
import { resolveCluster } from './resolve-cluster.js';

export interface ConvergerDeps {
  store: StateStore;
  clusters: ClusterClientFactory;
}

/**
 * Makes the cluster match stored state. For a live service: render every object from the record and
 * the rest of the graph, server-side apply, prune what the spec no longer needs. For a tombstone: delete
 * everything meshplane created for it. Then re-apply the AuthorizationPolicy of every service whose set
 * of callers the change touched (zero trust follows the declared graph). Idempotent by construction.
 */
export function createServiceConverger(deps: ConvergerDeps): ServiceConverger {
  return {
    async converge(record: ServiceRecord, previous: ServiceRecord | undefined): Promise<void> {
      const all = (await deps.store.listAllServices()).filter((s) => s.name !== record.name);
      const graph = record.phase === 'deleted' ? all : [...all, record];
      const cluster = await resolveCluster(deps.store, record.spec.cluster);
      const prevLive = previous && previous.phase !== 'deleted' ? previous : undefined;

      if (prevLive && (prevLive.spec.namespace !== record.spec.namespace || prevLive.spec.cluster !== record.spec.cluster)) {
        const oldCluster = await resolveCluster(deps.store, prevLive.spec.cluster);
        if (oldCluster) await (await deps.clusters.forCluster(oldCluster)).deleteService(prevLive.spec.namespace, prevLive.name);
      }
      if (cluster) {
        const client = await deps.clusters.forCluster(cluster);
        if (record.phase === 'deleted') await client.deleteService(record.spec.namespace, record.name);
        else {
          const objects = renderService(record.spec, renderContextFor(record, graph));
          await client.apply(objects);
          await client.prune(record.spec.namespace, record.name, objects);
        }
      }

      const touched = new Set([...(prevLive?.spec.dependencies ?? []), ...(record.phase === 'deleted' ? [] : record.spec.dependencies)].map((d) => d.service));
      for (const neighbour of graph.filter((s) => touched.has(s.name) && s.name !== record.name)) {
        const neighbourCluster = await resolveCluster(deps.store, neighbour.spec.cluster).catch(() => undefined);
        if (!neighbourCluster) continue;
        const policy = renderService(neighbour.spec, renderContextFor(neighbour, graph)).filter((o) => o.kind === 'AuthorizationPolicy');
        await (await deps.clusters.forCluster(neighbourCluster)).apply(policy);
      }
    },
  };
}

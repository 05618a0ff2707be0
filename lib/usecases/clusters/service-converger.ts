import { renderService } from '../../mesh/render-service.js';
import type { ServiceRef } from '../../mesh/render-context.js';
import type { ServiceRecord } from '../../model/records.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { ConvergeOptions, ServiceConverger } from '../../ports/service-converger.js';
import { renderContextFor, type GraphNeighbourhood } from '../shared/render-context.js';
import { resolveClusters, resolveClustersForRemoval } from '../shared/resolve-cluster.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import { serviceClusterIds } from '../../model/service-clusters.js';

const sameIds = (a: readonly (string | undefined)[], b: readonly (string | undefined)[]) => a.length === b.length && a.every((id, i) => id === b[i]);

export interface ConvergerDeps {
  store: ServiceStore & ClusterStore;
  clusters: ClusterClientFactory;
}

const live = (r: ServiceRecord | undefined) => (r && r.phase !== 'deleted' ? r : undefined);
const refOf = (r: ServiceRecord): ServiceRef => ({ name: r.name, namespace: r.spec.namespace });

/**
 * Makes the service's clusters match stored state. For a live service, in each of its clusters: render
 * every object from the record (the traffic that cluster holds in a multi-cluster rollout) and its
 * neighbourhood in the declared graph, server-side apply, prune what the spec no longer needs. For a
 * tombstone: delete everything meshplane created for it, in every cluster; a cluster the service left
 * loses its objects too. Then re-apply the AuthorizationPolicy of every
 * service whose set of callers the change touched (zero trust follows the declared graph).
 *
 * It runs before the change is committed, so the stored caller index does not show it yet: the
 * neighbours' callers are the stored ones adjusted by this change. Reads stay proportional to the
 * service's own edges, not to the size of the mesh. Idempotent by construction.
 */
export function createServiceConverger(deps: ConvergerDeps): ServiceConverger {
  /** `withCallers: false` when only objects that do not name the callers are applied (a scoped converge). */
  async function neighbourhood(record: ServiceRecord, withCallers = true): Promise<GraphNeighbourhood> {
    const [callers, dependencies] = await Promise.all([
      withCallers ? deps.store.listCallers(record.name) : [],
      deps.store.getServices(record.spec.dependencies.map((d) => d.service)),
    ]);
    return { callers, registeredDependencies: dependencies.map(refOf) };
  }

  return {
    async converge(record: ServiceRecord, previous: ServiceRecord | undefined, options: ConvergeOptions = {}): Promise<void> {
      const prevLive = live(previous);
      const next = live(record);
      const wanted = (c: ClusterRegistration) => !options.clusters || options.clusters.includes(c.id);
      // A tombstone on a cluster that has been deleted since: nothing is left there to delete.
      const clusters = (next ? await resolveClusters(deps.store, record.spec) : await resolveClustersForRemoval(deps.store, record.spec)).filter(wanted);

      // The same namespace and clusters named: it left none (saves reading the registrations again).
      const sameHome =
        prevLive && prevLive.spec.namespace === record.spec.namespace && sameIds(serviceClusterIds(prevLive.spec), serviceClusterIds(record.spec));
      if (prevLive && !(next && sameHome)) {
        // Clusters the service left, or all of them when its namespace changed: its objects there go.
        const sameNamespace = prevLive.spec.namespace === record.spec.namespace;
        const still = new Set(clusters.map((c) => c.id));
        for (const old of (await resolveClustersForRemoval(deps.store, prevLive.spec)).filter(wanted))
          if (!sameNamespace || !still.has(old.id)) await (await deps.clusters.forCluster(old)).deleteService(prevLive.spec.namespace, prevLive.name);
      }
      const kinds = next && options.kinds?.length ? new Set<string>(options.kinds) : undefined;
      // The callers shape only the AuthorizationPolicy, which a scoped converge does not apply.
      const graph = next ? await neighbourhood(next, !kinds || kinds.has('AuthorizationPolicy')) : undefined;
      for (const cluster of clusters) {
        const client = await deps.clusters.forCluster(cluster);
        if (!next) await client.deleteService(record.spec.namespace, record.name);
        else {
          const objects = renderService(next.spec, renderContextFor(next, graph!, cluster.id));
          if (kinds) {
            // Scoped (a restart): only those objects; what they render is the whole record's, so nothing is pruned.
            await client.apply(objects.filter((o) => kinds.has(o.kind)));
            continue;
          }
          await client.apply(objects);
          await client.prune(next.spec.namespace, next.name, objects);
        }
      }
      // A scoped change touches no dependency: the neighbours' policies stay as they are.
      if (kinds) return;

      const touched = [...new Set([...(prevLive?.spec.dependencies ?? []), ...(next?.spec.dependencies ?? [])].map((d) => d.service))].filter(
        (n) => n !== record.name,
      );
      for (const neighbour of await deps.store.getServices(touched)) {
        const neighbourClusters = (await resolveClusters(deps.store, neighbour.spec).catch(() => [] as ClusterRegistration[])).filter(wanted);
        if (!neighbourClusters.length) continue;
        const stored = await neighbourhood(neighbour);
        const callsIt = next?.spec.dependencies.some((d) => d.service === neighbour.name);
        const callers = [...stored.callers.filter((c) => c.name !== record.name), ...(callsIt ? [refOf(next!)] : [])];
        for (const neighbourCluster of neighbourClusters) {
          const policy = renderService(neighbour.spec, renderContextFor(neighbour, { ...stored, callers }, neighbourCluster.id)).filter(
            (o) => o.kind === 'AuthorizationPolicy',
          );
          await (await deps.clusters.forCluster(neighbourCluster)).apply(policy);
        }
      }
    },
  };
}

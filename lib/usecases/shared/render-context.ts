import type { LocalityRoutingContext, RenderContext, ServiceRef } from '../../mesh/render-context.js';
import { resolveDependencies } from '../../mesh/dependencies.js';
import type { ServiceRecord, TrafficState } from '../../model/records.js';

/** What a service's manifests need to know about the rest of the declared graph. */
export interface GraphNeighbourhood {
  /** Services that declare a dependency on this one. */
  callers: ServiceRef[];
  /** Where the services it depends on are registered (names not registered yet are left out). */
  registeredDependencies: ServiceRef[];
}

const byName = (a: ServiceRef, b: ServiceRef) => a.name.localeCompare(b.name) || a.namespace.localeCompare(b.namespace);

/**
 * Everything a service's manifests depend on besides its spec, derived from stored state alone: who
 * calls it, where its dependencies live, the running rollout's canary and weight, the optimizer's
 * placement and a pending restart.
 */
export function renderContextFor(record: ServiceRecord, graph: GraphNeighbourhood, clusterId?: string): RenderContext {
  const traffic = record.traffic && clusterId !== undefined ? trafficInCluster(record.traffic, clusterId) : record.traffic;
  return {
    revision: record.podRevision ?? record.revision,
    callers: graph.callers.filter((c) => c.name !== record.name).sort(byName),
    dependencies: resolveDependencies(record.spec, graph.registeredDependencies),
    ...(traffic
      ? {
          canary: { image: traffic.canaryImage, replicas: traffic.canaryReplicas, revision: traffic.canaryRevision ?? record.revision + 1 },
          trafficSplit: { canaryWeight: traffic.canaryWeight },
          preview: traffic.preview,
        }
      : {}),
    ...(record.placement
      ? {
          placement: {
            requiredNodes: record.placement.requiredNodes,
            avoidNodes: record.placement.avoidNodes,
            preferredNodes: record.placement.preferredNodes,
          },
        }
      : {}),
    ...(record.restartedAt ? { restartedAt: record.restartedAt } : {}),
    ...localityRoutingOf(record),
  };
}

/**
 * The zone routing a service's objects carry: the spec's fixed policy (`mesh.localityRouting` uniform or
 * preferSameZone), else the optimizer's last decision, else none (the mesh default).
 */
export function localityRoutingOf(record: ServiceRecord): { localityRouting?: LocalityRoutingContext } {
  const policy = record.spec.mesh.localityRouting ?? 'auto';
  if (policy !== 'auto') return { localityRouting: { mode: policy } };
  const routing = record.routing;
  if (!routing) return {};
  return {
    localityRouting: {
      mode: routing.mode,
      ...(routing.distribute ? { distribute: routing.distribute } : {}),
      ...(routing.regions ? { regions: routing.regions } : {}),
    },
  };
}

/**
 * The neighbourhood of `record` derived from a listing of every live service (what the health probe
 * has in hand), equal to what the stored caller index and dependency reads give. Pure.
 *
 * The listing's caller index is built once per listing (kept while the listing lives): the probe asks
 * for every service's neighbourhood with the same listing, and a scan of it per service made each
 * probe quadratic in the number of services. A listing must not be changed after it was first passed.
 */
export function neighbourhoodFrom(record: ServiceRecord, services: readonly ServiceRecord[]): GraphNeighbourhood {
  let graph = graphs.get(services);
  if (!graph) graphs.set(services, (graph = indexGraph(services)));
  return {
    callers: (graph.callers.get(record.name) ?? []).filter((c) => c.name !== record.name),
    registeredDependencies: record.spec.dependencies.flatMap((d) => {
      const dep = graph.byName.get(d.service);
      return dep ? [{ name: dep.name, namespace: dep.spec.namespace }] : [];
    }),
  };
}

interface GraphIndex {
  byName: Map<string, ServiceRecord>;
  /** Callers of each service name, in listing order, each once. */
  callers: Map<string, ServiceRef[]>;
}

const graphs = new WeakMap<readonly ServiceRecord[], GraphIndex>();

function indexGraph(services: readonly ServiceRecord[]): GraphIndex {
  const live = services.filter((s) => s.phase !== 'deleted');
  const callers = new Map<string, ServiceRef[]>();
  for (const s of live)
    for (const target of new Set(s.spec.dependencies.map((d) => d.service))) {
      const list = callers.get(target);
      const ref = { name: s.name, namespace: s.spec.namespace };
      if (list) list.push(ref);
      else callers.set(target, [ref]);
    }
  return { byName: new Map(live.map((s) => [s.name, s])), callers };
}

/**
 * The traffic state one cluster of a multi-cluster rollout holds: the wave under way carries the canary
 * at the current weight, clusters of earlier waves keep theirs, clusters of later waves have none yet.
 * Without waves every cluster holds the same. Pure.
 */
export function trafficInCluster(traffic: TrafficState, clusterId: string): TrafficState | undefined {
  if (!traffic.wave) return traffic;
  if (traffic.wave.includes(clusterId)) return traffic;
  const released = traffic.released?.[clusterId];
  return released ? { ...traffic, ...released } : undefined;
}

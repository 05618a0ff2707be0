import { serviceHealth, type ServiceHealth } from '../../health/service-health.js';
import {
  OBSERVED_NODES_DOC,
  OBSERVED_STATUS_DOC,
  type ObservedClusterNodes,
  type ObservedServiceStatus,
  type ServiceStatus,
} from '../../model/observed-status.js';
import type { ServiceRecord } from '../../model/records.js';
import { edgeLocality } from '../../placement/edge-locality.js';
import type { Clock } from '../../ports/clock.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { ServiceStore } from '../../ports/service-store.js';

/** A service as the mesh graph shows it: what it should run, what was last observed, and a running rollout's split. */
export interface MeshService {
  name: string;
  namespace: string;
  cluster?: string;
  phase: ServiceRecord['phase'];
  image: string;
  revision: number;
  /** Replicas the spec asks for. */
  replicas: number;
  /** CPU (millicores) and memory (MiB) requested per replica. */
  cpu: number;
  memory: number;
  health: ServiceHealth;
  readyReplicas?: number;
  podsPerZone?: Record<string, number>;
  pods?: { name: string; node?: string; zone?: string; ready: boolean; track?: string; waitingReason?: string }[];
  /** Why the observation is missing (not observed yet, cluster unreadable). */
  statusError?: string;
  observedAgeSeconds?: number;
  /** A running rollout: the new version and its share of the traffic. */
  rollout?: { deploymentId: string; canaryImage: string; canaryWeight: number; canaryReplicas: number };
}

/** A declared dependency, with what it costs where both sides run now (when both were observed). */
export interface MeshEdge {
  from: string;
  to: string;
  /** Calls per second the caller declares. */
  declaredRps: number;
  crossZoneShare?: number;
  dollarsPerMonth?: number;
}

export interface MeshView {
  services: MeshService[];
  edges: MeshEdge[];
  /** Nodes of each cluster as the health probe last read them. */
  nodes: { cluster: string; name: string; zone: string; ready: boolean }[];
  generatedAt: string;
}

type MeshDeps = { store: ServiceStore & DocumentStore & ClusterStore; clock: Clock };

/** Runs `fn` over `items`, `limit` at a time, keeping their order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function meshService(record: ServiceRecord, observed: ObservedServiceStatus | undefined, now: number): MeshService {
  const status = observed && !('error' in observed) ? (observed as ServiceStatus & ObservedServiceStatus) : undefined;
  const traffic = record.traffic;
  return {
    name: record.name,
    namespace: record.spec.namespace,
    cluster: record.spec.cluster ?? observed?.cluster,
    phase: record.phase,
    image: record.spec.image,
    revision: record.revision,
    replicas: record.spec.replicas,
    cpu: record.spec.resources.cpu,
    memory: record.spec.resources.memory,
    health: serviceHealth(record.phase, status),
    ...(status
      ? {
          readyReplicas: status.readyReplicas,
          podsPerZone: status.podsPerZone,
          pods: status.pods.map((p) => ({ name: p.name, node: p.node, zone: p.zone, ready: p.ready, track: p.track, waitingReason: p.waitingReason })),
        }
      : { statusError: observed && 'error' in observed ? observed.error : 'not observed yet' }),
    ...(observed ? { observedAgeSeconds: Math.max(0, Math.round((now - Date.parse(observed.observedAt)) / 1000)) } : {}),
    ...(traffic
      ? {
          rollout: {
            deploymentId: traffic.deploymentId,
            canaryImage: traffic.canaryImage,
            canaryWeight: traffic.canaryWeight,
            canaryReplicas: traffic.canaryReplicas,
          },
        }
      : {}),
  };
}

/** Zones of a service's ready pods (all its pods when none is ready yet). */
function readyZones(s: MeshService): Record<string, number> {
  const zones: Record<string, number> = {};
  const pods = s.pods?.some((p) => p.ready) ? s.pods.filter((p) => p.ready) : (s.pods ?? []);
  for (const p of pods) if (p.zone) zones[p.zone] = (zones[p.zone] ?? 0) + 1;
  return zones;
}

/**
 * The mesh in one read, for the dashboard's graph: every active service with its last observed status
 * and health, the declared call graph with each edge's cross-zone share and $/month, and the nodes.
 * Reads the store only (the API never calls a cluster); observations are read 32 at a time.
 */
export async function meshView(deps: MeshDeps): Promise<MeshView> {
  const now = deps.clock.now().getTime();
  const [records, clusters] = await Promise.all([deps.store.listAllServices(), deps.store.listClusters()]);
  const [observed, nodeDocs] = await Promise.all([
    mapLimit(records, 32, (r) => deps.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, r.name)),
    mapLimit(clusters, 8, (c) => deps.store.getDocument<ObservedClusterNodes>(OBSERVED_NODES_DOC, c.id)),
  ]);
  const services = records.map((r, i) => meshService(r, observed[i]?.value, now));
  const byName = new Map(services.map((s) => [s.name, s]));
  const edges: MeshEdge[] = [];
  for (const record of records)
    for (const dep of record.spec.dependencies ?? []) {
      const callee = byName.get(dep.service);
      const caller = byName.get(record.name)!;
      const cost = callee
        ? edgeLocality(dep.rps, readyZones(caller), readyZones(callee), { sameCluster: (caller.cluster ?? '') === (callee.cluster ?? '') })
        : undefined;
      edges.push({ from: record.name, to: dep.service, declaredRps: dep.rps, ...(cost ?? {}) });
    }
  const nodes = clusters.flatMap((c, i) => (nodeDocs[i]?.value.nodes ?? []).map((n) => ({ cluster: c.id, ...n })));
  return { services, edges, nodes, generatedAt: new Date(now).toISOString() };
}

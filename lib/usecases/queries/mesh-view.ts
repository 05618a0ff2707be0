import { serviceHealth, type ServiceHealth } from '../../health/service-health.js';
import {
  OBSERVED_NODES_DOC,
  OBSERVED_STATUS_DOC,
  type ObservedClusterNodes,
  type ObservedServiceStatus,
  type ServiceStatus,
} from '../../model/observed-status.js';
import { OBSERVED_EDGES_DOC, OBSERVED_EDGES_ID, type ObservedEdges } from '../../model/observed-edges.js';
import type { ServiceRecord } from '../../model/records.js';
import type { Clock } from '../../ports/clock.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import { meshEdges, type MeshEdge } from './mesh-edges.js';

export type { MeshEdge };

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

export interface MeshView {
  services: MeshService[];
  edges: MeshEdge[];
  /** Nodes of each cluster as the health probe last read them. */
  nodes: { cluster: string; name: string; zone: string; ready: boolean }[];
  /** When the edges' observed figures were recorded (by the health probe), over which window, and what kept some out. */
  traffic: { observedAt?: string; ageSeconds?: number; windowSeconds?: number; problems?: string[]; omitted?: number };
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
 * and health, the declared and observed call graph with each edge's rate, errors, p99, cross-zone share
 * and $/month (mesh-edges.ts), and the nodes. Reads the store only (the API never calls a cluster or a
 * metrics backend: the health probe records what they said, and its age is served); observations are
 * read 32 at a time.
 */
export async function meshView(deps: MeshDeps): Promise<MeshView> {
  const now = deps.clock.now().getTime();
  const [records, clusters] = await Promise.all([deps.store.listAllServices(), deps.store.listClusters()]);
  const [observed, nodeDocs, edgeDoc] = await Promise.all([
    mapLimit(records, 32, (r) => deps.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, r.name)),
    mapLimit(clusters, 8, (c) => deps.store.getDocument<ObservedClusterNodes>(OBSERVED_NODES_DOC, c.id)),
    deps.store.getDocument<ObservedEdges>(OBSERVED_EDGES_DOC, OBSERVED_EDGES_ID),
  ]);
  const services = records.map((r, i) => meshService(r, observed[i]?.value, now));
  const byName = new Map(services.map((s) => [s.name, s]));
  const declared = records.flatMap((r) => (r.spec.dependencies ?? []).map((d) => ({ from: r.name, to: d.service, rps: d.rps })));
  // Observed edges of services deregistered since the observation are left out.
  const seen = (edgeDoc?.value.edges ?? []).filter((e) => byName.has(e.from) && byName.has(e.to));
  const edges = meshEdges(declared, seen, (from, to) => {
    const caller = byName.get(from);
    const callee = byName.get(to);
    return caller && callee
      ? { callerZones: readyZones(caller), calleeZones: readyZones(callee), sameCluster: (caller.cluster ?? '') === (callee.cluster ?? '') }
      : undefined;
  });
  const nodes = clusters.flatMap((c, i) => (nodeDocs[i]?.value.nodes ?? []).map((n) => ({ cluster: c.id, ...n })));
  return { services, edges, nodes, traffic: trafficAge(edgeDoc?.value, now), generatedAt: new Date(now).toISOString() };
}

function trafficAge(doc: ObservedEdges | undefined, now: number): MeshView['traffic'] {
  if (!doc) return { problems: ['no traffic observed yet (the health probe records it)'] };
  return {
    observedAt: doc.observedAt,
    ageSeconds: Math.max(0, Math.round((now - Date.parse(doc.observedAt)) / 1000)),
    windowSeconds: doc.windowSeconds,
    ...(doc.problems?.length ? { problems: doc.problems } : {}),
    ...(doc.omitted ? { omitted: doc.omitted } : {}),
  };
}

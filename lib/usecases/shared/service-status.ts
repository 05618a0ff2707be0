import { LABELS, workloadName } from '../../mesh/labels.js';
import type { CellStatus, ObservedServiceStatus, ServiceExposureStatus, ServiceStatus } from '../../model/observed-status.js';
import type { ServiceRecord } from '../../model/records.js';
import type { KubeObject, PodInfo } from '../../ports/cluster-client.js';

/** Replica counts of the stable Deployment, as the API server reports them. */
export interface StableReplicas {
  readyReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
}

/** A service's live status from its stable Deployment's replica counts and its pods. Pure. */
export function serviceStatus(record: ServiceRecord, stable: StableReplicas | undefined, pods: readonly PodInfo[]): ServiceStatus {
  const podsPerZone: Record<string, number> = {};
  for (const pod of pods) if (pod.ready && pod.zone) podsPerZone[pod.zone] = (podsPerZone[pod.zone] ?? 0) + 1;
  return {
    desiredReplicas: record.spec.replicas,
    readyReplicas: stable?.readyReplicas ?? 0,
    updatedReplicas: stable?.updatedReplicas ?? 0,
    availableReplicas: stable?.availableReplicas ?? 0,
    podsPerZone,
    pods: pods
      .map((p) => ({
        name: p.name,
        node: p.node,
        zone: p.zone,
        ready: p.ready,
        phase: p.phase,
        track: p.labels[LABELS.track],
        restarts: p.restarts,
        waitingReason: p.waitingReason,
        revision: p.labels[LABELS.version],
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** The stable Deployment's replica counts from the service's live objects (a list answer carries status). */
export function stableReplicasOf(record: ServiceRecord, objects: readonly KubeObject[]): StableReplicas | undefined {
  const name = workloadName(record.name, 'stable');
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  return deployment ? ((deployment.status as StableReplicas | undefined) ?? {}) : undefined;
}

/**
 * How an exposed service is reached, from its live Service (a list answer carries status): the load
 * balancer's addresses for `LoadBalancer`, the hosts for `Gateway`; undefined when it is not exposed. Pure.
 */
export function exposureStatusOf(record: ServiceRecord, objects: readonly KubeObject[]): ServiceExposureStatus | undefined {
  const expose = record.spec.expose;
  if (!expose) return undefined;
  if (expose.type === 'Gateway')
    return { type: 'Gateway', port: expose.port, addresses: [], hosts: expose.hosts ?? [], ...(expose.paths ? { paths: expose.paths } : {}) };
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === record.name);
  const ingress = (service?.status as { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [];
  return { type: 'LoadBalancer', port: expose.port, addresses: ingress.flatMap((i) => (i.hostname ? [i.hostname] : i.ip ? [i.ip] : [])) };
}

/**
 * The status of a service in several clusters from each cluster's observation: replicas added up, pods
 * (tagged with their cluster) and zones together, and each cluster's own counts in `clusters`. A
 * cluster that could not be read is listed with its error; when none could, the whole is an error. Pure.
 */
export function combineCellStatuses(cells: { cluster: string; observed: ServiceStatus | { error: string } }[], observedAt: string): ObservedServiceStatus {
  const clusters: CellStatus[] = cells.map(({ cluster, observed }) => {
    if ('error' in observed) return { cluster, error: observed.error };
    const { pods: _pods, ...counts } = observed;
    return { cluster, ...counts };
  });
  const read = cells.flatMap(({ cluster, observed }) => ('error' in observed ? [] : [{ cluster, status: observed }]));
  if (!read.length)
    return { error: cells.map(({ cluster, observed }) => `${cluster}: ${'error' in observed ? observed.error : ''}`).join('; '), observedAt, clusters };
  const sum = (pick: (s: ServiceStatus) => number) => read.reduce((n, r) => n + pick(r.status), 0);
  const podsPerZone: Record<string, number> = {};
  for (const { status } of read) for (const [zone, n] of Object.entries(status.podsPerZone)) podsPerZone[zone] = (podsPerZone[zone] ?? 0) + n;
  const exposure = read.find((r) => r.status.exposure)?.status.exposure;
  return {
    desiredReplicas: sum((s) => s.desiredReplicas),
    readyReplicas: sum((s) => s.readyReplicas),
    updatedReplicas: sum((s) => s.updatedReplicas),
    availableReplicas: sum((s) => s.availableReplicas),
    podsPerZone,
    pods: read.flatMap(({ cluster, status }) => status.pods.map((p) => ({ ...p, cluster }))),
    ...(exposure ? { exposure } : {}),
    observedAt,
    clusters,
  };
}

import { LABELS, workloadName } from '../../mesh/labels.js';
import type { ServiceExposureStatus, ServiceStatus } from '../../model/observed-status.js';
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

/**
 * Maps Kubernetes API objects to the views the ClusterClient port returns. Pure.
 */
import type { V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import { TerminalError } from '../../errors.js';
import type { NodeInfo, PodInfo, WorkloadStatus } from '../../ports/cluster-client.js';
import { InvalidQuantityError, cpuToMillicores, memoryToMiB } from '../../model/quantity.js';

/** Well-known zone label; the beta label is what clusters older than 1.17 still carry. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const LEGACY_ZONE_LABEL = 'failure-domain.beta.kubernetes.io/zone';

/** Rollout-relevant status of a Deployment. Missing counters (a fresh Deployment) read as 0. */
export function toWorkloadStatus(deployment: V1Deployment): WorkloadStatus {
  const status = deployment.status ?? {};
  return {
    name: deployment.metadata?.name ?? '',
    namespace: deployment.metadata?.namespace ?? '',
    generation: deployment.metadata?.generation ?? 0,
    observedGeneration: status.observedGeneration ?? 0,
    // An unset spec.replicas defaults to 1 on the API server.
    desiredReplicas: deployment.spec?.replicas ?? 1,
    updatedReplicas: status.updatedReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
  };
}

/** A node's zone from its labels; '' when it has none. */
export function zoneOfNode(node: Pick<V1Node, 'metadata'>): string {
  const labels = node.metadata?.labels ?? {};
  return labels[ZONE_LABEL] ?? labels[LEGACY_ZONE_LABEL] ?? '';
}

/**
 * Pod view. `zoneByNode` maps node names to zones (see {@link zoneOfNode}); a pod not yet bound to a
 * node, or bound to one not in the map, has no zone.
 */
export function toPodInfo(pod: V1Pod, zoneByNode: ReadonlyMap<string, string>): PodInfo {
  const containerStatuses = pod.status?.containerStatuses ?? [];
  const node = pod.spec?.nodeName || undefined;
  const zone = node === undefined ? undefined : zoneByNode.get(node) || undefined;
  const waitingReason = containerStatuses.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    labels: { ...(pod.metadata?.labels ?? {}) },
    image: pod.spec?.containers?.[0]?.image ?? '',
    ...(node === undefined ? {} : { node }),
    ...(zone === undefined ? {} : { zone }),
    phase: pod.status?.phase ?? 'Unknown',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    restarts: containerStatuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    ...(waitingReason === undefined ? {} : { waitingReason }),
  };
}

/** Node view with allocatable capacity in millicores and MiB (rounded down; missing reads as 0). */
export function toNodeInfo(node: V1Node): NodeInfo {
  const name = node.metadata?.name ?? '';
  const allocatable = node.status?.allocatable ?? {};
  return {
    name,
    zone: zoneOfNode(node),
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    allocatableCpuMillis: convertAllocatable(name, 'cpu', allocatable.cpu, cpuToMillicores),
    allocatableMemoryMiB: convertAllocatable(name, 'memory', allocatable.memory, memoryToMiB),
    labels: { ...(node.metadata?.labels ?? {}) },
  };
}

function convertAllocatable(node: string, resource: string, quantity: string | undefined, convert: (q: string) => number): number {
  if (quantity === undefined) return 0;
  try {
    return convert(quantity);
  } catch (error) {
    if (error instanceof InvalidQuantityError) {
      throw new TerminalError(`node ${node} reports an unparseable allocatable ${resource}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

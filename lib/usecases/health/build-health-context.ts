import type { HealthSignal } from '../../health/health-signal.js';
import type { PodHealth, ServiceHealthContext } from '../../health/remediation-types.js';
import { LABELS } from '../../mesh/labels.js';
import type { ServiceRecord } from '../../model/records.js';
import type { PodInfo } from '../../ports/cluster-client.js';
import { resolveCluster } from '../shared/resolve-cluster.js';
import type { HealthDeps } from './health-deps.js';

export const revisionLabel = (revision: number) => `r${revision}`;

/**
 * A pod's recent crashes. The adapter reports lifetime restart counts; a pod that is crash-looping now
 * counts its restarts, a healthy one counts none (restarts long ago are history, not evidence).
 */
function recentCrashes(pod: PodInfo): number {
  return pod.waitingReason === 'CrashLoopBackOff' || (!pod.ready && pod.restarts > 0) ? Math.max(1, pod.restarts) : 0;
}

/** What the remediation policy needs to know about a service, read from the store and its cluster. */
export async function buildHealthContext(deps: HealthDeps, service: ServiceRecord, recentSignals: HealthSignal[]): Promise<ServiceHealthContext> {
  const cluster = await resolveCluster(deps.store, service.spec.cluster);
  const pods = cluster ? await (await deps.clusters.forCluster(cluster)).listPods(service.spec.namespace, `${LABELS.service}=${service.name}`) : [];
  const stablePods = pods.filter((p) => (p.labels[LABELS.track] ?? 'stable') === 'stable');
  // The revision the pods run: a later routing-only change, or a scale-out, is not what they were promoted with.
  const podRevision = service.podRevision ?? service.revision;
  const current = await deps.store.getRevision(service.name, podRevision);
  // A rollout already asked to abort is not aborted again: that no-op must not spend the remediation budget.
  const rollout = service.traffic ? await deps.store.getDeployment(service.name, service.traffic.deploymentId) : undefined;
  const aborting = rollout?.requested === 'abort';
  return {
    name: service.name,
    namespace: service.spec.namespace,
    currentRevision: revisionLabel(podRevision),
    // Revision numbers are dense: the one before is the newest that ran before these pods.
    previousGoodRevision: podRevision > 1 ? revisionLabel(podRevision - 1) : undefined,
    promotedAt: current?.createdAt ?? service.updatedAt,
    activeRollout: service.traffic && !aborting ? { id: service.traffic.deploymentId, canaryRevision: revisionLabel(service.revision + 1) } : undefined,
    replicas: service.spec.replicas,
    readyReplicas: stablePods.filter((p) => p.ready).length,
    pods: pods.map(
      (p): PodHealth => ({
        name: p.name,
        node: p.node,
        zone: p.zone,
        ready: p.ready,
        recentCrashes: recentCrashes(p),
        waitingReason: p.waitingReason,
        revision: p.labels[LABELS.version],
      }),
    ),
    recentSignals,
  };
}

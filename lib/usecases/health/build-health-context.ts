import type { HealthSignal } from '../../health/health-signal.js';
import type { PodHealth, ServiceHealthContext } from '../../health/remediation-types.js';
import { OBSERVED_STATUS_DOC, type ObservedPod, type ObservedServiceStatus } from '../../model/observed-status.js';
import type { DeploymentRecord, RevisionRecord, ServiceRecord } from '../../model/records.js';
import type { RemediationDeps } from './health-deps.js';

export const revisionLabel = (revision: number) => `r${revision}`;

/**
 * An observation older than this is not decided on: the probe writes one every run (a minute on AWS), so
 * an older one means the probe is not running, and the pods may look nothing like it.
 */
export const MAX_OBSERVATION_AGE_SECONDS = 600;

/** The context, with when its pods were observed. */
export type ObservedHealthContext = ServiceHealthContext & { observedAt?: string };

/**
 * A pod's recent crashes. The probe records lifetime restart counts; a pod that is crash-looping now
 * counts its restarts, a healthy one counts none (restarts long ago are history, not evidence).
 */
function recentCrashes(pod: ObservedPod): number {
  const restarts = pod.restarts ?? 0;
  return pod.waitingReason === 'CrashLoopBackOff' || (!pod.ready && restarts > 0) ? Math.max(1, restarts) : 0;
}

type PodsObservation = { pods: ObservedPod[]; observedAt: string } | { unknown: string; observedAt?: string };

/**
 * The pods as the health probe's reconcile last observed them (the observed-status document), never the
 * cluster itself: the alarm intake holds no cluster access. A service with no cluster registered has no
 * pods. Unknown (the policy then waits, `notObserved`) when it has not been observed yet, its cluster
 * could not be read, or the observation is older than {@link MAX_OBSERVATION_AGE_SECONDS}. Pure.
 */
function observedPods(name: string, observed: ObservedServiceStatus | undefined, nowMs: number): PodsObservation {
  if (!observed) return { unknown: `${name} has not been observed yet (the health probe observes every service each run)` };
  const ageSeconds = (nowMs - Date.parse(observed.observedAt)) / 1000;
  if (ageSeconds > MAX_OBSERVATION_AGE_SECONDS)
    return {
      unknown: `the last observation of ${name} is ${Math.round(ageSeconds)} s old (is the health probe running?)`,
      observedAt: observed.observedAt,
    };
  if ('error' in observed) {
    // Recorded without a cluster: none is registered, the service is state only.
    if (!observed.cluster) return { pods: [], observedAt: observed.observedAt };
    return { unknown: `its pods could not be observed: ${observed.error}`, observedAt: observed.observedAt };
  }
  return { pods: observed.pods, observedAt: observed.observedAt };
}

/** What {@link healthContextOf} is built from: all read from the store (see buildHealthContext, or a batch read). */
export interface HealthContextSources {
  service: ServiceRecord;
  /** The service's observed-status document. */
  observed: ObservedServiceStatus | undefined;
  /** The revision the pods run (`podRevision`, else `revision`). */
  podRevision: RevisionRecord | undefined;
  /** The rollout the service's traffic names, if any. */
  rollout: DeploymentRecord | undefined;
}

/** The revision whose record a context needs (the one the pods run) and the rollout it reads, if any. */
export const contextReads = (service: ServiceRecord) => ({
  revision: service.podRevision ?? service.revision,
  deploymentId: service.traffic?.deploymentId,
});

/** What the remediation policy needs to know about a service, from what the store holds about it. Pure. */
export function healthContextOf(sources: HealthContextSources, recentSignals: HealthSignal[], now: Date): ObservedHealthContext {
  const { service, podRevision: current, rollout } = sources;
  const observation = observedPods(service.name, sources.observed, now.getTime());
  const pods = 'pods' in observation ? observation.pods : [];
  const podRevision = service.podRevision ?? service.revision;
  const stablePods = pods.filter((p) => (p.track ?? 'stable') === 'stable');
  // A rollout already asked to abort is not aborted again: that no-op must not spend the remediation budget.
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
    pods: pods.map((p): PodHealth => ({
      name: p.name,
      node: p.node,
      zone: p.zone,
      ready: p.ready,
      recentCrashes: recentCrashes(p),
      waitingReason: p.waitingReason,
      revision: p.revision,
    })),
    recentSignals,
    ...('unknown' in observation ? { podsUnknown: observation.unknown } : {}),
    observedAt: observation.observedAt,
  };
}

/** What the remediation policy needs to know about a service, read from the store alone. */
export async function buildHealthContext(deps: RemediationDeps, service: ServiceRecord, recentSignals: HealthSignal[]): Promise<ObservedHealthContext> {
  const reads = contextReads(service);
  const [observed, podRevision, rollout] = await Promise.all([
    deps.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, service.name),
    // The revision the pods run: a later routing-only change, or a scale-out, is not what they were promoted with.
    deps.store.getRevision(service.name, reads.revision),
    reads.deploymentId ? deps.store.getDeployment(service.name, reads.deploymentId) : undefined,
  ]);
  return healthContextOf({ service, observed: observed?.value, podRevision, rollout }, recentSignals, deps.clock.now());
}

import type { ServicePhase } from '../model/records.js';
import type { ObservedPod } from '../model/observed-status.js';

/** One word for how a service is doing, for the dashboard's colours. */
export type ServiceHealth = 'healthy' | 'degraded' | 'unavailable' | 'failed' | 'unknown';

/**
 * - `failed`: its last change failed (phase);
 * - `unknown`: not observed yet, or its cluster could not be read;
 * - `unavailable`: replicas are wanted and none is ready;
 * - `degraded`: fewer ready than wanted, or a pod waiting on a bad reason (CrashLoopBackOff, ImagePullBackOff…);
 * - `healthy` otherwise.
 */
export function serviceHealth(
  phase: ServicePhase,
  observed: { desiredReplicas: number; readyReplicas: number; pods: Pick<ObservedPod, 'waitingReason'>[] } | undefined,
): ServiceHealth {
  if (phase === 'failed') return 'failed';
  if (!observed) return 'unknown';
  if (observed.desiredReplicas > 0 && observed.readyReplicas === 0) return 'unavailable';
  if (observed.readyReplicas < observed.desiredReplicas || observed.pods.some((p) => p.waitingReason !== undefined && p.waitingReason !== 'ContainerCreating'))
    return 'degraded';
  return 'healthy';
}

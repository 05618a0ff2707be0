/**
 * Whether the new version's pods are failing to start, in words a person reads. Pure: the `setWeight`
 * task asks it while it waits for the pods, so a crash-looping canary is rejected at once instead of
 * after the readiness wait's retries.
 */
import type { PodInfo } from '../ports/cluster-client.js';

/** Waiting reasons of a container that will not start by waiting longer. */
const STUCK = ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'InvalidImageName'];

/**
 * "canary pods crash-looping: 2 of 2 pods, 3 restarts (CrashLoopBackOff)", or undefined while no pod
 * is stuck (pods still starting, or ready).
 */
export function stuckPodsReason(pods: PodInfo[], track = 'canary'): string | undefined {
  const stuck = pods.filter((p) => !p.ready && p.waitingReason !== undefined && STUCK.includes(p.waitingReason));
  if (stuck.length === 0) return undefined;
  const reasons = [...new Set(stuck.map((p) => p.waitingReason))].join(', ');
  const restarts = stuck.reduce((sum, p) => sum + p.restarts, 0);
  const what = stuck.some((p) => p.waitingReason === 'CrashLoopBackOff') ? 'crash-looping' : 'cannot start';
  const count = `${stuck.length} of ${pods.length} pod${pods.length === 1 ? '' : 's'}`;
  return `${track} pods ${what}: ${count}, ${restarts} restart${restarts === 1 ? '' : 's'} (${reasons})`;
}

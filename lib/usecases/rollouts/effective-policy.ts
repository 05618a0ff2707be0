import type { DeploymentRecord, ServiceRecord } from '../../model/records.js';
import { RolloutPolicy } from '../../model/service-spec.js';

/** The rollout policy a deployment runs with: its own override, else the service's. */
export function effectivePolicy(deployment: DeploymentRecord, service: ServiceRecord): RolloutPolicy {
  return deployment.rolloutOverride ? RolloutPolicy.parse(deployment.rolloutOverride) : service.spec.rollout;
}

/**
 * Canary pods for a traffic weight: enough that each serves about what a stable pod does, and at least
 * one so the canary is warm before it gets traffic. E.g. 3 replicas: 0% → 1, 10% → 1, 50% → 2, 100% → 3.
 */
export function canaryReplicasFor(weight: number, replicas: number): number {
  return Math.max(1, Math.ceil((replicas * weight) / 100));
}

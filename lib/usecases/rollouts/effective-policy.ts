import type { DeploymentRecord, ServiceRecord } from '../../model/records.js';
import { RolloutPolicy } from '../../model/service-spec.js';

/** The rollout policy a deployment runs with: its own override, else the service's. */
export function effectivePolicy(deployment: DeploymentRecord, service: ServiceRecord): RolloutPolicy {
  return deployment.rolloutOverride ? RolloutPolicy.parse(deployment.rolloutOverride) : service.spec.rollout;
}

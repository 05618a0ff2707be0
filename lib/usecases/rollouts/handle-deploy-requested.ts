import type { EventEnvelope } from '../../model/events.js';
import { recordDeployRequest, type RecordDeployOutcome } from './record-deploy-request.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';
import { startNextRollout } from './start-next-rollout.js';

/**
 * The queue side of a deploy request: record the deployment (pending), then make sure the service's
 * rollout queue moves. Also on a duplicate, so a crash between the two steps heals on redelivery.
 */
export async function handleDeployRequested(
  deps: RolloutDeps<OperationStore & ServiceStore & DeploymentStore & RevisionStore>,
  event: EventEnvelope,
): Promise<RecordDeployOutcome & { started?: string }> {
  const recorded = await recordDeployRequest(deps, event);
  if (recorded.outcome === 'rejected') return recorded;
  const active = await startNextRollout(deps, event.service);
  return { ...recorded, started: active?.id };
}

import type { RollbackRequest, RollbackResponse } from '../../../model/rollout-task-contract.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { RevisionStore } from '../../../ports/revision-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';
import { rollBackDeployment } from '../roll-back-deployment.js';
import { startNextRollout } from '../start-next-rollout.js';

/** The rollout's rollback task: the deployment is rolled back and ended, then the next queued one may start. */
export async function rollback(deps: RolloutDeps<ServiceStore & RevisionStore & DeploymentStore>, req: RollbackRequest): Promise<RollbackResponse> {
  await rollBackDeployment(deps, req);
  await startNextRollout(deps, req.service);
  return { rolledBack: true };
}

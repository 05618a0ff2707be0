import type { FinishRequest, FinishResponse } from '../../../model/rollout-task-contract.js';
import { auditEvent, mutateDeployment } from '../../shared/mutate.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { RevisionStore } from '../../../ports/revision-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';
import { startNextRollout } from '../start-next-rollout.js';

/** Records the deployment as promoted and lets the next queued deployment start. */
export async function finish(deps: RolloutDeps<ServiceStore & DeploymentStore & RevisionStore>, req: FinishRequest): Promise<FinishResponse> {
  await mutateDeployment(deps, req.service, req.deploymentId, (d) =>
    d.status === 'promoted'
      ? undefined
      : {
          record: { ...d, status: 'promoted', requested: undefined },
          events: [
            auditEvent(
              deps,
              req.service,
              'RolloutPromoted',
              `deployment ${d.id} of ${d.image} promoted to revision ${d.toRevision}`,
              { deploymentId: d.id, revision: d.toRevision },
              d.operationId,
            ),
          ],
        },
  );
  await startNextRollout(deps, req.service);
  return { status: 'promoted' };
}

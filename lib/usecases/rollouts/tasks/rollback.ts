import { NotFoundError } from '../../../errors.js';
import type { ServiceSpec } from '../../../model/service-spec.js';
import type { RollbackRequest, RollbackResponse } from '../../../model/rollout-task-contract.js';
import { auditEvent, mutateDeployment, mutateService } from '../../shared/mutate.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';
import { startNextRollout } from '../start-next-rollout.js';

/**
 * All traffic back to stable and the canary removed; the service's revision is unchanged (or, if the
 * failure came after the promotion had already switched stable, the previous spec comes back). The
 * deployment ends rolledBack or aborted with the reason, and the next queued deployment may start.
 */
export async function rollback(deps: RolloutDeps, req: RollbackRequest): Promise<RollbackResponse> {
  const deployment = await deps.store.getDeployment(req.service, req.deploymentId);
  const reason = `${req.cause === 'aborted' ? 'aborted' : req.cause === 'analysisFailed' ? 'analysis failed' : 'a rollout step failed'}: ${req.details.join('; ') || 'no details'}`;
  const previous: ServiceSpec | undefined = deployment ? (await deps.store.getRevision(req.service, deployment.fromRevision))?.spec : undefined;

  // A service deregistered mid-rollout has nothing left to roll back: its objects are gone already.
  const deregistered = await mutateService(deps, req.service, (svc) => {
    if (svc.traffic?.deploymentId !== req.deploymentId) return undefined;
    const restore = svc.traffic.promotedRevision !== undefined && previous;
    const revision = restore ? svc.revision + 1 : svc.revision;
    return {
      record: { ...svc, traffic: undefined, ...(restore ? { spec: previous, revision } : {}) },
      revision: restore
        ? { service: svc.name, revision, spec: previous, createdAt: deps.clock.now().toISOString(), operationId: deployment!.operationId }
        : undefined,
      events: [
        auditEvent(deps, svc.name, 'RolloutRolledBack', `rolled back ${deployment?.image ?? req.deploymentId}: ${reason}`, {
          deploymentId: req.deploymentId,
          cause: req.cause,
          details: req.details,
        }),
      ],
    };
  }).then(
    () => false,
    (err: unknown) => {
      if (err instanceof NotFoundError) return true;
      throw err;
    },
  );
  if (deployment) {
    await mutateDeployment(deps, req.service, req.deploymentId, (d) =>
      d.status === 'running' || d.status === 'paused' || d.status === 'pending'
        ? { record: { ...d, status: req.cause === 'aborted' || deregistered ? 'aborted' : 'rolledBack', reason: deregistered ? 'the service was deregistered' : reason, requested: undefined } }
        : undefined,
    );
  }
  await startNextRollout(deps, req.service);
  return { rolledBack: true };
}

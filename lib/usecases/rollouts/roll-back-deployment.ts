import { NotFoundError } from '../../errors.js';
import type { DeploymentRecord, TrafficState } from '../../model/records.js';
import type { ServiceSpec } from '../../model/service-spec.js';
import type { RollbackRequest } from '../../model/rollout-task-contract.js';
import { auditEvent, mutateDeployment, mutateService } from '../shared/mutate.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';

const ACTIVE = new Set<DeploymentRecord['status']>(['running', 'paused', 'pending']);

/**
 * All traffic back to stable and the canary removed; the service's revision is unchanged (or, if the
 * failure came after the promotion had already switched stable, the previous spec comes back). The
 * deployment ends rolledBack or aborted with the reason, and the next queued deployment may start.
 *
 * In this order, so no crash or outage can promote what was rejected or put a rollback on record that
 * the cluster does not hold:
 * 1. the rejection is recorded on the deployment (`requested: abort` and the reason): any later
 *    execution of it (a retry, a restart that starts it again) aborts instead of promoting;
 * 2. the cluster is converged to the rolled-back record, and only then is it committed with its
 *    RolloutRolledBack event (a failed apply throws and the task is retried; the store is unchanged);
 * 3. the deployment ends.
 *
 * The rollback task runs it, and so does the queue's safety net for a rejected deployment whose execution
 * ended before it rolled back (see start-next-rollout.ts): both end it the same way, with one
 * RolloutRolledBack event (the service write is conditional, so a second caller adds none).
 */
export async function rollBackDeployment(deps: RolloutDeps<ServiceStore & RevisionStore & DeploymentStore>, req: RollbackRequest): Promise<void> {
  const found = await deps.store.getDeployment(req.service, req.deploymentId);
  const details = req.cause === 'taskFailed' ? readableTaskFailure(req.details) : req.details;
  const reason =
    found?.rejection ??
    `${req.cause === 'aborted' ? 'aborted' : req.cause === 'analysisFailed' ? 'analysis failed' : 'a rollout step failed'}: ${details.join('; ') || 'no details'}`;
  const deployment =
    found && ACTIVE.has(found.status) && (found.requested !== 'abort' || found.rejection === undefined)
      ? await mutateDeployment(deps, req.service, req.deploymentId, (d) =>
          ACTIVE.has(d.status) ? { record: { ...d, requested: 'abort', rejection: d.rejection ?? reason } } : undefined,
        )
      : found;
  const previous: ServiceSpec | undefined = deployment ? (await deps.store.getRevision(req.service, deployment.fromRevision))?.spec : undefined;
  const rolledBack = !/^aborted/.test(reason);

  // A multi-cluster rollout goes back in every cluster the new version reached (the wave under way and
  // the released ones) and never touches the clusters of later waves; a restored spec goes everywhere.
  const before = await deps.store.getService(req.service);
  const traffic = before?.traffic?.deploymentId === req.deploymentId ? before.traffic : undefined;
  const reached = traffic?.wave ? [...new Set([...traffic.wave, ...Object.keys(traffic.released ?? {})])] : undefined;
  const only = reached && traffic?.promotedRevision === undefined ? { clusters: reached } : {};
  // A service deregistered mid-rollout has nothing left to roll back: its objects are gone already.
  const deregistered = await mutateService(
    deps,
    req.service,
    (svc) => {
      if (svc.traffic?.deploymentId !== req.deploymentId) return undefined;
      const restore = svc.traffic.promotedRevision !== undefined && previous;
      const revision = restore ? svc.revision + 1 : svc.revision;
      return {
        record: { ...svc, traffic: undefined, ...(restore ? { spec: previous, revision } : {}) },
        revision: restore
          ? { service: svc.name, revision, spec: previous, createdAt: deps.clock.now().toISOString(), operationId: deployment!.operationId }
          : undefined,
        events: [
          auditEvent(
            deps,
            svc.name,
            'RolloutRolledBack',
            `rolled back ${deployment?.image ?? req.deploymentId}${svc.traffic.wave ? ` in ${reachedOf(svc.traffic).join(', ')}` : ''}: ${reason}`,
            {
              deploymentId: req.deploymentId,
              cause: req.cause,
              details: req.details,
              ...(svc.traffic.wave ? { clusters: reachedOf(svc.traffic), untouched: untouchedOf(deployment, reachedOf(svc.traffic)) } : {}),
            },
          ),
        ],
      };
    },
    { applyFirst: true, ...only },
  ).then(
    () => false,
    (err: unknown) => {
      if (err instanceof NotFoundError) return true;
      throw err;
    },
  );
  if (deployment) {
    await mutateDeployment(deps, req.service, req.deploymentId, (d) =>
      d.status === 'running' || d.status === 'paused' || d.status === 'pending'
        ? {
            record: {
              ...d,
              status: !rolledBack || deregistered ? 'aborted' : 'rolledBack',
              reason: deregistered ? 'the service was deregistered' : reason,
              ...(d.waves ? { waves: d.waves.map((w) => (w.status === 'pending' ? w : { ...w, status: 'rolledBack' as const })) } : {}),
              requested: undefined,
              rejection: undefined,
            },
          }
        : undefined,
    );
  }
}

/**
 * The rollback of a rejected deployment (`requested: abort`, its rejection on record) whose execution
 * ended before it rolled back: a crash, StopExecution, the retries running out.
 */
export function rollbackOfRejected(deployment: DeploymentRecord, namespace: string): RollbackRequest {
  const rejection = deployment.rejection;
  return {
    action: 'rollback',
    service: deployment.service,
    namespace,
    strategy: deployment.strategy,
    deploymentId: deployment.id,
    cause: rejection === undefined || /^aborted/.test(rejection) ? 'aborted' : rejection.startsWith('analysis failed') ? 'analysisFailed' : 'taskFailed',
    details: [rejection ?? 'aborted on request; its execution ended before it rolled back'],
  };
}

/** The clusters a multi-cluster rollout has reached: the wave under way and the released ones. */
function reachedOf(traffic: TrafficState): string[] {
  return [...new Set([...(traffic.wave ?? []), ...Object.keys(traffic.released ?? {})])];
}

/** Clusters of the deployment's waves the new version never reached. */
function untouchedOf(deployment: DeploymentRecord | undefined, reached: string[]): string[] {
  return (deployment?.waves ?? []).flatMap((w) => w.clusters).filter((c) => !reached.includes(c));
}

/**
 * The state machine reports a failed task as [error name, cause]; a person reads the message only (no
 * internal class names). Step Functions gives a Lambda's cause as JSON with `errorMessage`.
 */
export function readableTaskFailure(details: string[]): string[] {
  const [, cause] = details;
  if (cause === undefined) return details;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') return [parsed.errorMessage];
  } catch {
    // not JSON: the message itself
  }
  return [cause];
}

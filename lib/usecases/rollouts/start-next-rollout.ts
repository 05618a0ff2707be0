import type { DeploymentRecord } from '../../model/records.js';
import { rolloutExecutionInput } from '../../rollout/task-contract.js';
import { auditEvent, mutateDeployment } from './mutate.js';
import { effectivePolicy } from './effective-policy.js';
import type { RolloutDeps } from './rollout-deps.js';

const ACTIVE = new Set<DeploymentRecord['status']>(['running', 'paused']);

/**
 * One rollout at a time per service; later deploys queue behind it (FIFO) rather than superseding it:
 * a half-judged canary is never thrown away for a newer image, and the newer one starts from a known
 * stable. Level-based: makes sure the active deployment's execution exists, or promotes the oldest
 * pending deployment to running (a conditional write, so two callers cannot both start one) and starts
 * its execution, named after the deployment id.
 */
export async function startNextRollout(deps: RolloutDeps, service: string): Promise<DeploymentRecord | undefined> {
  const recent = (await deps.store.listDeployments(service, { limit: 100 })).items;
  const record = await deps.store.getService(service);
  if (!record || record.phase === 'deleted') {
    // Deployments queued behind a rollout of a service that has since been deregistered never start.
    for (const queued of recent.filter((d) => d.status === 'pending'))
      await mutateDeployment(deps, service, queued.id, (d) => (d.status === 'pending' ? { record: { ...d, status: 'aborted', reason: 'the service was deregistered' } } : undefined));
    return undefined;
  }
  let next = recent.find((d) => ACTIVE.has(d.status));
  if (!next) {
    const oldestPending = recent.filter((d) => d.status === 'pending').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))[0];
    if (!oldestPending) return undefined;
    // A queued deployment starts from what is stable now (an earlier rollout may have promoted since it
    // was requested); rollback restores `fromRevision` if a failure comes after the promotion.
    next = await mutateDeployment(deps, service, oldestPending.id, (d) =>
      d.status === 'pending'
        ? { record: { ...d, status: 'running', fromRevision: record.revision }, events: [auditEvent(deps, service, 'RolloutStarted', `rollout ${d.id} of ${d.image} started`, { deploymentId: d.id }, d.operationId)] }
        : undefined,
    );
    if (!ACTIVE.has(next.status)) return undefined;
  }
  await deps.workflow.start(rolloutExecutionInput(next.id, { name: service, namespace: record.spec.namespace }, effectivePolicy(next, record)));
  return next;
}

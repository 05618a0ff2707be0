import type { DeploymentRecord, ServiceRecord } from '../../model/records.js';
import { rolloutExecutionInput } from '../../model/rollout-task-contract.js';
import { effectivePolicy } from './effective-policy.js';
import { clusterProblems, planWaves } from '../../model/service-clusters.js';
import { auditEvent, mutateDeployment, mutateService } from '../shared/mutate.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';
import { crashPoint } from '../../platform/crash-points.js';
import { rollBackDeployment, rollbackOfRejected } from './roll-back-deployment.js';

const ACTIVE = new Set<DeploymentRecord['status']>(['running', 'paused']);
const oldestFirst = (a: DeploymentRecord, b: DeploymentRecord) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/**
 * One rollout at a time per service; later deploys queue behind it (FIFO) rather than superseding it:
 * a half-judged canary is never thrown away for a newer image, and the newer one starts from a known
 * stable. Level-based, so any caller may run it at any time:
 * - an active deployment whose execution is running (or was never started) gets its execution ensured;
 * - an active deployment whose execution is over without having finished it (a failed rollback, a
 *   manual stop, the history limit, a crash) is ended so the queue moves: a rejected one (its rollback
 *   began: `requested: abort`) is rolled back, so it ends rolledBack or aborted and is never promoted;
 *   any other is marked failed and its canary traffic cleared;
 * - otherwise the oldest pending deployment becomes running (a conditional write, so two callers cannot
 *   both start one) and its execution starts, named after the deployment id.
 */
export async function startNextRollout(
  deps: RolloutDeps<ServiceStore & DeploymentStore & RevisionStore>,
  service: string,
): Promise<DeploymentRecord | undefined> {
  const recent = (await deps.store.listDeployments(service, { limit: 100 })).items;
  const record = await deps.store.getService(service);
  if (!record || record.phase === 'deleted') {
    // Deployments queued behind a rollout of a service that has since been deregistered never start.
    for (const queued of recent.filter((d) => d.status === 'pending'))
      await mutateDeployment(deps, service, queued.id, (d) =>
        d.status === 'pending' ? { record: { ...d, status: 'aborted', reason: 'the service was deregistered' } } : undefined,
      );
    return undefined;
  }

  const active = recent.find((d) => ACTIVE.has(d.status));
  if (active) {
    if ((await deps.workflow.state(active.id)) !== 'ended') return startExecution(deps, record, active);
    if (active.requested === 'abort') await rollBackDeployment(deps, rollbackOfRejected(active, record.spec.namespace));
    else await failStuckDeployment(deps, active);
  }
  for (const pending of recent.filter((d) => d.status === 'pending').sort(oldestFirst)) {
    // A queued deployment starts from what is stable now (an earlier rollout may have promoted since it
    // was requested); rollback restores `fromRevision` if a failure comes after the promotion.
    const started = await mutateDeployment(deps, service, pending.id, (d) =>
      d.status === 'pending'
        ? {
            record: { ...d, status: 'running', fromRevision: record.revision, ...wavesOf(d, record) },
            events: [auditEvent(deps, service, 'RolloutStarted', `rollout ${d.id} of ${d.image} started`, { deploymentId: d.id }, d.operationId)],
          }
        : undefined,
    );
    // Aborted (or started by another caller) meanwhile: look at the next one.
    if (ACTIVE.has(started.status)) return startExecution(deps, record, started);
  }
  return undefined;
}

async function startExecution(
  deps: RolloutDeps<ServiceStore & DeploymentStore>,
  record: ServiceRecord,
  deployment: DeploymentRecord,
): Promise<DeploymentRecord> {
  await deps.workflow.start(rolloutExecutionInput(deployment.id, { name: record.name, namespace: record.spec.namespace }, effectivePolicy(deployment, record)));
  crashPoint('rollout.after-execution-start');
  return deployment;
}

/**
 * The waves a deployment of a service in several clusters releases, fixed when it starts: the policy's
 * `waves` (a deploy's own policy only when they fit the service's clusters), else one cluster per wave.
 */
function wavesOf(deployment: DeploymentRecord, record: ServiceRecord): Pick<DeploymentRecord, 'waves' | 'currentWave'> {
  const policy = effectivePolicy(deployment, record);
  const fits = clusterProblems({ clusters: record.spec.clusters, rollout: policy }).length === 0;
  const plan = planWaves({ clusters: record.spec.clusters, rollout: fits ? policy : undefined });
  return plan.length ? { waves: plan.map((clusters, index) => ({ index, clusters, status: 'pending' })), currentWave: 0 } : {};
}

/**
 * Ends a deployment whose execution is over without having ended it. All traffic goes back to stable
 * and the canary is removed; if the promotion had already made the new spec stable, it stays and the
 * deployment counts as promoted.
 */
async function failStuckDeployment(deps: RolloutDeps<ServiceStore & DeploymentStore>, deployment: DeploymentRecord): Promise<void> {
  let promotedRevision: number | undefined;
  await mutateService(deps, deployment.service, (svc) => {
    if (svc.traffic?.deploymentId !== deployment.id) return undefined;
    promotedRevision = svc.traffic.promotedRevision;
    const what = promotedRevision === undefined ? 'failed: its execution ended without finishing or rolling back' : 'ended after its promotion';
    return {
      record: { ...svc, traffic: undefined },
      events: [auditEvent(deps, svc.name, 'RolloutEnded', `deployment ${deployment.id} ${what}; the canary is removed`, { deploymentId: deployment.id })],
    };
  });
  await mutateDeployment(deps, deployment.service, deployment.id, (d) => {
    if (!ACTIVE.has(d.status)) return undefined;
    return promotedRevision !== undefined || d.toRevision !== undefined
      ? { record: { ...d, status: 'promoted', toRevision: d.toRevision ?? promotedRevision, requested: undefined } }
      : {
          record: {
            ...d,
            status: 'failed',
            reason: 'its rollout execution ended without finishing or rolling back; the canary was removed',
            requested: undefined,
          },
        };
  });
}

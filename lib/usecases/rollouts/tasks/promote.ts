import { TerminalError, TransientError } from '../../../errors.js';
import { workloadName } from '../../../mesh/labels.js';
import type { ServiceSpec } from '../../../model/service-spec.js';
import type { PromoteRequest, PromoteResponse } from '../../../model/rollout-task-contract.js';
import { resolveClusters } from '../../shared/resolve-cluster.js';
import { isMultiCluster } from '../../../model/service-clusters.js';
import { auditEvent, mutateDeployment, mutateService } from '../../shared/mutate.js';
import type { ClusterStore } from '../../../ports/cluster-store.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { RevisionStore } from '../../../ports/revision-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import { DEFAULT_POD_WAIT_MS, type RolloutDeps } from '../../shared/rollout-deps.js';
import { waitUntil } from '../wait-until.js';
import type { WorkloadStatus } from '../../../ports/cluster-client.js';

/**
 * Makes the new version stable in two level-based phases, like Argo Rollouts' promotion: first the
 * stable Deployment gets the new spec (a new revision) while traffic stays on the new pods; once the
 * stable Deployment has fully rolled out, traffic returns to it and the canary is removed. Until then
 * it fails with a TransientError and the state machine retries.
 */
export async function promote(deps: RolloutDeps<ServiceStore & RevisionStore & DeploymentStore & ClusterStore>, req: PromoteRequest): Promise<PromoteResponse> {
  const deployment = await deps.store.getDeployment(req.service, req.deploymentId);
  if (!deployment) throw new TerminalError(`deployment ${req.deploymentId} does not exist`);
  if (deployment.toRevision !== undefined) return { revision: deployment.toRevision };
  // Rejected (a rollback has begun, or an abort was asked for): never promoted, whatever runs this task.
  if (deployment.requested === 'abort')
    throw new TerminalError(`deployment ${deployment.id} was rejected (${deployment.rejection ?? 'abort requested'}); it is not promoted`);

  const base = deployment.baseRevision !== undefined ? (await deps.store.getRevision(req.service, deployment.baseRevision))?.spec : undefined;
  const promoted = await mutateService(deps, req.service, (svc) => {
    if (!svc.traffic || svc.traffic.deploymentId !== deployment.id || svc.traffic.promotedRevision !== undefined) return undefined;
    const spec: ServiceSpec = { ...(base ?? svc.spec), name: svc.name, image: deployment.image };
    const revision = svc.revision + 1;
    return {
      record: { ...svc, spec, revision, traffic: { ...svc.traffic, promotedRevision: revision } },
      revision: { service: svc.name, revision, spec, createdAt: deps.clock.now().toISOString(), operationId: deployment.operationId },
      events: [
        auditEvent(
          deps,
          svc.name,
          'RevisionPromoted',
          `revision ${revision} (${deployment.image}) is now stable`,
          { deploymentId: deployment.id, revision },
          deployment.operationId,
        ),
      ],
    };
  });
  const revision = promoted.traffic?.promotedRevision ?? promoted.revision;

  for (const cluster of promoted.traffic ? await resolveClusters(deps.store, promoted.spec) : []) {
    const client = await deps.clusters.forCluster(cluster);
    let status: WorkloadStatus | undefined;
    const complete = await waitUntil(async () => {
      status = await client.getWorkloadStatus(promoted.spec.namespace, workloadName(req.service, 'stable'));
      const done =
        status &&
        status.observedGeneration >= status.generation &&
        status.updatedReplicas >= promoted.spec.replicas &&
        status.availableReplicas >= promoted.spec.replicas;
      return done ? true : undefined;
    }, deps.podWaitMs ?? DEFAULT_POD_WAIT_MS);
    if (!complete)
      throw new TransientError(
        `stable is rolling out revision ${revision}${isMultiCluster(promoted.spec) ? ` in cluster ${cluster.id}` : ''} (${status?.updatedReplicas ?? 0}/${promoted.spec.replicas} updated); traffic stays on the new pods until it is done`,
      );
  }
  await mutateService(deps, req.service, (svc) =>
    svc.traffic?.deploymentId === deployment.id
      ? {
          record: { ...svc, traffic: undefined },
          events: [auditEvent(deps, svc.name, 'CanaryRemoved', 'all traffic on stable; the canary is removed', { deploymentId: deployment.id })],
        }
      : undefined,
  );
  await mutateDeployment(deps, req.service, deployment.id, (d) =>
    d.toRevision === undefined ? { record: { ...d, toRevision: revision, currentWeight: 100 } } : undefined,
  );
  return { revision };
}

import { TerminalError, TransientError } from '../../../errors.js';
import { workloadName } from '../../../mesh/labels.js';
import type { SetWeightRequest, SetWeightResponse } from '../../../model/rollout-task-contract.js';
import { resolveCluster } from '../../shared/resolve-cluster.js';
import { canaryReplicasFor } from '../../../rollout/canary-replicas.js';
import { auditEvent, mutateDeployment, mutateService } from '../../shared/mutate.js';
import type { ClusterStore } from '../../../ports/cluster-store.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import { DEFAULT_POD_WAIT_MS, type RolloutDeps } from '../../shared/rollout-deps.js';
import { waitUntil } from '../wait-until.js';

/**
 * Scales the new version for `weight` and, once its pods are ready, routes `weight` percent to it.
 * Until they are ready it fails with a TransientError, so the state machine retries with backoff; a
 * canary that never becomes ready (crash loop) exhausts the retries and is rolled back.
 */
export async function setWeight(deps: RolloutDeps<ServiceStore & DeploymentStore & ClusterStore>, req: SetWeightRequest): Promise<SetWeightResponse> {
  const current = await deps.store.getService(req.service);
  if (!current?.traffic || current.traffic.deploymentId !== req.deploymentId) throw new TerminalError(`deployment ${req.deploymentId} holds no traffic state on ${req.service}`);
  const replicas = current.traffic.preview ? current.spec.replicas : canaryReplicasFor(req.weight, current.spec.replicas);

  const scaled = await mutateService(deps, req.service, (svc) =>
    svc.traffic && svc.traffic.canaryReplicas < replicas ? { record: { ...svc, traffic: { ...svc.traffic, canaryReplicas: replicas } } } : undefined,
  );
  const cluster = await resolveCluster(deps.store, scaled.spec.cluster);
  if (cluster) {
    const client = await deps.clusters.forCluster(cluster);
    let ready = 0;
    const enough = await waitUntil(async () => {
      ready = (await client.getWorkloadStatus(scaled.spec.namespace, workloadName(req.service, 'canary')))?.readyReplicas ?? 0;
      return ready >= replicas ? true : undefined;
    }, deps.podWaitMs ?? DEFAULT_POD_WAIT_MS);
    if (!enough) throw new TransientError(`the new version has ${ready}/${replicas} ready pods; waiting before sending it ${req.weight}% of traffic`);
  }

  await mutateService(deps, req.service, (svc) =>
    svc.traffic && svc.traffic.canaryWeight !== req.weight
      ? {
          record: { ...svc, traffic: { ...svc.traffic, canaryWeight: req.weight, canaryReplicas: Math.max(svc.traffic.canaryReplicas, replicas) } },
          events: [auditEvent(deps, svc.name, 'TrafficShifted', `${req.weight}% of traffic to ${svc.traffic.canaryImage}`, { deploymentId: req.deploymentId, weight: req.weight })],
        }
      : undefined,
  );
  await mutateDeployment(deps, req.service, req.deploymentId, (d) => {
    if (d.currentStep === req.stepIndex && d.currentWeight === req.weight && d.steps[req.stepIndex]) return undefined;
    const steps = [...d.steps];
    steps[req.stepIndex] ??= { index: req.stepIndex, weight: req.weight, startedAt: deps.clock.now().toISOString() };
    return { record: { ...d, currentStep: req.stepIndex, currentWeight: req.weight, steps } };
  });
  return { weight: req.weight };
}

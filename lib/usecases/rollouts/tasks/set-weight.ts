import { TerminalError, TransientError } from '../../../errors.js';
import { LABELS, workloadName } from '../../../mesh/labels.js';
import { stuckPodsReason } from '../../../rollout/crash-loop.js';
import type { SetWeightRequest, SetWeightResponse } from '../../../model/rollout-task-contract.js';
import { resolveClusters } from '../../shared/resolve-cluster.js';
import { canaryReplicasFor } from '../../../rollout/canary-replicas.js';
import { auditEvent, mutateDeployment, mutateService } from '../../shared/mutate.js';
import type { ClusterStore } from '../../../ports/cluster-store.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import { DEFAULT_POD_WAIT_MS, type RolloutDeps } from '../../shared/rollout-deps.js';
import { waitUntil } from '../wait-until.js';

/**
 * Scales the new version for `weight` and, once its pods are ready, routes `weight` percent to it.
 * Until they are ready it fails with a TransientError, so the state machine retries with backoff.
 * While it waits it gives up early, leaving the traffic as it is, when the deployment is asked to
 * abort (a person, the health probe, an alarm) or the new version's pods are stuck (CrashLoopBackOff,
 * ImagePullBackOff …; the rejection is recorded with a reason a person reads) and answers `then:
 * 'decide'`: the state machine analyses at once, and that analysis rolls back (or aborts) without waiting
 * an interval.
 */
export async function setWeight(deps: RolloutDeps<ServiceStore & DeploymentStore & ClusterStore>, req: SetWeightRequest): Promise<SetWeightResponse> {
  const current = await deps.store.getService(req.service);
  if (!current?.traffic || current.traffic.deploymentId !== req.deploymentId)
    throw new TerminalError(`deployment ${req.deploymentId} holds no traffic state on ${req.service}`);
  const replicas = current.traffic.preview ? current.spec.replicas : canaryReplicasFor(req.weight, current.spec.replicas);

  // A multi-cluster rollout changes the clusters of its wave only.
  const only = current.traffic.wave ? { clusters: current.traffic.wave } : {};
  const scaled = await mutateService(
    deps,
    req.service,
    (svc) => (svc.traffic && svc.traffic.canaryReplicas < replicas ? { record: { ...svc, traffic: { ...svc.traffic, canaryReplicas: replicas } } } : undefined),
    only,
  );
  const all = await resolveClusters(deps.store, scaled.spec);
  for (const cluster of current.traffic.wave ? all.filter((c) => current.traffic!.wave!.includes(c.id)) : all) {
    const client = await deps.clusters.forCluster(cluster);
    const where = all.length > 1 ? ` in cluster ${cluster.id}` : '';
    let ready = 0;
    const selector = `${LABELS.service}=${req.service},${LABELS.track}=canary`;
    const waited = await waitUntil(async () => {
      const [status, deployment, pods] = await Promise.all([
        client.getWorkloadStatus(scaled.spec.namespace, workloadName(req.service, 'canary')),
        deps.store.getDeployment(req.service, req.deploymentId),
        client.listPods(scaled.spec.namespace, selector),
      ]);
      ready = status?.readyReplicas ?? 0;
      if (ready >= replicas) return { ready: true as const };
      if (deployment?.requested === 'abort') return { ready: false as const };
      const stuck = stuckPodsReason(pods);
      return stuck ? { ready: false as const, stuck } : undefined;
    }, deps.podWaitMs ?? DEFAULT_POD_WAIT_MS);
    if (!waited) throw new TransientError(`the new version has ${ready}/${replicas} ready pods${where}; waiting before sending it ${req.weight}% of traffic`);
    if (!waited.ready) {
      if (waited.stuck) await rejectDeployment(deps, req, `analysis failed: ${waited.stuck}${where}`);
      return { weight: scaled.traffic?.canaryWeight ?? 0, then: 'decide' };
    }
  }

  await mutateService(
    deps,
    req.service,
    (svc) =>
      svc.traffic && svc.traffic.canaryWeight !== req.weight
        ? {
            record: { ...svc, traffic: { ...svc.traffic, canaryWeight: req.weight, canaryReplicas: Math.max(svc.traffic.canaryReplicas, replicas) } },
            events: [
              auditEvent(deps, svc.name, 'TrafficShifted', `${req.weight}% of traffic to ${svc.traffic.canaryImage}${wherePlural(svc.traffic.wave)}`, {
                deploymentId: req.deploymentId,
                weight: req.weight,
                ...(svc.traffic.wave ? { clusters: svc.traffic.wave } : {}),
              }),
            ],
          }
        : undefined,
    only,
  );
  await mutateDeployment(deps, req.service, req.deploymentId, (d) => {
    if (d.currentStep === req.stepIndex && d.currentWeight === req.weight && d.steps[req.stepIndex]) return undefined;
    const steps = [...d.steps];
    steps[req.stepIndex] ??= { index: req.stepIndex, weight: req.weight, startedAt: deps.clock.now().toISOString() };
    return { record: { ...d, currentStep: req.stepIndex, currentWeight: req.weight, steps } };
  });
  return { weight: req.weight, then: 'observe' };
}

/** Records that the new version is rejected (the next analysis rolls back with `reason`), unless it already is. */
async function rejectDeployment(deps: RolloutDeps<DeploymentStore>, req: SetWeightRequest, reason: string): Promise<void> {
  await mutateDeployment(deps, req.service, req.deploymentId, (d) =>
    (d.status === 'running' || d.status === 'paused' || d.status === 'pending') && d.rejection === undefined
      ? {
          record: { ...d, requested: 'abort', rejection: reason },
          events: [
            auditEvent(deps, req.service, 'AnalysisFailed', `step ${req.stepIndex + 1} at ${req.weight}% failed: ${reason.replace(/^analysis failed: /, '')}`, {
              deploymentId: req.deploymentId,
            }),
          ],
        }
      : undefined,
  );
}

/** " in cluster a" / " in clusters a, b" for a wave; nothing without one. */
export function wherePlural(clusters: readonly string[] | undefined): string {
  if (!clusters?.length) return '';
  return ` in cluster${clusters.length > 1 ? 's' : ''} ${clusters.join(', ')}`;
}

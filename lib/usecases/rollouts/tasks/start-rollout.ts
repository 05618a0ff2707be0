import { ConflictError } from '../../../errors.js';
import { workloadName } from '../../../mesh/labels.js';
import type { StartRequest, StartResponse } from '../../../model/rollout-task-contract.js';
import { canaryReplicasFor } from '../../../rollout/canary-replicas.js';
import { auditEvent, mutateDeployment, mutateService } from '../../shared/mutate.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';
import { waveLabel } from './waves.js';

/** Creates the new version's workload next to stable, with no traffic yet. */
export async function startRollout(deps: RolloutDeps<ServiceStore & DeploymentStore>, req: StartRequest): Promise<StartResponse> {
  const deployment = await mutateDeployment(deps, req.service, req.deploymentId, (d) =>
    d.status === 'pending' ? { record: { ...d, status: 'running' } } : undefined,
  );
  // Rejected before this execution started (e.g. started again after a restart): no canary; the first
  // analysis sees the abort and the rollback ends the deployment.
  if (deployment.requested === 'abort') return { workload: workloadName(req.service, 'canary') };
  // With waves, the new version starts in the first wave's clusters only.
  const firstWave = deployment.waves?.[0]?.clusters;
  if (firstWave) {
    const now = deps.clock.now().toISOString();
    await mutateDeployment(deps, req.service, req.deploymentId, (d) =>
      d.waves?.[0]?.status === 'pending'
        ? {
            record: { ...d, currentWave: 0, waves: [{ ...d.waves[0], status: 'running', startedAt: now }, ...d.waves.slice(1)] },
            events: [auditEvent(deps, req.service, 'WaveStarted', `${waveLabel(d, 0)} started`, { deploymentId: d.id, wave: 0, clusters: firstWave })],
          }
        : undefined,
    );
  }
  await mutateService(
    deps,
    req.service,
    (svc) => {
      if (svc.traffic?.deploymentId === deployment.id) return undefined;
      if (svc.traffic) throw new ConflictError(`service ${svc.name} is already rolling out ${svc.traffic.deploymentId}`);
      const blueGreen = req.strategy === 'blueGreen';
      return {
        record: {
          ...svc,
          traffic: {
            deploymentId: deployment.id,
            canaryImage: deployment.image,
            canaryReplicas: blueGreen ? svc.spec.replicas : canaryReplicasFor(0, svc.spec.replicas),
            canaryWeight: 0,
            canaryRevision: svc.revision + 1,
            ...(blueGreen ? { preview: true } : {}),
            ...(firstWave ? { wave: firstWave, released: {} } : {}),
          },
        },
        events: [
          auditEvent(
            deps,
            svc.name,
            'CanaryCreated',
            `${blueGreen ? 'preview' : 'canary'} of ${deployment.image} created with no traffic${firstWave ? ` in ${firstWave.join(', ')}` : ''}`,
            { deploymentId: deployment.id, ...(firstWave ? { clusters: firstWave } : {}) },
          ),
        ],
      };
    },
    firstWave ? { clusters: firstWave } : {},
  );
  return { workload: workloadName(req.service, 'canary') };
}

import { TerminalError } from '../../../errors.js';
import type { DeploymentRecord, TrafficState } from '../../../model/records.js';
import type { BeginWaveRequest, PassWaveRequest, PassWaveResponse, WaveResponse } from '../../../model/rollout-task-contract.js';
import { afterWavePassed } from '../../../rollout/decide-wave.js';
import { effectivePolicy } from '../effective-policy.js';
import { canaryReplicasFor } from '../../../rollout/canary-replicas.js';
import { auditEvent, mutateDeployment, mutateService } from '../../shared/mutate.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';

/**
 * The wave tasks of a multi-cluster rollout (see `model/rollout-task-contract.ts`). The plan of waves is
 * the deployment record's (`waves`, fixed when the deployment started); each task converges only the
 * clusters whose rendering it changes, so later waves are never touched before their turn.
 */

const same = (a: readonly string[] | undefined, b: readonly string[]) => a !== undefined && a.length === b.length && a.every((c, i) => c === b[i]);

/** `wave 2 of 3 (local-2, local-3)` */
export function waveLabel(d: Pick<DeploymentRecord, 'waves'>, index: number): string {
  const wave = d.waves?.[index];
  return `wave ${index + 1} of ${d.waves?.length ?? 1}${wave ? ` (${wave.clusters.join(', ')})` : ''}`;
}

async function deploymentOf(deps: RolloutDeps<DeploymentStore>, req: { service: string; deploymentId: string }): Promise<DeploymentRecord> {
  const deployment = await deps.store.getDeployment(req.service, req.deploymentId);
  if (!deployment) throw new TerminalError(`deployment ${req.deploymentId} does not exist`);
  return deployment;
}

/**
 * The next wave of the plan begins (the first still `pending`): recorded `running` on the deployment (the
 * previous wave's steps stay on that wave, `steps` starts again), and the new version moves on to the
 * wave's clusters at no traffic while the clusters of earlier waves keep it. Idempotent: run again, it
 * finds the wave running and changes nothing.
 */
export async function beginWave(deps: RolloutDeps<ServiceStore & DeploymentStore>, req: BeginWaveRequest): Promise<WaveResponse> {
  const deployment = await deploymentOf(deps, req);
  const pending = deployment.waves?.findIndex((w) => w.status === 'pending') ?? -1;
  const index = pending >= 0 ? pending : (deployment.currentWave ?? 0);
  const clusters = deployment.waves?.[index]?.clusters ?? [];
  // Rejected meanwhile: nothing moves on; the next analysis rolls back.
  if (deployment.requested === 'abort' || !clusters.length) return { clusters };
  const now = deps.clock.now().toISOString();
  await mutateDeployment(deps, req.service, req.deploymentId, (d) => {
    const wave = d.waves?.[index];
    if (!wave || wave.status !== 'pending') return undefined;
    const waves = [...d.waves!];
    waves[index] = { ...wave, status: 'running', startedAt: now };
    return {
      record: { ...d, steps: [], currentStep: undefined, currentWeight: undefined, waves, currentWave: index },
      events: [auditEvent(deps, req.service, 'WaveStarted', `${waveLabel(d, index)} started`, { deploymentId: d.id, wave: index, clusters })],
    };
  });
  const current = await deps.store.getService(req.service);
  const before = current?.traffic?.deploymentId === req.deploymentId ? (current.traffic.wave ?? []) : [];
  await mutateService(
    deps,
    req.service,
    (svc) => {
      if (svc.traffic?.deploymentId !== req.deploymentId || same(svc.traffic.wave, clusters)) return undefined;
      const blueGreen = req.strategy === 'blueGreen';
      const traffic: TrafficState = {
        ...svc.traffic,
        wave: clusters,
        canaryWeight: 0,
        canaryReplicas: blueGreen ? svc.spec.replicas : canaryReplicasFor(0, svc.spec.replicas),
      };
      return {
        record: { ...svc, traffic },
        events: [
          auditEvent(
            deps,
            svc.name,
            'CanaryCreated',
            `${blueGreen ? 'preview' : 'canary'} of ${traffic.canaryImage} created with no traffic in ${clusters.join(', ')}`,
            {
              deploymentId: req.deploymentId,
              clusters,
            },
          ),
        ],
      };
    },
    // The clusters of the wave, and those of a wave that had begun without passing (a restarted execution).
    { clusters: [...new Set([...before.filter((c) => !current?.traffic?.released?.[c]), ...clusters])] },
  );
  return { clusters };
}

/**
 * The wave under way passed its steps: its clusters keep the new version at its last weight while later
 * waves run (nothing changes in any cluster), and the wave is recorded `baking` (or `released` without
 * bake) with its steps. Returns what follows (`afterWavePassed`). Idempotent.
 */
export async function passWave(deps: RolloutDeps<ServiceStore & DeploymentStore>, req: PassWaveRequest): Promise<PassWaveResponse> {
  const deployment = await deploymentOf(deps, req);
  const service = await deps.store.getService(req.service);
  const index = deployment.currentWave ?? 0;
  const clusters = deployment.waves?.[index]?.clusters ?? [];
  const bakeSeconds = service ? effectivePolicy(deployment, service).bakeSeconds : 0;
  const decision = afterWavePassed({ bakeSeconds, lastWave: index + 1 >= (deployment.waves?.length ?? 1) });
  if (!clusters.length) return { clusters, decision, bakeSeconds };
  await mutateService(
    deps,
    req.service,
    (svc) => {
      const traffic = svc.traffic;
      if (traffic?.deploymentId !== req.deploymentId || !traffic.wave || traffic.wave.every((c) => traffic.released?.[c])) return undefined;
      const kept = Object.fromEntries(traffic.wave.map((c) => [c, { canaryWeight: traffic.canaryWeight, canaryReplicas: traffic.canaryReplicas }]));
      return { record: { ...svc, traffic: { ...traffic, released: { ...traffic.released, ...kept } } } };
    },
    // Rendered the same as before everywhere.
    { clusters: [] },
  );
  const now = deps.clock.now().toISOString();
  await mutateDeployment(deps, req.service, req.deploymentId, (d) => {
    const wave = d.waves?.[index];
    if (!wave || (wave.status !== 'running' && wave.status !== 'pending')) return undefined;
    const waves = [...d.waves!];
    const bakes = decision === 'bake';
    waves[index] = { ...wave, status: bakes ? 'baking' : 'released', passedAt: now, ...(bakes ? {} : { releasedAt: now }), steps: [...d.steps] };
    const what = bakes ? `its clusters bake for ${bakeSeconds} s before ${index + 1 < waves.length ? 'the next wave' : 'the promotion'}` : 'released';
    return {
      record: { ...d, waves },
      events: [
        auditEvent(deps, req.service, 'WavePassed', `${waveLabel(d, index)} passed its steps; ${what}`, {
          deploymentId: d.id,
          wave: index,
          clusters,
          bakeSeconds,
        }),
      ],
    };
  });
  return { clusters, decision, bakeSeconds };
}

import { errorMessage } from '../../errors.js';
import type { DeploymentRecord, ServiceRecord } from '../../model/records.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';
import { startNextRollout } from './start-next-rollout.js';

const ACTIVE = new Set<DeploymentRecord['status']>(['pending', 'running', 'paused']);
/** The active deployment is among a service's newest (one runs at a time, the rest queue behind it). */
const RECENT = 20;
const CONCURRENCY = 8;
/**
 * Services carrying rollout traffic are checked at every run; the rest (a deployment left `running` or
 * `pending` without traffic) need a deployment listing each, so they are swept at most this often per
 * process (a cold start sweeps at once).
 */
const FULL_SWEEP_MS = 60_000;
let lastFullSweepAt = Number.NEGATIVE_INFINITY;

/**
 * The periodic safety net of the rollout queue (run with the health probe). For every service that
 * carries rollout traffic (every run) or has a deployment that has not ended (swept every minute):
 * - an active deployment's execution is ensured (started again when absent, e.g. after a restart) or,
 *   when over without having ended the deployment, the deployment is ended (a rejected one rolled
 *   back, never promoted, even after a restart), all in startNextRollout;
 * - a queued deployment with nothing running starts.
 * So no deployment stays `running` without a live execution, and a lost execution never blocks the
 * service's later deploys.
 */
export async function reconcileRollouts(deps: RolloutDeps<ServiceStore & DeploymentStore & RevisionStore>): Promise<{ checked: number; errors: string[] }> {
  const all = await deps.store.listAllServices();
  const nowMs = deps.clock.now().getTime();
  const sweep = nowMs - lastFullSweepAt >= FULL_SWEEP_MS;
  if (sweep) lastFullSweepAt = nowMs;
  const services = sweep ? all : all.filter((s) => s.traffic);
  const errors: string[] = [];
  let checked = 0;
  for (let i = 0; i < services.length; i += CONCURRENCY) {
    await Promise.all(
      services.slice(i, i + CONCURRENCY).map(async (service) => {
        try {
          if (await reconcileService(deps, service)) checked++;
        } catch (err) {
          errors.push(`${service.name}: ${errorMessage(err)}`);
        }
      }),
    );
  }
  return { checked, errors };
}

async function reconcileService(deps: RolloutDeps<ServiceStore & DeploymentStore & RevisionStore>, service: ServiceRecord): Promise<boolean> {
  const recent = (await deps.store.listDeployments(service.name, { limit: RECENT })).items;
  const active = recent.filter((d) => ACTIVE.has(d.status));
  if (!service.traffic && active.length === 0) return false;
  await startNextRollout(deps, service.name);
  return true;
}

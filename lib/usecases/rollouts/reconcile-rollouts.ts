import { errorMessage } from '../../errors.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';
import { startNextRollout } from './start-next-rollout.js';

/**
 * The periodic safety net of the rollout queue (run with the health probe): for every service that
 * carries rollout traffic, make sure its execution exists, or end a deployment whose execution is over,
 * so a lost execution never blocks the service's later deploys.
 */
export async function reconcileRollouts(deps: RolloutDeps): Promise<{ checked: number; errors: string[] }> {
  const inRollout = (await deps.store.listAllServices()).filter((s) => s.traffic);
  const errors: string[] = [];
  for (const service of inRollout) {
    await startNextRollout(deps, service.name).catch((err: unknown) => errors.push(`${service.name}: ${errorMessage(err)}`));
  }
  return { checked: inRollout.length, errors };
}

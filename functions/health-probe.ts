import middy from '@middy/core';
import type { App } from '../lib/composition/create-app.js';
import { composeAnalysingRolloutStarter } from '../lib/composition/handlers.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { runHealthProbe } from '../lib/usecases/health/run-health-probe.js';
import { releaseStalePins } from '../lib/usecases/optimizer/release-stale-pins.js';
import { reconcileRollouts } from '../lib/usecases/rollouts/reconcile-rollouts.js';
import { createLogger } from './middleware/logger.js';
import { singleRun } from './middleware/single-run.js';
import { traced } from './middleware/traced.js';

/**
 * Scheduled (EventBridge Scheduler): reconciles every service's cluster with the store (re-applying
 * drift, recording the observed status), reads pods, nodes and metrics and sends health signals; then
 * checks that every unended deployment still has its execution (or ends it), and lifts optimizer pins
 * to nodes that are gone.
 */
export function createHealthProbeHandler(app: App) {
  const log = createLogger('health-probe');
  return middy()
    .use(singleRun(app, 'health-probe'))
    .handler(async () => {
      const result = await runHealthProbe(app);
      (result.errors.length ? log.warn : log.debug).call(log, 'health probe finished', { ...result, errors: result.errors.slice(0, 20) });
      const rollouts = await reconcileRollouts(app);
      const pins = await releaseStalePins(app);
      const errors = [...rollouts.errors, ...pins.errors];
      if (errors.length) log.warn('reconciling rollouts and placements found errors', { errors: errors.slice(0, 20) });
      return { ...result, rolloutsChecked: rollouts.checked, pinsReleased: pins.released };
    });
}

export const handler = traced(composedFromEnvironment(composeAnalysingRolloutStarter, createHealthProbeHandler));

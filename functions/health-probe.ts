import middy from '@middy/core';
import type { App } from '../lib/composition/create-app.js';
import { composeAnalysingRolloutStarter } from '../lib/composition/handlers.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { runHealthProbe } from '../lib/usecases/health/run-health-probe.js';
import { releaseStalePins } from '../lib/usecases/optimizer/release-stale-pins.js';
import { reconcileRollouts } from '../lib/usecases/rollouts/reconcile-rollouts.js';
import { reconcileReleases } from '../lib/usecases/releases/reconcile-releases.js';
import { recordEdgeTraffic } from '../lib/usecases/traffic/record-edge-traffic.js';
import { createLogger } from './middleware/logger.js';
import { singleRun } from './middleware/single-run.js';
import { traced } from './middleware/traced.js';

/**
 * Scheduled (EventBridge Scheduler): reconciles every service's cluster with the store (re-applying
 * drift, recording the observed status), reads pods, nodes and metrics and sends health signals; then
 * checks that every unended deployment still has its execution (or ends it), lifts optimizer pins
 * to nodes that are gone, and records the observed call graph (one per-edge metrics read per cluster).
 */
export function createHealthProbeHandler(app: App) {
  const log = createLogger('health-probe');
  return middy()
    .use(singleRun(app, 'health-probe'))
    .handler(async () => {
      const result = await runHealthProbe(app);
      (result.errors.length ? log.warn : log.debug).call(log, 'health probe finished', { ...result, errors: result.errors.slice(0, 20) });
      const rollouts = await reconcileRollouts(app);
      // Release trains too: every unended release has a live execution, or is ended with the reason.
      const releases = await reconcileReleases(app);
      const pins = await releaseStalePins(app);
      // What the mesh view shows on its edges (rps, errors, p99, cross-zone share), read once per metrics source.
      const traffic = await recordEdgeTraffic(app);
      const errors = [...rollouts.errors, ...releases.errors, ...pins.errors, ...traffic.errors];
      if (errors.length) log.warn('reconciling rollouts and placements found errors', { errors: errors.slice(0, 20) });
      return { ...result, rolloutsChecked: rollouts.checked, releasesChecked: releases.checked, pinsReleased: pins.released, edgesObserved: traffic.edges };
    });
}

export const handler = traced(composedFromEnvironment(composeAnalysingRolloutStarter, createHealthProbeHandler));

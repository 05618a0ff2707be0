import middy from '@middy/core';
import type { App } from '../lib/composition/create-app.js';
import { fromEnvironment } from './middleware/from-environment.js';
import { runHealthProbe } from '../lib/usecases/health/run-health-probe.js';
import { createLogger } from './middleware/logger.js';

/** Scheduled (EventBridge Scheduler): reads every service's pods, nodes and metrics and sends health signals. */
export function createHealthProbeHandler(app: App) {
  const log = createLogger('health-probe');
  return middy().handler(async () => {
    const result = await runHealthProbe(app);
    (result.errors.length ? log.warn : log.info).call(log, 'health probe finished', { ...result, errors: result.errors.slice(0, 20) });
    return result;
  });
}

export const handler = fromEnvironment(createHealthProbeHandler);

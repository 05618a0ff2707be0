import middy from '@middy/core';
import type { App } from '../lib/composition/create-app.js';
import { fromEnvironment } from './middleware/from-environment.js';
import { OptimizerRunRequest, runOptimizer } from '../lib/usecases/optimizer/run-optimizer.js';
import { createLogger } from './middleware/logger.js';
import { singleRun } from './middleware/single-run.js';

/** Scheduled (EventBridge Scheduler): one placement optimizer run with the defaults (or the schedule's input). */
export function createOptimizerHandler(app: App) {
  const log = createLogger('optimizer');
  return middy().use(singleRun(app, 'optimizer')).handler(async (event: unknown) => {
    const detail = (event as { detail?: unknown } | undefined)?.detail;
    const request = OptimizerRunRequest.parse(detail && typeof detail === 'object' && !('schedule' in detail) ? detail : {});
    const run = await runOptimizer(app, request);
    log.info('optimizer run finished', { runId: run.id, status: run.status, moves: run.moves.length, reason: run.reason });
    return { id: run.id, status: run.status };
  });
}

export const handler = fromEnvironment(createOptimizerHandler);

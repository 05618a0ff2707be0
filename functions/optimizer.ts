import middy from '@middy/core';
import { createApp, type App } from '../lib/composition/create-app.js';
import { runtimeConfigFromEnv } from '../lib/composition/runtime-config.js';
import { OptimizerRunRequest, runOptimizer } from '../lib/usecases/optimizer/run-optimizer.js';
import { createLogger } from './middleware/logger.js';

/** Scheduled (EventBridge Scheduler): one placement optimizer run with the defaults (or the schedule's input). */
export function createOptimizerHandler(app: App) {
  const log = createLogger('optimizer');
  return middy().handler(async (event: unknown) => {
    const detail = (event as { detail?: unknown } | undefined)?.detail;
    const request = OptimizerRunRequest.parse(detail && typeof detail === 'object' && !('schedule' in detail) ? detail : {});
    const run = await runOptimizer(app, request);
    log.info('optimizer run finished', { runId: run.id, status: run.status, moves: run.moves.length, reason: run.reason });
    return { id: run.id, status: run.status };
  });
}

let instance: ReturnType<typeof createOptimizerHandler> | undefined;
export const handler = (event: unknown, context: Parameters<ReturnType<typeof createOptimizerHandler>>[1]) =>
  (instance ??= createOptimizerHandler(createApp(runtimeConfigFromEnv())))(event, context);

import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../lib/composition/create-app.js';
import { fromEnvironment } from './middleware/from-environment.js';
import { OptimizerRunRequest, runOptimizer } from '../lib/usecases/optimizer/run-optimizer.js';
import { handleOptimizerRequested } from '../lib/usecases/optimizer/handle-optimizer-requested.js';
import { createLogger } from './middleware/logger.js';
import { giveUpFor } from './middleware/give-up.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';

const isSqsEvent = (event: unknown): event is SQSEvent => Array.isArray((event as { Records?: unknown } | undefined)?.Records);

/**
 * The placement optimizer, two ways in: runs requested through `POST /v1/optimizer/runs` (the
 * optimizer-runs queue: each ends its operation with the run), and the schedule (EventBridge
 * Scheduler: one run with the defaults, or the schedule's input).
 */
export function createOptimizerHandler(app: App) {
  const log = createLogger('optimizer');
  const fromQueue = (event: SQSEvent): Promise<SQSBatchResponse> =>
    processFifoBatch(event, (envelope) => handleOptimizerRequested(app, envelope), log, undefined, giveUpFor('optimizerRuns', app));
  return middy().handler(async (event: unknown) => {
    if (isSqsEvent(event)) return fromQueue(event);
    const detail = (event as { detail?: unknown } | undefined)?.detail;
    const request = OptimizerRunRequest.parse(detail && typeof detail === 'object' && !('schedule' in detail) ? detail : {});
    const run = await runOptimizer(app, request);
    log.info('optimizer run finished', { runId: run.id, status: run.status, moves: run.moves.length, reason: run.reason });
    return { id: run.id, status: run.status };
  });
}

/** The optimizer-runs queue's consumer, for the local runtime (on Lambda the one handler takes both). */
export function createOptimizerRunsHandler(app: App) {
  const handle = createOptimizerHandler(app);
  return (event: SQSEvent, context: import('aws-lambda').Context) => handle(event, context) as Promise<SQSBatchResponse>;
}

export const handler = fromEnvironment(createOptimizerHandler);

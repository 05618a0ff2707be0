import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../lib/composition/create-app.js';
import { fromEnvironment } from './middleware/from-environment.js';
import { OptimizerRunRequest, runOptimizer } from '../lib/usecases/optimizer/run-optimizer.js';
import { OPTIMIZER_MAX_TIME_LIMIT_MS } from '../lib/usecases/optimizer/optimizer-run.js';
import { handleOptimizerRequested } from '../lib/usecases/optimizer/handle-optimizer-requested.js';
import { createLogger } from './middleware/logger.js';
import { withLease, withLeaseWhenFree } from '../lib/usecases/shared/lease.js';
import { TransientError } from '../lib/errors.js';
import { giveUpFor } from './middleware/give-up.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';
import { traced } from './middleware/traced.js';

const isSqsEvent = (event: unknown): event is SQSEvent => Array.isArray((event as { Records?: unknown } | undefined)?.Records);

/**
 * The placement optimizer, two ways in: runs requested through `POST /v1/optimizer/runs` (the
 * optimizer-runs queue: each ends its operation with the run), and the schedule (EventBridge
 * Scheduler: one run with the defaults, or the schedule's input).
 */
export function createOptimizerHandler(app: App) {
  const log = createLogger('optimizer');
  // One run at a time, whichever way it came in. A requested run that finds the lease held (a scheduled
  // run) waits for it while its own time limit still fits in the function's timeout (300 s, with room
  // for reading the mesh and applying moves), then is handed back to the queue and retried later.
  const LEASE_MS = 310_000;
  const RUN_BUDGET_MS = 250_000;
  const handle = async (envelope: Parameters<typeof handleOptimizerRequested>[1]) => {
    const timeLimitMs = OptimizerRunRequest.safeParse(envelope.payload.request ?? {}).data?.timeLimitMs ?? OPTIMIZER_MAX_TIME_LIMIT_MS;
    const maxWaitMs = Math.max(0, Math.min(120_000, RUN_BUDGET_MS - timeLimitMs));
    const outcome = await withLeaseWhenFree(app, 'optimizer', LEASE_MS, () => handleOptimizerRequested(app, envelope), { maxWaitMs });
    if (!outcome.ran) throw new TransientError(`another optimizer run holds the lease until ${outcome.until}; this one will be retried`);
    return outcome.result;
  };
  const fromQueue = (event: SQSEvent): Promise<SQSBatchResponse> => processFifoBatch(event, { handle, log, giveUp: giveUpFor('optimizerRuns', app) });
  return middy().handler(async (event: unknown) => {
    if (isSqsEvent(event)) return fromQueue(event);
    const detail = (event as { detail?: unknown } | undefined)?.detail;
    const request = OptimizerRunRequest.parse(detail && typeof detail === 'object' && !('schedule' in detail) ? detail : {});
    const outcome = await withLease(app, 'optimizer', LEASE_MS, () => runOptimizer(app, request));
    if (!outcome.ran) return { skipped: 'another optimizer run holds the lease', heldBy: outcome.heldBy, until: outcome.until };
    const run = outcome.result;
    log.info('optimizer run finished', { runId: run.id, status: run.status, moves: run.moves.length, reason: run.reason });
    return { id: run.id, status: run.status };
  });
}

/** The optimizer-runs queue's consumer, for the local runtime (on Lambda the one handler takes both). */
export function createOptimizerRunsHandler(app: App) {
  const handle = createOptimizerHandler(app);
  return (event: SQSEvent, context: import('aws-lambda').Context) => handle(event, context) as Promise<SQSBatchResponse>;
}

export const handler = traced(fromEnvironment(createOptimizerHandler));

import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../lib/composition/create-app.js';
import { fromEnvironment } from './middleware/from-environment.js';
import { applyServiceEvent } from '../lib/usecases/services/apply-service-event.js';
import { createLogger } from './middleware/logger.js';
import { giveUpFor } from './middleware/give-up.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';
import { timeBudget, type TimeBudgetContext } from './middleware/time-budget.js';

/**
 * Consumes service.registered / service.updated / service.deregistered from the service-events FIFO
 * queue: one consumer, because per-service ordering across the three holds only within one queue.
 */
export function createServiceEventHandler(app: App) {
  const log = createLogger('on-service-event');
  const giveUp = giveUpFor('serviceEvents', app);
  return middy<SQSEvent, SQSBatchResponse, Error, TimeBudgetContext>()
    .use(timeBudget())
    .handler((event, context) => processFifoBatch(event, { handle: (envelope) => applyServiceEvent(app, envelope), log, giveUp, signal: context.timeBudget }));
}

export const handler = fromEnvironment(createServiceEventHandler);

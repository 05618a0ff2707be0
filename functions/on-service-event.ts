import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../lib/composition/create-app.js';
import type { EventEnvelope } from '../lib/model/events.js';
import { fromEnvironment } from './middleware/from-environment.js';
import { applyServiceEvent } from '../lib/usecases/services/apply-service-event.js';
import { convergeService } from '../lib/usecases/services/converge-service.js';
import { createLogger } from './middleware/logger.js';
import { giveUpFor } from './middleware/give-up.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';
import { timeBudget, type TimeBudgetContext } from './middleware/time-budget.js';
import { traced } from './middleware/traced.js';

/**
 * Consumes service.registered / service.updated / service.deregistered from the service-events FIFO
 * queue: one consumer, because per-service ordering across the three holds only within one queue. It also
 * converges a service on request (service.converge, from handlers that hold no cluster access: the alarm
 * intake), in the same message group, so a request never overtakes a change of its service.
 */
export function createServiceEventHandler(app: App) {
  const log = createLogger('on-service-event');
  const giveUp = giveUpFor('serviceEvents', app);
  const handle = (envelope: EventEnvelope) => (envelope.type === 'service.converge' ? convergeService(app, envelope) : applyServiceEvent(app, envelope));
  return middy<SQSEvent, SQSBatchResponse, Error, TimeBudgetContext>()
    .use(timeBudget())
    .handler((event, context) => processFifoBatch(event, { handle, log, giveUp, signal: context.timeBudget }));
}

export const handler = traced(fromEnvironment(createServiceEventHandler));

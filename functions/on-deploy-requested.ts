import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../lib/composition/create-app.js';
import { composeRolloutStarter } from '../lib/composition/handlers.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { handleDeployRequested } from '../lib/usecases/rollouts/handle-deploy-requested.js';
import { createLogger } from './middleware/logger.js';
import { giveUpFor } from './middleware/give-up.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';
import { timeBudget, type TimeBudgetContext } from './middleware/time-budget.js';
import { traced } from './middleware/traced.js';

/** Consumes deploy.requested: records the deployment and starts its rollout. */
export function createDeployRequestedHandler(app: App) {
  const log = createLogger('on-deploy-requested');
  const giveUp = giveUpFor('deployRequests', app);
  return middy<SQSEvent, SQSBatchResponse, Error, TimeBudgetContext>()
    .use(timeBudget())
    .handler((event, context) =>
      processFifoBatch(event, { handle: (envelope) => handleDeployRequested(app, envelope), log, giveUp, signal: context.timeBudget }),
    );
}

export const handler = traced(composedFromEnvironment(composeRolloutStarter, createDeployRequestedHandler));

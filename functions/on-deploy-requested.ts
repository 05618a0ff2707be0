import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../lib/composition/create-app.js';
import { composeRolloutStarter } from '../lib/composition/handlers.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { handleDeployRequested } from '../lib/usecases/rollouts/handle-deploy-requested.js';
import { handleReleaseRequested } from '../lib/usecases/releases/handle-release-requested.js';
import type { EventEnvelope } from '../lib/model/events.js';
import { createLogger } from './middleware/logger.js';
import { giveUpFor } from './middleware/give-up.js';
import { releaseUnstarted } from '../lib/composition/release-unstarted.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';
import { timeBudget, type TimeBudgetContext } from './middleware/time-budget.js';
import { traced } from './middleware/traced.js';

/** Consumes deploy.requested (records the deployment, starts its rollout) and release.requested (records the release, starts its train). */
export function createDeployRequestedHandler(app: App) {
  const log = createLogger('on-deploy-requested');
  const giveUp = giveUpFor('deployRequests', app);
  const release = releaseUnstarted('deployRequests', app.config);
  return middy<SQSEvent, SQSBatchResponse, Error, TimeBudgetContext>()
    .use(timeBudget())
    .handler((event, context) =>
      processFifoBatch(event, {
        handle: (envelope: EventEnvelope) =>
          envelope.type === 'release.requested' ? handleReleaseRequested(app, envelope) : handleDeployRequested(app, envelope),
        log,
        giveUp,
        signal: context.timeBudget,
        release,
      }),
    );
}

export const handler = traced(composedFromEnvironment(composeRolloutStarter, createDeployRequestedHandler));

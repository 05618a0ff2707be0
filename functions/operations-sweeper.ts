import middy from '@middy/core';
import { createCore, type CoreApp } from '../lib/composition/create-core.js';
import { drainDeadLetters } from '../lib/usecases/operations/drain-dead-letters.js';
import { sweepExpiredOperations } from '../lib/usecases/operations/sweep-expired-operations.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { createLogger } from './middleware/logger.js';
import { timeBudget, type TimeBudgetContext } from './middleware/time-budget.js';
import { traced } from './middleware/traced.js';

/**
 * Scheduled (EventBridge Scheduler, every minute): drains the dead-letter queues into failed
 * operations with their last error, sends the events of operations whose enqueue was never confirmed,
 * then fails the pending operations past their deadline.
 */
export function createOperationsSweeperHandler(app: CoreApp) {
  const log = createLogger('operations-sweeper');
  return middy<unknown, unknown, Error, TimeBudgetContext>()
    .use(timeBudget())
    .handler(async (_event, context) => {
      const drained = await drainDeadLetters(app, { signal: context.timeBudget });
      const swept = await sweepExpiredOperations(app, { signal: context.timeBudget });
      const errors = [...drained.errors, ...swept.errors];
      if (drained.failed || swept.failed || swept.resent || errors.length)
        (errors.length ? log.warn : log.info).call(log, 'operations swept', {
          drained,
          swept: { expired: swept.expired, failed: swept.failed, resent: swept.resent },
          errors: errors.slice(0, 20),
        });
      return {
        drained: { read: drained.read, failed: drained.failed, deleted: drained.deleted, kept: drained.kept },
        swept: { expired: swept.expired, failed: swept.failed, resent: swept.resent },
      };
    });
}

// It needs the store and the queues only: it composes `createCore` and bundles no Kubernetes client.
export const handler = traced(composedFromEnvironment(createCore, createOperationsSweeperHandler));

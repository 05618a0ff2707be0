import type { App } from '../../lib/composition/create-app.js';
import { QUEUES, type QueueDefinition } from '../../lib/platform/resources.js';
import { giveUpOperation, noteOperationError } from '../../lib/usecases/operations/give-up-operation.js';
import type { GiveUp } from './sqs-fifo-batch.js';

/**
 * A failed record's operation remembers the error; on the last receive of its queue (from the shared
 * queue definition) the operation is failed with it.
 */
export function giveUpFor(queue: QueueDefinition['id'], app: App): GiveUp {
  const definition = QUEUES.find((q) => q.id === queue)!;
  return {
    maxReceiveCount: definition.maxReceiveCount,
    onGiveUp: (operation, reason) => giveUpOperation(app, operation, reason),
    onFailure: (operation, reason) => noteOperationError(app, operation, reason),
  };
}

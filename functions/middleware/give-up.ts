import type { App } from '../../lib/composition/create-app.js';
import { QUEUES, type QueueDefinition } from '../../lib/platform/resources.js';
import { giveUpOperation } from '../../lib/usecases/operations/give-up-operation.js';
import type { GiveUp } from './sqs-fifo-batch.js';

/** Fails a message's operation on the last receive of its queue (from the shared queue definition). */
export function giveUpFor(queue: QueueDefinition['id'], app: App): GiveUp {
  const definition = QUEUES.find((q) => q.id === queue)!;
  return { maxReceiveCount: definition.maxReceiveCount, onGiveUp: (event, reason) => giveUpOperation(app, event, reason) };
}

import { OperationCompletedError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import type { CoreDeps } from '../deps.js';
import { auditEvent } from '../shared/mutate.js';

/**
 * Ends the operation of a message that is about to go to the DLQ (its last receive failed): failed,
 * with the last error as the reason, so `GET /v1/operations/{id}` never stays pending for it.
 */
export async function giveUpOperation(deps: CoreDeps, event: EventEnvelope, reason: string): Promise<void> {
  const operation = await deps.store.getOperation(event.id);
  if (!operation || operation.status !== 'pending') return;
  const message = `gave up after the last retry; the message is in the dead-letter queue: ${reason}`;
  await deps.store
    .completeOperation({ id: event.id, status: 'failed', reason: message }, [auditEvent(deps, event.service, 'OperationFailed', `${event.type} failed: ${message}`, undefined, event.id)])
    .catch((err: unknown) => {
      if (!(err instanceof OperationCompletedError)) throw err;
    });
}

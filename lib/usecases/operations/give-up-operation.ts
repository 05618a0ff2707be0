import { OperationCompletedError } from '../../errors.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { CoreDeps } from '../deps.js';
import { auditEvent } from '../shared/mutate.js';

/** What a queue record says about its operation; a body that is not a full envelope may still name one. */
export interface OperationRef {
  /** The operation id (an envelope's `id`). */
  id: string;
  /** The event type, when known (for the audit message). */
  type?: string;
}

/**
 * Ends the operation of a message that is about to go to the DLQ (its last receive failed): failed,
 * with the last error as the reason, so `GET /v1/operations/{id}` never stays pending for it. Returns
 * false when no pending operation has that id (ended already, or the message named none).
 */
export async function giveUpOperation(deps: CoreDeps<OperationStore>, ref: OperationRef, reason: string): Promise<boolean> {
  return failPendingOperation(deps, ref, `gave up after the last retry; the message goes to the dead-letter queue: ${reason}`);
}

/** Remembers why an attempt failed, so whoever gives up later (DLQ drain, sweep) can quote it. */
export async function noteOperationError(deps: CoreDeps<OperationStore>, ref: OperationRef, error: string): Promise<boolean> {
  return deps.store.noteOperationError(ref.id, error);
}

/**
 * Fails a pending operation with `reason` and an OperationFailed audit event on its service, in one
 * write. Idempotent: false when it has ended already (or does not exist).
 */
export async function failPendingOperation(deps: CoreDeps<OperationStore>, ref: OperationRef, reason: string): Promise<boolean> {
  const operation = await deps.store.getOperation(ref.id);
  if (!operation || operation.status !== 'pending') return false;
  const what = ref.type ?? `${operation.kind} operation`;
  try {
    await deps.store.completeOperation({ id: ref.id, status: 'failed', reason }, [
      auditEvent(deps, operation.service, 'OperationFailed', `${what} failed: ${reason}`, undefined, ref.id),
    ]);
    return true;
  } catch (err) {
    if (err instanceof OperationCompletedError) return false;
    throw err;
  }
}

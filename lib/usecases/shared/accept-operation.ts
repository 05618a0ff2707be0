import { errorMessage, OperationCompletedError, TransientError } from '../../errors.js';
import { newId } from '../../ids.js';
import { SCHEMA_VERSION, type EventEnvelope, type EventType } from '../../model/events.js';
import type { OperationKind, OperationRecord } from '../../model/records.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { CoreDeps } from '../deps.js';
import { operationDeadline } from './operation-deadline.js';
import { crashPoint } from '../../platform/crash-points.js';

export interface OperationRequest {
  kind: OperationKind;
  type: EventType;
  service: string;
  payload: Record<string, unknown>;
  correlationId?: string;
  /**
   * A fixed operation id makes accepting idempotent: a second accept with the same id returns the
   * first operation and enqueues again under the same deduplication id (a no-op for SQS and handlers).
   */
  id?: string;
}

/**
 * How long after accepting an operation the sweep sends its event itself if the enqueue was never
 * confirmed (the process died in between). A send that was in fact made carries the same deduplication
 * id, so the queue drops the copy within its five-minute window and handlers ignore a finished operation.
 */
export const OUTBOX_RESEND_AFTER_SECONDS = 15;

/**
 * The front half of every write: record a pending operation (readable at once through the API) with
 * the event that carries it (an outbox), enqueue the event, then confirm the enqueue. If the enqueue
 * fails the operation is marked failed with the reason and the caller gets a retryable error. If the
 * process dies before confirming, the sweep sends the event (see sweep-expired-operations.ts). The
 * operation carries a deadline (operation-deadline.ts): the sweep fails it then at the latest.
 */
export async function acceptOperation(deps: CoreDeps<OperationStore>, request: OperationRequest): Promise<OperationRecord> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const id = request.id ?? newId('op', now);
  const event: EventEnvelope = {
    id,
    type: request.type,
    service: request.service,
    occurredAt: at,
    correlationId: request.correlationId ?? id,
    schemaVersion: SCHEMA_VERSION,
    payload: request.payload,
  };
  const operation: OperationRecord = {
    id,
    kind: request.kind,
    service: request.service,
    status: 'pending',
    createdAt: at,
    updatedAt: at,
    deadline: operationDeadline(request.type, now),
  };
  const resendAt = new Date(now.getTime() + OUTBOX_RESEND_AFTER_SECONDS * 1000).toISOString();
  try {
    await deps.store.createOperation({ ...operation, outbox: { event, resendAt } });
    crashPoint(`${request.kind}.after-operation-written`);
  } catch (err) {
    if (!(request.id && err instanceof OperationCompletedError)) throw err;
    const existing = await deps.store.getOperation(request.id);
    if (existing && existing.status !== 'pending') return existing;
  }
  try {
    await deps.queue.send(event);
  } catch (err) {
    const reason = `could not enqueue the request: ${errorMessage(err)}`;
    await deps.store.completeOperation({ id: operation.id, status: 'failed', reason }, []).catch(() => undefined);
    throw new TransientError(`${reason}; nothing was changed, try again`, { cause: err });
  }
  crashPoint(`${request.kind}.after-enqueue`);
  // Unconfirmed, the sweep would only send a duplicate that the queue and the handlers drop.
  await deps.store.markOperationSent(operation).catch(() => undefined);
  return operation;
}

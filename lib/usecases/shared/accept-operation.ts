import { errorMessage, OperationCompletedError, TransientError } from '../../errors.js';
import { newId } from '../../ids.js';
import { SCHEMA_VERSION, type EventType } from '../../model/events.js';
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
 * The front half of every write: record a pending operation (readable at once through the API), then
 * enqueue the event that names it. If the enqueue fails the operation is marked failed with the reason
 * and the caller gets a retryable error, so nothing is left pending forever. The operation carries a
 * deadline (see operation-deadline.ts): the sweep fails it then at the latest, whatever else went wrong.
 */
export async function acceptOperation(deps: CoreDeps<OperationStore>, request: OperationRequest): Promise<OperationRecord> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const operation: OperationRecord = {
    id: request.id ?? newId('op', now),
    kind: request.kind,
    service: request.service,
    status: 'pending',
    createdAt: at,
    updatedAt: at,
    deadline: operationDeadline(request.type, now),
  };
  try {
    await deps.store.createOperation(operation);
    crashPoint(`${request.kind}.after-operation-written`);
  } catch (err) {
    if (!(request.id && err instanceof OperationCompletedError)) throw err;
    const existing = await deps.store.getOperation(request.id);
    if (existing && existing.status !== 'pending') return existing;
  }
  try {
    await deps.queue.send({
      id: operation.id,
      type: request.type,
      service: request.service,
      occurredAt: at,
      correlationId: request.correlationId ?? operation.id,
      schemaVersion: SCHEMA_VERSION,
      payload: request.payload,
    });
  } catch (err) {
    const reason = `could not enqueue the request: ${errorMessage(err)}`;
    await deps.store.completeOperation({ id: operation.id, status: 'failed', reason }, []).catch(() => undefined);
    throw new TransientError(`${reason}; nothing was changed, try again`, { cause: err });
  }
  crashPoint(`${request.kind}.after-enqueue`);
  return operation;
}

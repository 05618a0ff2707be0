import { errorMessage, TransientError } from '../../errors.js';
import { newId } from '../../ids.js';
import { SCHEMA_VERSION, type EventType } from '../../model/events.js';
import type { OperationKind, OperationRecord } from '../../model/records.js';
import type { CoreDeps } from '../deps.js';

export interface OperationRequest {
  kind: OperationKind;
  type: EventType;
  service: string;
  payload: Record<string, unknown>;
  correlationId?: string;
}

/**
 * The front half of every write: record a pending operation (readable at once through the API), then
 * enqueue the event that names it. If the enqueue fails the operation is marked failed with the reason
 * and the caller gets a retryable error, so nothing is left pending forever.
 */
export async function acceptOperation(deps: CoreDeps, request: OperationRequest): Promise<OperationRecord> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const operation: OperationRecord = {
    id: newId('op', now),
    kind: request.kind,
    service: request.service,
    status: 'pending',
    createdAt: at,
    updatedAt: at,
  };
  await deps.store.createOperation(operation);
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
  return operation;
}

import type { AuditEvent, OperationRecord, OperationStatus } from '../model/records.js';

/** Completes a pending operation; fails with OperationCompletedError if it is no longer pending. */
export interface OperationOutcome {
  id: string;
  status: Exclude<OperationStatus, 'pending'>;
  reason?: string;
  result?: Record<string, unknown>;
}

/** The operations a caller was given (202 Accepted), from accepted to completed. */
export interface OperationStore {
  /** Fails with OperationCompletedError when an operation with this id exists already. */
  createOperation(op: OperationRecord): Promise<void>;
  getOperation(id: string): Promise<OperationRecord | undefined>;
  /** Completes an operation with audit events, in one write. */
  completeOperation(outcome: OperationOutcome, events: AuditEvent[]): Promise<void>;
  /** Remembers the last error of a pending operation (`lastError`); false when it is not pending (or unknown). */
  noteOperationError(id: string, error: string): Promise<boolean>;
  /**
   * Pending operations due for the sweep at `now` (ISO), earliest first, at most `limit`: those whose
   * enqueue is unconfirmed past their `outbox.resendAt`, and the others past their deadline.
   */
  listExpiredOperations(now: string, limit: number): Promise<OperationRecord[]>;
  /**
   * The operation's event is on its queue: drops the outbox copy and lists the operation by its deadline
   * from now on. False when it is no longer pending or was confirmed already.
   */
  markOperationSent(op: Pick<OperationRecord, 'id' | 'deadline'>): Promise<boolean>;
}

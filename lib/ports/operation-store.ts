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
  /** Pending operations whose deadline is before `now` (ISO), earliest deadline first, at most `limit`. */
  listExpiredOperations(now: string, limit: number): Promise<OperationRecord[]>;
}

import { errorMessage } from '../../errors.js';
import type { OperationRecord } from '../../model/records.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { CoreDeps } from '../deps.js';
import { failPendingOperation } from './give-up-operation.js';

export interface SweepResult {
  /** Pending operations found past their deadline. */
  expired: number;
  /** Of those, ended by this sweep (the rest ended meanwhile). */
  failed: number;
  /** Operations whose enqueue was never confirmed, sent by this sweep from their outbox. */
  resent: number;
  errors: string[];
}

/** At most this many per run; the next run takes the rest. */
export const MAX_EXPIRED_PER_SWEEP = 200;

/** The reason an expired operation is failed with: what happened, what is known, what to do. */
export function expiredReason(operation: OperationRecord): string {
  const known = operation.lastError ? `the last error was: ${operation.lastError}` : 'no attempt reported an error, so its message was probably lost';
  return (
    `not finished by its deadline ${operation.deadline}; ${known}. ` +
    `Check the service's events (GET /v1/services/${operation.service}/events) and send the request again`
  );
}

/**
 * The backstop that makes every accepted operation end. An operation recorded but never confirmed as
 * enqueued (the process died between the two) has its event sent from its outbox. Pending operations
 * past their deadline (set when accepted, see operation-deadline.ts) are failed with a reason a person
 * can act on: whatever left them pending — a lost message, a crash between steps, a drain that never
 * ran — they end here.
 */
export async function sweepExpiredOperations(deps: CoreDeps<OperationStore>, options: { signal?: AbortSignal } = {}): Promise<SweepResult> {
  const now = deps.clock.now().toISOString();
  const due = await deps.store.listExpiredOperations(now, MAX_EXPIRED_PER_SWEEP);
  const result: SweepResult = { expired: 0, failed: 0, resent: 0, errors: [] };
  for (const operation of due) {
    if (options.signal?.aborted) break;
    try {
      if (operation.outbox && !(operation.deadline && operation.deadline < now)) {
        // Recorded, but the enqueue was never confirmed: the process died in between, or the confirm failed.
        await deps.queue.send(operation.outbox.event);
        await deps.store.markOperationSent(operation);
        result.resent++;
        continue;
      }
      result.expired++;
      if (await failPendingOperation(deps, { id: operation.id }, expiredReason(operation))) result.failed++;
    } catch (err) {
      result.errors.push(`${operation.id}: ${errorMessage(err)}`);
    }
  }
  return result;
}

import { errorMessage } from '../../errors.js';
import type { DeadLetter, DeadLetterQueues } from '../../ports/event-queue.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { CoreDeps } from '../deps.js';
import { failPendingOperation, type OperationRef } from './give-up-operation.js';

export interface DrainDeadLettersDeps extends CoreDeps<OperationStore> {
  deadLetters: DeadLetterQueues;
}

export interface DrainResult {
  /** Dead letters read. */
  read: number;
  /** Operations this drain ended (failed). */
  failed: number;
  /** Letters deleted: their operation has ended (now or before). */
  deleted: number;
  /** Letters left in their queue for a person: they name no operation meshplane knows. */
  kept: number;
  errors: string[];
}

/** At most this many letters per run; the next run (a minute later) takes the rest. */
export const MAX_LETTERS_PER_DRAIN = 200;

/**
 * Drains the dead-letter queues into failed operations: a message that reached a DLQ ends its
 * operation `failed` with the last error recorded on it (or, if none was, a reason naming the queue and
 * receive count), then it is deleted. Idempotent: a letter whose operation has ended is just deleted.
 * Letters that name no known operation (a malformed body, a CloudWatch alarm event) stay for a person,
 * where the DLQ alarm points. Stops starting new letters once `signal` fires.
 */
export async function drainDeadLetters(deps: DrainDeadLettersDeps, options: { signal?: AbortSignal; max?: number } = {}): Promise<DrainResult> {
  const result: DrainResult = { read: 0, failed: 0, deleted: 0, kept: 0, errors: [] };
  const letters = await deps.deadLetters.receive(options.max ?? MAX_LETTERS_PER_DRAIN);
  result.read = letters.length;
  for (const letter of letters) {
    if (options.signal?.aborted) break;
    try {
      const ref = operationOf(letter);
      const operation = ref ? await deps.store.getOperation(ref.id) : undefined;
      if (!ref || !operation) {
        result.kept++;
        continue;
      }
      if (operation.status === 'pending') {
        const cause = operation.lastError ?? `no error was recorded (it failed ${letter.receiveCount} receives of its queue)`;
        const reason = `gave up: the message went to the dead-letter queue ${letter.queue}; last error: ${cause}`;
        if (await failPendingOperation(deps, ref, reason)) result.failed++;
      }
      await deps.deadLetters.delete(letter);
      result.deleted++;
    } catch (err) {
      result.errors.push(`${letter.queue}: ${errorMessage(err)}`);
    }
  }
  return result;
}

/** The operation a dead letter names: an envelope's `id` (and `type`), read leniently. */
function operationOf(letter: DeadLetter): OperationRef | undefined {
  try {
    const body = JSON.parse(letter.body) as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || typeof body.id !== 'string' || !body.id) return undefined;
    return { id: body.id, ...(typeof body.type === 'string' ? { type: body.type } : {}) };
  } catch {
    return undefined;
  }
}

import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { EventEnvelope } from '../../lib/model/events.js';
import type { OperationRef } from '../../lib/usecases/operations/give-up-operation.js';

/**
 * Handles one record. `signal` fires when the invocation's time budget runs out: a handler that can
 * stop early should, the batch will not start another record after it.
 */
export type RecordHandler = (event: EventEnvelope, record: SQSRecord, signal?: AbortSignal) => Promise<unknown>;

export type BatchLogger = Pick<Logger, 'info' | 'error'>;

export interface GiveUp {
  /** Receives after which the queue moves a message to its DLQ. */
  maxReceiveCount: number;
  /** Called when a record fails on its last receive (e.g. to fail its operation with the reason). */
  onGiveUp(operation: OperationRef, reason: string): Promise<unknown>;
  /** Called when a record fails before its last receive (e.g. to remember the error on its operation). */
  onFailure?(operation: OperationRef, reason: string): Promise<unknown>;
}

export interface FifoBatchOptions {
  handle: RecordHandler;
  log: BatchLogger;
  /** Turns a body that is not an envelope (e.g. an EventBridge event) into one; undefined rejects it. */
  adopt?: (body: unknown) => EventEnvelope | undefined;
  /** What to do with a record's operation when it fails; without it, failures are only logged. */
  giveUp?: GiveUp;
  /** The invocation's time budget (see `timeBudget`): once aborted, no further record is started. */
  signal?: AbortSignal;
  /**
   * Makes records that were not started (held back behind a failed record of their group, or cut by the
   * time budget) visible again at once, instead of after the queue's visibility timeout (see
   * `releaseUnstarted`). Called once per batch, with the records in reverse batch order. Best effort:
   * without it, or when it fails, they come back after the visibility timeout.
   */
  release?: (records: SQSRecord[]) => Promise<void>;
  /** Message groups processed at once (records of one group always run one after another). Default {@link GROUP_CONCURRENCY}. */
  concurrency?: number;
  /**
   * How long, once `signal` has fired, the batch still waits for records in work before it answers with
   * them reported as failed (they come back after the visibility timeout; a redelivery of finished work
   * is a duplicate, which every handler ignores). Without this the function's timeout ends the
   * invocation and every record of the batch comes back, the finished ones too. Default
   * {@link IN_FLIGHT_GRACE_MS}: within the time budget's smallest safety margin.
   */
  inFlightGraceMs?: number;
}

/** Why a record was not processed, and the operation it carries (when the body names one). */
interface Failure {
  operation?: OperationRef;
  reason: string;
}

export const OUT_OF_TIME = "not processed before the handler's time ran out";

/** Message groups of one batch processed at once by default: a whole batch of Lambda's SQS event source (10). */
export const GROUP_CONCURRENCY = 10;

/** Default {@link FifoBatchOptions.inFlightGraceMs}. */
export const IN_FLIGHT_GRACE_MS = 1_000;

export const STILL_IN_WORK = "still in work when the handler's time ran out; it comes back after the visibility timeout";

/**
 * Processes a FIFO batch with partial batch failure. The records of different message groups run
 * concurrently (at most `concurrency` groups at once); the records of one group run one after another,
 * in batch order. Records succeed or fail on their own, except that once a record of a message group
 * fails, the group's later records are failed unprocessed: they must not overtake it (what Lambda
 * requires for FIFO queues). Once `signal` fires, the records not started yet fail unprocessed too. A
 * record that is not a valid envelope fails, so after a few receives it lands in the DLQ, where an alarm
 * watches. A record without a group (a standard queue) is a group of its own.
 *
 * Every failed record — handled and failed, held back, not started, or unreadable — is handed to
 * `giveUp` with its reason: on its last receive its operation ends failed (it is about to go to the
 * DLQ), before that the reason is remembered on the operation. The records that were never started are
 * then handed to `release`, so they come back at once rather than after the visibility timeout (a held
 * back record still waits for its group's failed record: SQS returns no record of a group while an
 * earlier one is in flight).
 *
 * @example
 * processFifoBatch(event, { handle: (envelope, _record, signal) => applyServiceEvent(app, envelope), log, giveUp, signal, release })
 */
export async function processFifoBatch(event: SQSEvent, options: FifoBatchOptions): Promise<SQSBatchResponse> {
  const { handle, log, adopt, giveUp, signal, release } = options;
  const succeeded = new Set<string>();
  const unstarted = new Set<string>();
  /** Records whose handler has not returned yet. */
  const inWork = new Set<SQSRecord>();
  /** Records handed to the handler, or failed as unreadable: these back off, they are never released. */
  const attempted = new Set<string>();
  /** Set once the batch has answered while records were still in work: the groups then stop where they are. */
  let answered = false;

  const fail = async (record: SQSRecord, failure: Failure): Promise<void> => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    const last = giveUp !== undefined && receiveCount >= giveUp.maxReceiveCount;
    log.error(last ? 'record failed on its last receive; giving up' : 'record failed; it will be retried', {
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
      operationId: failure.operation?.id,
      error: failure.reason,
    });
    if (!giveUp || !failure.operation) return;
    const report = last ? giveUp.onGiveUp : giveUp.onFailure;
    await report
      ?.call(giveUp, failure.operation, failure.reason)
      .catch((e: unknown) =>
        log.error(last ? 'could not record giving up' : 'could not record the error', { operationId: failure.operation?.id, error: String(e) }),
      );
  };

  /** One message group's records, in order; returns once each has succeeded or failed. */
  const processGroup = async (records: SQSRecord[]): Promise<void> => {
    /** Why the group's later records are held back, once one has failed. */
    let heldBehind: string | undefined;
    for (const record of records) {
      if (answered) return;
      const read = readRecord(record.body, adopt);
      const operation = read.envelope ? { id: read.envelope.id, type: read.envelope.type } : read.operation;
      if (heldBehind !== undefined || signal?.aborted) {
        unstarted.add(record.messageId);
        await fail(record, { operation, reason: heldBehind ?? OUT_OF_TIME });
        continue;
      }
      let reason: string;
      attempted.add(record.messageId);
      if (read.envelope) {
        inWork.add(record);
        try {
          const outcome = await handle(read.envelope, record, signal);
          log.info('record processed', {
            messageId: record.messageId,
            type: read.envelope.type,
            serviceName: read.envelope.service,
            operationId: read.envelope.id,
            outcome: JSON.stringify(outcome),
          });
          succeeded.add(record.messageId);
          continue;
        } catch (err) {
          reason = err instanceof Error ? err.message : String(err);
        } finally {
          inWork.delete(record);
        }
      } else {
        reason = read.problem;
      }
      if (answered) return;
      await fail(record, { operation, reason });
      if (record.attributes.MessageGroupId) {
        const behind = operation ? `operation ${operation.id}` : `message ${record.messageId}`;
        heldBehind = `held back behind ${behind} which failed: ${reason}`;
      }
    }
  };

  const groups = new Map<string, SQSRecord[]>();
  for (const record of event.Records) {
    // A record without a group (a standard queue) blocks nothing: a group of its own.
    const key = record.attributes.MessageGroupId !== undefined ? `g:${record.attributes.MessageGroupId}` : `m:${record.messageId}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const processed = mapConcurrently([...groups.values()], options.concurrency ?? GROUP_CONCURRENCY, processGroup);
  if ((await untilAbortedAndGrace(processed, signal, options.inFlightGraceMs ?? IN_FLIGHT_GRACE_MS)) === 'grace over') {
    answered = true;
    // Records in work are reported failed, neither given up (the work may still succeed) nor released (it is in work);
    // the records of their groups behind them were not started: released, they still wait behind them.
    for (const record of event.Records) if (!attempted.has(record.messageId)) unstarted.add(record.messageId);
    log.error('answering with records still in work; they come back after the visibility timeout', {
      records: inWork.size,
      messageIds: [...inWork].map((r) => r.messageId),
      error: STILL_IN_WORK,
    });
  }

  const notStarted = event.Records.filter((r) => unstarted.has(r.messageId)).reverse();
  if (release && notStarted.length)
    await release(notStarted).catch((e: unknown) =>
      log.error('could not release the records not started; they come back after the visibility timeout', { records: notStarted.length, error: String(e) }),
    );
  // Everything that did not succeed is reported, in batch order (as Lambda reads them): nothing is deleted unfinished.
  return { batchItemFailures: event.Records.filter((r) => !succeeded.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}

/** Waits for `work`; once `signal` has fired, for `graceMs` more at most. */
async function untilAbortedAndGrace(work: Promise<void>, signal: AbortSignal | undefined, graceMs: number): Promise<'done' | 'grace over'> {
  if (!signal) return work.then(() => 'done');
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const graceOver = new Promise<'grace over'>((resolve) => {
    onAbort = () => {
      timer = setTimeout(() => resolve('grace over'), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), graceOver]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}

/** `work` over every item, at most `limit` at a time; `work` must not reject. */
async function mapConcurrently<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

type ReadRecord = { envelope: EventEnvelope; operation?: undefined; problem?: undefined } | { envelope?: undefined; operation?: OperationRef; problem: string };

/** The record's envelope; else why not, and the operation id its body names if it names one. */
function readRecord(body: string, adopt: FifoBatchOptions['adopt']): ReadRecord {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { problem: `not a meshplane event: the body is not JSON (${(err as Error).message})` };
  }
  const parsed = EventEnvelope.safeParse(json);
  if (parsed.success) return { envelope: parsed.data };
  const adopted = adopt?.(json);
  if (adopted) return { envelope: adopted };
  const problem = `not a meshplane event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  const named = json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  if (typeof named.id !== 'string' || !named.id) return { problem };
  return { problem, operation: { id: named.id, ...(typeof named.type === 'string' ? { type: named.type } : {}) } };
}

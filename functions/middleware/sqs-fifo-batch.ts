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
}

/** Why a record was not processed, and the operation it carries (when the body names one). */
interface Failure {
  operation?: OperationRef;
  reason: string;
}

export const OUT_OF_TIME = "not processed before the handler's time ran out";

/**
 * Processes a FIFO batch with partial batch failure. Records succeed or fail on their own, except that
 * once a record of a message group fails, the group's later records are failed unprocessed: they must
 * not overtake it (what Lambda requires for FIFO queues). Once `signal` fires, the records not started
 * yet fail unprocessed too. A record that is not a valid envelope fails, so after a few receives it
 * lands in the DLQ, where an alarm watches.
 *
 * Every failed record — handled and failed, held back, not started, or unreadable — is handed to
 * `giveUp` with its reason: on its last receive its operation ends failed (it is about to go to the
 * DLQ), before that the reason is remembered on the operation.
 *
 * @example
 * processFifoBatch(event, { handle: (envelope, _record, signal) => applyServiceEvent(app, envelope), log, giveUp, signal })
 */
export async function processFifoBatch(event: SQSEvent, options: FifoBatchOptions): Promise<SQSBatchResponse> {
  const { handle, log, adopt, giveUp, signal } = options;
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  /** Message group → why its later records are held back. */
  const blockedGroups = new Map<string, string>();

  const fail = async (record: SQSRecord, failure: Failure): Promise<void> => {
    failures.push({ itemIdentifier: record.messageId });
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

  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? '';
    const read = readRecord(record.body, adopt);
    const operation = read.envelope ? { id: read.envelope.id, type: read.envelope.type } : read.operation;
    const heldBehind = group ? blockedGroups.get(group) : undefined;
    if (heldBehind !== undefined) {
      await fail(record, { operation, reason: heldBehind });
      continue;
    }
    if (signal?.aborted) {
      await fail(record, { operation, reason: OUT_OF_TIME });
      continue;
    }
    let reason: string;
    if (read.envelope) {
      try {
        const outcome = await handle(read.envelope, record, signal);
        log.info('record processed', {
          messageId: record.messageId,
          type: read.envelope.type,
          serviceName: read.envelope.service,
          operationId: read.envelope.id,
          outcome: JSON.stringify(outcome),
        });
        continue;
      } catch (err) {
        reason = err instanceof Error ? err.message : String(err);
      }
    } else {
      reason = read.problem;
    }
    await fail(record, { operation, reason });
    if (group) {
      const behind = operation ? `operation ${operation.id}` : `message ${record.messageId}`;
      blockedGroups.set(group, `held back behind ${behind} which failed: ${reason}`);
    }
  }
  return { batchItemFailures: failures };
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

import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { EventEnvelope } from '../../lib/model/events.js';

export type RecordHandler = (event: EventEnvelope, record: SQSRecord) => Promise<unknown>;

export type BatchLogger = Pick<Logger, 'info' | 'error'>;

export interface GiveUp {
  /** Receives after which the queue moves a message to its DLQ. */
  maxReceiveCount: number;
  /** Called when a record fails on its last receive (e.g. to fail its operation with the reason). */
  onGiveUp(event: EventEnvelope, reason: string): Promise<void>;
}

/**
 * Processes a FIFO batch with partial batch failure. Records succeed or fail on their own, except that
 * once a record of a message group fails, the group's later records are failed unprocessed: they must
 * not overtake it (what Lambda requires for FIFO queues). A record that is not a valid envelope fails,
 * so after a few receives it lands in the DLQ, where an alarm watches. A record failing on its last
 * receive is handed to `giveUp` first, so its operation ends failed with the reason.
 */
export async function processFifoBatch(
  event: SQSEvent,
  handle: RecordHandler,
  log: BatchLogger,
  /** Turns a body that is not an envelope (e.g. an EventBridge event) into one; undefined rejects it. */
  adopt?: (body: unknown) => EventEnvelope | undefined,
  giveUp?: GiveUp,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const blockedGroups = new Set<string>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? '';
    if (blockedGroups.has(group)) {
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    let envelope: EventEnvelope | undefined;
    try {
      const body = JSON.parse(record.body);
      const parsed = EventEnvelope.safeParse(body);
      envelope = parsed.success ? parsed.data : adopt?.(body);
      if (!envelope) throw new Error(`not a meshplane event: ${parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const outcome = await handle(envelope, record);
      log.info('record processed', { messageId: record.messageId, type: envelope.type, serviceName: envelope.service, operationId: envelope.id, outcome: JSON.stringify(outcome) });
    } catch (err) {
      log.error('record failed; it will be retried', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: err instanceof Error ? err.message : String(err),
      });
      failures.push({ itemIdentifier: record.messageId });
      if (group) blockedGroups.add(group);
      if (envelope && giveUp && Number(record.attributes.ApproximateReceiveCount) >= giveUp.maxReceiveCount) {
        await giveUp.onGiveUp(envelope, err instanceof Error ? err.message : String(err)).catch((e: unknown) => log.error('could not record giving up', { error: String(e) }));
      }
    }
  }
  return { batchItemFailures: failures };
}

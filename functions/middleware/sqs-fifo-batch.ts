import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { EventEnvelope } from '../../lib/model/events.js';

export type RecordHandler = (event: EventEnvelope, record: SQSRecord) => Promise<unknown>;

export type BatchLogger = Pick<Logger, 'info' | 'error'>;

/**
 * Processes a FIFO batch with partial batch failure. Records succeed or fail on their own, except that
 * once a record of a message group fails, the group's later records are failed unprocessed: they must
 * not overtake it (what Lambda requires for FIFO queues). A record that is not a valid envelope fails,
 * so after a few receives it lands in the DLQ, where an alarm watches.
 */
export async function processFifoBatch(
  event: SQSEvent,
  handle: RecordHandler,
  log: BatchLogger,
  /** Turns a body that is not an envelope (e.g. an EventBridge event) into one; undefined rejects it. */
  adopt?: (body: unknown) => EventEnvelope | undefined,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const blockedGroups = new Set<string>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? '';
    if (blockedGroups.has(group)) {
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      const body = JSON.parse(record.body);
      const parsed = EventEnvelope.safeParse(body);
      const envelope = parsed.success ? parsed.data : adopt?.(body);
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
    }
  }
  return { batchItemFailures: failures };
}

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { AuditEvent } from '../../model/records.js';
import { fromItem } from './table.js';

/** Sort-key prefix of audit event items (`keys.event`). */
export const AUDIT_EVENT_SORT_KEY_PREFIX = 'EVT#';

/**
 * The event source mapping's filter: only new audit event items reach the publisher (every other write
 * to the table is dropped by Lambda before an invocation). Same shape as Lambda's `FilterCriteria` pattern.
 */
export const AUDIT_EVENT_STREAM_FILTER = { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: AUDIT_EVENT_SORT_KEY_PREFIX }] } } } } as const;

/**
 * The audit events among a batch of the table's stream records (new images of inserted `EVT#` items),
 * in stream order. Records without a new image (a stream view without one) are skipped.
 */
export function auditEventsOfStream(records: readonly DynamoDBRecord[]): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const record of records) {
    if (record.eventName !== 'INSERT') continue;
    const sk = record.dynamodb?.Keys?.sk?.S;
    const image = record.dynamodb?.NewImage;
    if (!sk?.startsWith(AUDIT_EVENT_SORT_KEY_PREFIX) || !image) continue;
    events.push(fromItem<AuditEvent>(image as Record<string, AttributeValue>));
  }
  return events;
}

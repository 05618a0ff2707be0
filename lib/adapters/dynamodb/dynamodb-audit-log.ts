import { TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { AuditEvent, Page, PageRequest } from '../../model/records.js';
import type { AuditLog } from '../../ports/audit-log.js';
import { keys, RETENTION_SECONDS } from './keys.js';
import { epochSeconds, toItem, type DynamoTable } from './table.js';

/** The put of one audit event, for a transaction (the other adapters write events with their changes). */
export function eventPut(table: DynamoTable, event: AuditEvent): TransactWriteItem {
  const item = toItem({ ...keys.event(event.service, event.at, event.id), expiresAt: epochSeconds(event.at, RETENTION_SECONDS.event) }, event);
  return { Put: { TableName: table.name, Item: item } };
}

/** Audit events in each service's partition, sorted by time, expiring after RETENTION_SECONDS.event. */
export class DynamoDbAuditLog implements AuditLog {
  constructor(private readonly table: DynamoTable) {}

  async appendEvents(events: AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 25) {
      const items = events.slice(i, i + 25).map((e) => eventPut(this.table, e));
      await this.table.request(this.table.client.send(new TransactWriteItemsCommand({ TransactItems: items })));
    }
  }

  async recordEvents(events: AuditEvent[]): Promise<void> {
    await this.table.writeBatches(
      events.map((e) => eventPut(this.table, e)),
      'audit events',
    );
  }

  async listEvents(service: string, page: PageRequest): Promise<Page<AuditEvent>> {
    return this.table.queryPartition<AuditEvent>(keys.servicePartition(service), keys.eventPrefix, page, false);
  }
}

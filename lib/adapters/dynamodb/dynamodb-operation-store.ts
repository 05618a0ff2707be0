import { PutItemCommand, QueryCommand, UpdateItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { OperationCompletedError } from '../../errors.js';
import type { AuditEvent, OperationRecord } from '../../model/records.js';
import { TABLE } from '../../platform/resources.js';
import type { OperationOutcome, OperationStore } from '../../ports/operation-store.js';
import { eventPut } from './dynamodb-audit-log.js';
import { keys, listing, RETENTION_SECONDS } from './keys.js';
import { epochSeconds, fromItem, isConditionFailed, toItem, translate, type DynamoTable } from './table.js';

/**
 * The update that completes a pending operation, for a transaction (service and deployment changes
 * complete their operation in the same write). Its condition is the operation still being pending.
 */
export function completeOperationUpdate(table: DynamoTable, outcome: OperationOutcome, at: string): NonNullable<TransactWriteItem['Update']> {
  const values: Record<string, unknown> = { ':pending': 'pending', ':status': outcome.status, ':at': at };
  let expression = 'SET #status = :status, updatedAt = :at';
  if (outcome.reason !== undefined) {
    expression += ', reason = :reason';
    values[':reason'] = outcome.reason;
  }
  if (outcome.result !== undefined) {
    expression += ', #result = :result';
    values[':result'] = outcome.result;
  }
  return {
    TableName: table.name,
    Key: marshall(keys.operation(outcome.id)),
    // Leaves the pending-operations listing (sparse index) in the same write.
    UpdateExpression: `${expression} REMOVE gsi1pk, gsi1sk, outbox`,
    ConditionExpression: '#status = :pending',
    ExpressionAttributeNames: { '#status': 'status', ...(outcome.result !== undefined ? { '#result': 'result' } : {}) },
    ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
  };
}

/**
 * Operations, each in a partition of its own, expiring after RETENTION_SECONDS.operation. A pending one
 * with a deadline is also in the sparse pending-operations listing, sorted by deadline.
 */
export class DynamoDbOperationStore implements OperationStore {
  constructor(private readonly table: DynamoTable) {}

  async createOperation(op: OperationRecord): Promise<void> {
    const pending = pendingListing(op);
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.name,
          Item: toItem({ ...keys.operation(op.id), ...pending, expiresAt: epochSeconds(op.createdAt, RETENTION_SECONDS.operation) }, op),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new OperationCompletedError(`operation ${op.id} exists already`);
      throw translate(err);
    }
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    return this.table.get<OperationRecord>(keys.operation(id));
  }

  async completeOperation(outcome: OperationOutcome, events: AuditEvent[]): Promise<void> {
    const now = events[0]?.at ?? new Date().toISOString();
    const items: TransactWriteItem[] = [{ Update: completeOperationUpdate(this.table, outcome, now) }, ...events.map((e) => eventPut(this.table, e))];
    await this.table.transact(items, `operation ${outcome.id}`);
  }

  async markOperationSent(op: Pick<OperationRecord, 'id' | 'deadline'>): Promise<boolean> {
    const listed = pendingListing({ id: op.id, deadline: op.deadline, status: 'pending' });
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: marshall(keys.operation(op.id)),
          UpdateExpression: listed.gsi1sk ? 'SET gsi1sk = :sk REMOVE outbox' : 'REMOVE outbox, gsi1pk, gsi1sk',
          ConditionExpression: '#status = :pending AND attribute_exists(outbox)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':pending': 'pending', ...(listed.gsi1sk ? { ':sk': listed.gsi1sk } : {}) }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw translate(err);
    }
  }

  async noteOperationError(id: string, error: string): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: marshall(keys.operation(id)),
          UpdateExpression: 'SET lastError = :error',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':error': error, ':pending': 'pending' }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw translate(err);
    }
  }

  async listExpiredOperations(now: string, limit: number): Promise<OperationRecord[]> {
    const res = await this.table.request(
      this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          IndexName: TABLE.listingIndex.name,
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :now',
          ExpressionAttributeValues: marshall({ ':pk': listing.pendingOperations, ':now': now }),
          Limit: limit,
        }),
      ),
    );
    // The index is eventually consistent: an operation completed a moment ago may still be listed.
    return (res.Items ?? []).map((i) => fromItem<OperationRecord>(i)).filter((op) => op.status === 'pending');
  }
}

/**
 * Where a pending operation sits in the sweep's listing: at its outbox's resend time while its enqueue
 * is unconfirmed, at its deadline after. Sparse: nothing for operations that are not pending.
 */
function pendingListing(op: Pick<OperationRecord, 'id' | 'status' | 'deadline' | 'outbox'>): { gsi1pk?: string; gsi1sk?: string } {
  const due = op.outbox?.resendAt ?? op.deadline;
  return op.status === 'pending' && due ? { gsi1pk: listing.pendingOperations, gsi1sk: `${due}#${op.id}` } : {};
}

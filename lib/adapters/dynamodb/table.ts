import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type QueryCommandInput,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { MeshplaneError, OperationCompletedError, TransientError, ValidationError, VersionConflictError } from '../../errors.js';
import type { Page, PageRequest } from '../../model/records.js';
import { TABLE } from '../../platform/resources.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/**
 * What the per-aggregate adapters share about meshplane's one table (see TABLE in
 * lib/platform/resources.ts and the key layout in keys.ts): marshalling, versioned conditions, the
 * mapping of SDK failures to our errors, reads, pagination, transactions and batches.
 */

/** DynamoDB's limit on items in one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt'];

/** A record as an item: its data plus the key (and index, expiry) attributes. */
export function toItem(keyAttrs: Record<string, string | number | undefined>, data: object): Record<string, AttributeValue> {
  return marshall({ ...data, ...keyAttrs }, { removeUndefinedValues: true, convertClassInstanceToMap: true });
}

/** The record an item holds, without the key attributes. */
export function fromItem<T>(item: Record<string, AttributeValue>): T {
  const data = unmarshall(item);
  for (const attr of KEY_ATTRS) delete data[attr];
  return data as T;
}

/** An expiry (`expiresAt`, the table's TTL attribute) `plusSeconds` after `iso`. */
export function epochSeconds(iso: string, plusSeconds: number): number {
  return Math.floor(Date.parse(iso) / 1000) + plusSeconds;
}

/** The condition of a versioned put: the item is at `expectedVersion`, or (null) there is none yet (`absent`). */
export function versionCondition(
  expectedVersion: number | null,
  absent: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, AttributeValue> } = { ConditionExpression: 'attribute_not_exists(pk)' },
) {
  return expectedVersion === null ? absent : { ConditionExpression: 'version = :v', ExpressionAttributeValues: marshall({ ':v': expectedVersion }) };
}

/** A single-item write whose condition did not hold. */
export function isConditionFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException;
}

/** Maps SDK failures to ours: throttling and 5xx retry, the rest is a bug or a misconfiguration. */
export function translate(err: unknown): Error {
  if (err instanceof MeshplaneError) return err;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; message?: string };
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (
    e.$retryable ||
    status >= 500 ||
    status === 429 ||
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TimeoutError|ECONNRE|socket hang up/i.test(`${e.name} ${e.message}`)
  )
    return new TransientError(`DynamoDB: ${e.message ?? e.name}`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

/** A cancelled transaction: which condition failed (an operation's: completed before; else a lost race) or a retryable collision. */
function translateTransactionError(err: unknown, items: TransactWriteItem[], what: string): Error {
  if (err instanceof TransactionCanceledException) {
    const reasons = err.CancellationReasons ?? [];
    const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (failed >= 0) {
      const item = items[failed];
      const sk = item.Update ? 'OP' : unmarshall(item.Put?.Item ?? {}).sk;
      if (sk === 'OP') return new OperationCompletedError(`the operation for ${what} was completed before`);
      return new VersionConflictError(`${what} was changed by somebody else; reload and retry`);
    }
    if (reasons.some((r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded'))
      return new TransientError(`writing ${what} collided with another transaction`, { cause: err });
  }
  return translate(err);
}

/** One table on one client. */
export class DynamoTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
  ) {}

  /** Awaits an SDK request, failing with our errors (see translate). */
  async request<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      throw translate(err);
    }
  }

  /** A consistent read of one item. */
  async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const res = await this.request(this.client.send(new GetItemCommand({ TableName: this.name, Key: marshall(key), ConsistentRead: true })));
    return res.Item ? fromItem<T>(res.Item) : undefined;
  }

  /**
   * Consistent reads of many items, 100 a request, retrying what DynamoDB leaves unprocessed; missing keys are left out.
   * `withKeys` keeps the key attributes (pk, sk) on each item, for a caller that must tell which key it answers.
   */
  async getMany<T>(keys: { pk: string; sk: string }[], what: string, withKeys = false): Promise<T[]> {
    const found: T[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let keysLeft: Record<string, AttributeValue>[] | undefined = keys.slice(i, i + 100).map((k) => marshall(k));
      for (let attempt = 0; keysLeft?.length && attempt < 5; attempt++) {
        const res: BatchGetItemCommandOutput = await this.request(
          this.client.send(new BatchGetItemCommand({ RequestItems: { [this.name]: { Keys: keysLeft, ConsistentRead: true } } })),
        );
        found.push(...(res.Responses?.[this.name] ?? []).map((item) => (withKeys ? (unmarshall(item) as T) : fromItem<T>(item))));
        keysLeft = res.UnprocessedKeys?.[this.name]?.Keys;
      }
      if (keysLeft?.length) throw new TransientError(`DynamoDB kept some ${what} unprocessed; will retry`);
    }
    return found;
  }

  /** One TransactWriteItems; a failed condition or a collision becomes our error about `what` (see translateTransactionError). */
  async transact(items: TransactWriteItem[], what: string): Promise<void> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (err) {
      throw translateTransactionError(err, items, what);
    }
  }

  /** Unconditional puts and deletes, 25 at a time, retrying what DynamoDB leaves unprocessed. */
  async writeBatches(writes: TransactWriteItem[], what: string): Promise<void> {
    for (let i = 0; i < writes.length; i += 25) {
      let requests: WriteRequest[] | undefined = writes
        .slice(i, i + 25)
        .map((w) => (w.Put ? { PutRequest: { Item: w.Put.Item! } } : { DeleteRequest: { Key: w.Delete!.Key! } }));
      for (let attempt = 0; requests?.length && attempt < 5; attempt++) {
        const res: BatchWriteItemCommandOutput = await this.request(this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.name]: requests } })));
        requests = res.UnprocessedItems?.[this.name];
      }
      if (requests?.length) throw new TransientError(`DynamoDB kept some ${what} unprocessed; will retry`);
    }
  }

  /** One page of the items of partition `pk` whose sort key starts with `skPrefix`, consistently read. */
  async queryPartition<T>(pk: string, skPrefix: string, page: PageRequest, ascending: boolean): Promise<Page<T>> {
    return this.query<T>({
      TableName: this.name,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: marshall({ ':pk': pk, ':prefix': skPrefix }),
      ScanIndexForward: ascending,
      ConsistentRead: true,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor),
    });
  }

  /** One page of a listing (a partition of the listing index, eventually consistent). */
  async queryIndex<T>(partition: string, page: PageRequest): Promise<Page<T>> {
    return this.query<T>({
      TableName: this.name,
      IndexName: TABLE.listingIndex.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': partition }),
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor),
    });
  }

  /** Every item of a paged listing, following the cursor to the end. */
  async all<T>(pageOf: (page: PageRequest) => Promise<Page<T>>, limit = 500): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await pageOf({ limit, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  async query<T>(input: QueryCommandInput): Promise<Page<T>> {
    const res = await this.client.send(new QueryCommand(input)).catch((err) => {
      // A cursor that decodes but names no position of this listing: the client's mistake, not ours.
      if (input.ExclusiveStartKey && (err as Error).name === 'ValidationException')
        throw new ValidationError([{ path: 'cursor', message: 'is not a cursor of this listing' }]);
      throw translate(err);
    });
    return { items: (res.Items ?? []).map((i) => fromItem<T>(i)), nextCursor: encodeCursor(res.LastEvaluatedKey) };
  }
}

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { VersionConflictError } from '../../errors.js';
import type { Page, PageRequest } from '../../model/records.js';
import { TABLE } from '../../platform/resources.js';
import type { DocumentStore, DocumentTransactions, DocumentWrite, StoredDocument } from '../../ports/document-store.js';
import { decodeCursor } from './cursor.js';
import { keys, listing } from './keys.js';
import { isConditionFailed, MAX_TRANSACTION_ITEMS, toItem, translate, versionCondition, type DynamoTable } from './table.js';

function documentItem(w: DocumentWrite, listedAt?: string) {
  const expiresAt = w.ttlSeconds ? Math.floor(Date.now() / 1000) + w.ttlSeconds : undefined;
  const listed = listedAt ? { gsi1pk: listing.documents(w.kind), gsi1sk: `${listedAt}#${w.id}` } : {};
  return toItem({ ...keys.document(w.kind, w.id), ...listed, expiresAt }, { value: w.value, version: (w.expectedVersion ?? 0) + 1 });
}

/**
 * Versioned documents, each in a partition of its own, optionally expiring (the table's TTL). A document
 * put with a listing time is also in its kind's partition of the listing index, newest first; it leaves
 * the listing when it expires.
 */
export class DynamoDbDocumentStore implements DocumentStore, DocumentTransactions {
  constructor(private readonly table: DynamoTable) {}

  async getDocument<T>(kind: string, id: string): Promise<StoredDocument<T> | undefined> {
    const item = await this.table.get<{ value: T; version: number }>(keys.document(kind, id));
    return item ? { value: item.value, version: item.version } : undefined;
  }

  async getDocuments<T>(refs: readonly (readonly [kind: string, id: string])[]): Promise<(StoredDocument<T> | undefined)[]> {
    const wanted = refs.map(([kind, id]) => keys.document(kind, id));
    const unique = [...new Map(wanted.map((k) => [k.pk, k])).values()];
    const items = await this.table.getMany<{ pk: string; value: T; version: number }>(unique, 'documents', true);
    const byKey = new Map(items.map((item) => [item.pk, { value: item.value, version: item.version }]));
    return wanted.map((k) => byKey.get(k.pk));
  }

  async putDocument<T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number, listedAt?: string): Promise<number> {
    const version = (expectedVersion ?? 0) + 1;
    const item = documentItem({ kind, id, value, expectedVersion, ttlSeconds }, listedAt);
    try {
      await this.table.client.send(new PutItemCommand({ TableName: this.table.name, Item: item, ...versionCondition(expectedVersion) }));
    } catch (err) {
      if (isConditionFailed(err)) throw new VersionConflictError(`${kind} ${id} was changed by somebody else; reload and retry`);
      throw translate(err);
    }
    return version;
  }

  /** One TransactWriteItems (a single write is a plain conditional put). */
  async putDocuments(writes: readonly DocumentWrite[]): Promise<number[]> {
    if (writes.length === 1) return [await this.putDocument(writes[0].kind, writes[0].id, writes[0].value, writes[0].expectedVersion, writes[0].ttlSeconds)];
    if (writes.length > MAX_TRANSACTION_ITEMS) throw new RangeError(`at most ${MAX_TRANSACTION_ITEMS} documents in one write, not ${writes.length}`);
    if (!writes.length) return [];
    const items = writes.map((w) => ({ Put: { TableName: this.table.name, Item: documentItem(w), ...versionCondition(w.expectedVersion) } }));
    await this.table.transact(items, `documents ${writes.map((w) => `${w.kind} ${w.id}`).join(', ')}`);
    return writes.map((w) => (w.expectedVersion ?? 0) + 1);
  }

  async listDocuments<T>(kind: string, page: PageRequest): Promise<Page<T>> {
    const found = await this.table.query<{ value: T }>({
      TableName: this.table.name,
      IndexName: TABLE.listingIndex.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': listing.documents(kind) }),
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor),
    });
    return { items: found.items.map((item) => item.value), ...(found.nextCursor ? { nextCursor: found.nextCursor } : {}) };
  }
}

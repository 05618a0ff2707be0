import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { VersionConflictError } from '../../errors.js';
import type { Page, PageRequest } from '../../model/records.js';
import { TABLE } from '../../platform/resources.js';
import type { DocumentStore, StoredDocument } from '../../ports/document-store.js';
import { decodeCursor } from './cursor.js';
import { keys, listing } from './keys.js';
import { isConditionFailed, toItem, translate, versionCondition, type DynamoTable } from './table.js';

/**
 * Versioned documents, each in a partition of its own, optionally expiring (the table's TTL). A document
 * put with a listing time is also in its kind's partition of the listing index, newest first; it leaves
 * the listing when it expires.
 */
export class DynamoDbDocumentStore implements DocumentStore {
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
    const expiresAt = ttlSeconds ? Math.floor(Date.now() / 1000) + ttlSeconds : undefined;
    const listed = listedAt ? { gsi1pk: listing.documents(kind), gsi1sk: `${listedAt}#${id}` } : {};
    const item = toItem({ ...keys.document(kind, id), ...listed, expiresAt }, { value, version });
    try {
      await this.table.client.send(new PutItemCommand({ TableName: this.table.name, Item: item, ...versionCondition(expectedVersion) }));
    } catch (err) {
      if (isConditionFailed(err)) throw new VersionConflictError(`${kind} ${id} was changed by somebody else; reload and retry`);
      throw translate(err);
    }
    return version;
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

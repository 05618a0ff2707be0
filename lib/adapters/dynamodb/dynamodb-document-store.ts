import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { VersionConflictError } from '../../errors.js';
import type { DocumentStore, StoredDocument } from '../../ports/document-store.js';
import { keys } from './keys.js';
import { isConditionFailed, toItem, translate, versionCondition, type DynamoTable } from './table.js';

/** Versioned documents, each in a partition of its own, optionally expiring (the table's TTL). */
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

  async putDocument<T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number): Promise<number> {
    const version = (expectedVersion ?? 0) + 1;
    const expiresAt = ttlSeconds ? Math.floor(Date.now() / 1000) + ttlSeconds : undefined;
    const item = toItem({ ...keys.document(kind, id), expiresAt }, { value, version });
    try {
      await this.table.client.send(new PutItemCommand({ TableName: this.table.name, Item: item, ...versionCondition(expectedVersion) }));
    } catch (err) {
      if (isConditionFailed(err)) throw new VersionConflictError(`${kind} ${id} was changed by somebody else; reload and retry`);
      throw translate(err);
    }
    return version;
  }
}

import { marshall } from '@aws-sdk/util-dynamodb';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { Page, PageRequest } from '../../model/records.js';
import { RELEASE_ENDED, type ReleaseRecord } from '../../model/release.js';
import { TABLE } from '../../platform/resources.js';
import type { OperationOutcome } from '../../ports/operation-store.js';
import type { ReleaseStore } from '../../ports/release-store.js';
import { decodeCursor } from './cursor.js';
import { completeOperationUpdate } from './dynamodb-operation-store.js';
import { keys, listing, RETENTION_SECONDS } from './keys.js';
import { epochSeconds, toItem, versionCondition, type DynamoTable } from './table.js';

/**
 * Releases, each in a partition of its own and in the releases listing (newest first). An ended release
 * expires after the audit trail's retention, so listing the unended ones reads a bounded partition.
 */
export class DynamoDbReleaseStore implements ReleaseStore {
  constructor(private readonly table: DynamoTable) {}

  async putRelease(release: ReleaseRecord, expectedVersion: number | null, operation?: OperationOutcome): Promise<void> {
    const ended = RELEASE_ENDED.has(release.status);
    const item = toItem(
      {
        ...keys.release(release.id),
        gsi1pk: listing.releases,
        gsi1sk: `${release.createdAt}#${release.id}`,
        expiresAt: ended ? epochSeconds(release.updatedAt, RETENTION_SECONDS.event) : undefined,
      },
      release,
    );
    const items: TransactWriteItem[] = [{ Put: { TableName: this.table.name, Item: item, ...versionCondition(expectedVersion) } }];
    if (operation) items.push({ Update: completeOperationUpdate(this.table, operation, release.updatedAt) });
    await this.table.transact(items, `release ${release.id}`);
  }

  async getRelease(id: string): Promise<ReleaseRecord | undefined> {
    return this.table.get<ReleaseRecord>(keys.release(id));
  }

  async listReleases(page: PageRequest): Promise<Page<ReleaseRecord>> {
    return this.table.query<ReleaseRecord>({
      TableName: this.table.name,
      IndexName: TABLE.listingIndex.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': listing.releases }),
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor),
    });
  }

  async listUnendedReleases(): Promise<ReleaseRecord[]> {
    const all = await this.table.all<ReleaseRecord>((page) =>
      this.table.query<ReleaseRecord>({
        TableName: this.table.name,
        IndexName: TABLE.listingIndex.name,
        KeyConditionExpression: 'gsi1pk = :pk',
        FilterExpression: 'NOT #status IN (:s, :f, :a)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':pk': listing.releases, ':s': 'succeeded', ':f': 'failed', ':a': 'aborted' }),
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor),
      }),
    );
    return all.filter((r) => !RELEASE_ENDED.has(r.status));
  }
}

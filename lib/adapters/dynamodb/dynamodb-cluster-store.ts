import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ClusterStore, StoredCluster } from '../../ports/cluster-store.js';
import { keys, listing } from './keys.js';
import { toItem, type DynamoTable } from './table.js';

/** Cluster registrations, each in a partition of its own and in the clusters listing. */
export class DynamoDbClusterStore implements ClusterStore {
  constructor(private readonly table: DynamoTable) {}

  async putCluster(cluster: StoredCluster): Promise<void> {
    const item = toItem({ ...keys.cluster(cluster.id), gsi1pk: listing.clusters, gsi1sk: cluster.id }, cluster);
    await this.table.request(this.table.client.send(new PutItemCommand({ TableName: this.table.name, Item: item })));
  }

  async getCluster(id: string): Promise<StoredCluster | undefined> {
    return this.table.get<StoredCluster>(keys.cluster(id));
  }

  async listClusters(): Promise<StoredCluster[]> {
    const page = await this.table.queryIndex<StoredCluster>(listing.clusters, { limit: 1000 });
    return page.items;
  }

  async deleteCluster(id: string): Promise<boolean> {
    const res = await this.table.request(
      this.table.client.send(new DeleteItemCommand({ TableName: this.table.name, Key: marshall(keys.cluster(id)), ReturnValues: 'ALL_OLD' })),
    );
    return Boolean(res.Attributes);
  }
}

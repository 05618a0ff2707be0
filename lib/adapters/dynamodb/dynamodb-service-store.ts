import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Page, PageRequest, ServiceRecord } from '../../model/records.js';
import type { ServiceChange, ServiceStore } from '../../ports/service-store.js';
import { eventPut } from './dynamodb-audit-log.js';
import { completeOperationUpdate } from './dynamodb-operation-store.js';
import { keys, listing } from './keys.js';
import { MAX_TRANSACTION_ITEMS, toItem, versionCondition, type DynamoTable } from './table.js';

/** A service that does not exist yet, or was deleted, may be registered (again). */
const ABSENT_OR_DELETED = {
  ConditionExpression: 'attribute_not_exists(pk) OR phase = :deleted',
  ExpressionAttributeValues: marshall({ ':deleted': 'deleted' }),
};

/**
 * Services, each heading its own partition (with its revisions, deployments, events and the call
 * graph's reverse index), and listed by name unless deleted. A service change is a single
 * TransactWriteItems request, so registering a service costs one write in the queue handler.
 */
export class DynamoDbServiceStore implements ServiceStore {
  constructor(private readonly table: DynamoTable) {}

  async getService(name: string): Promise<ServiceRecord | undefined> {
    return this.table.get<ServiceRecord>(keys.service(name));
  }

  async listServices(page: PageRequest): Promise<Page<ServiceRecord>> {
    return this.table.queryIndex<ServiceRecord>(listing.services, page);
  }

  async listAllServices(): Promise<ServiceRecord[]> {
    return this.table.all((page) => this.listServices(page));
  }

  async getServices(names: string[]): Promise<ServiceRecord[]> {
    const found = await this.table.getMany<ServiceRecord>(
      [...new Set(names)].map((n) => keys.service(n)),
      'services',
    );
    return found.filter((s) => s.phase !== 'deleted');
  }

  async listCallers(service: string): Promise<{ name: string; namespace: string }[]> {
    const edges = await this.table.all((page) =>
      this.table.queryPartition<{ caller: string; callerNamespace: string }>(keys.servicePartition(service), keys.callerPrefix, page, true),
    );
    return edges.map((e) => ({ name: e.caller, namespace: e.callerNamespace }));
  }

  async commitServiceChange(change: ServiceChange): Promise<void> {
    const { service } = change;
    const table = this.table.name;
    const listed = service.phase === 'deleted' ? {} : { gsi1pk: listing.services, gsi1sk: service.name };
    const serviceItem = toItem({ ...keys.service(service.name), ...listed }, service);
    const items: TransactWriteItem[] = [{ Put: { TableName: table, Item: serviceItem, ...versionCondition(change.expectedVersion, ABSENT_OR_DELETED) } }];
    if (change.revision) {
      const revisionItem = toItem(keys.revision(change.revision.service, change.revision.revision), change.revision);
      items.push({ Put: { TableName: table, Item: revisionItem, ConditionExpression: 'attribute_not_exists(pk)' } });
    }
    if (change.operation) items.push({ Update: completeOperationUpdate(this.table, change.operation, service.updatedAt) });
    items.push(...change.events.map((e) => eventPut(this.table, e)));
    // The call-graph index rides in the same transaction while it fits (the usual case: one request);
    // what does not fit is written in batches before it.
    const edgeWrites: TransactWriteItem[] = [
      ...(change.callerEdges?.put ?? []).map((e) => ({ Put: { TableName: table, Item: toItem(keys.caller(e.callee, e.caller), e) } })),
      ...(change.callerEdges?.remove ?? []).map((e) => ({ Delete: { TableName: table, Key: marshall(keys.caller(e.callee, e.caller)) } })),
    ];
    const room = Math.max(0, MAX_TRANSACTION_ITEMS - items.length);
    // The overflow goes first: derived, idempotent data, so writing it for a change that then loses its
    // race is harmless (the winner rewrites it), while writing it after could be lost with the message.
    await this.table.writeBatches(edgeWrites.slice(room), 'call-graph writes');
    items.push(...edgeWrites.slice(0, room));
    await this.table.transact(items, `service ${service.name}`);
  }
}

import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type QueryCommandInput,
  type TransactWriteItem,
  type WriteRequest,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { MeshplaneError, OperationCompletedError, TransientError, ValidationError, VersionConflictError } from '../../errors.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import type { AuditEvent, DeploymentRecord, OperationRecord, Page, PageRequest, RevisionRecord, ServiceRecord } from '../../model/records.js';
import { TABLE } from '../../platform/resources.js';
import type { OperationOutcome, ServiceChange, StateStore, StoredDocument } from '../../ports/state-store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { keys, listing, RETENTION_SECONDS } from './keys.js';

type StoredCluster = ClusterRegistration & { createdAt: string };
const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt'];
/** DynamoDB's limit on items in one TransactWriteItems. */
const MAX_TRANSACTION_ITEMS = 100;

function toItem(keyAttrs: Record<string, string | number | undefined>, data: object): Record<string, AttributeValue> {
  return marshall({ ...data, ...keyAttrs }, { removeUndefinedValues: true, convertClassInstanceToMap: true });
}

function fromItem<T>(item: Record<string, AttributeValue>): T {
  const data = unmarshall(item);
  for (const attr of KEY_ATTRS) delete data[attr];
  return data as T;
}

function epochSeconds(iso: string, plusSeconds: number): number {
  return Math.floor(Date.parse(iso) / 1000) + plusSeconds;
}

/**
 * The StateStore on one DynamoDB table (see TABLE in lib/platform/resources.ts). Every update is a
 * conditional write; a service change is a single TransactWriteItems request, so registering a service
 * costs one write in the queue handler.
 */
export class DynamoDbStateStore implements StateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async getService(name: string): Promise<ServiceRecord | undefined> {
    return this.get<ServiceRecord>(keys.service(name));
  }

  async listServices(page: PageRequest): Promise<Page<ServiceRecord>> {
    return this.queryIndex<ServiceRecord>(listing.services, page);
  }

  async listAllServices(): Promise<ServiceRecord[]> {
    const all: ServiceRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listServices({ limit: 500, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  async commitServiceChange(change: ServiceChange): Promise<void> {
    const { service } = change;
    const listed = service.phase === 'deleted' ? {} : { gsi1pk: listing.services, gsi1sk: service.name };
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: toItem({ ...keys.service(service.name), ...listed }, service),
          ...(change.expectedVersion === null
            ? {
                ConditionExpression: 'attribute_not_exists(pk) OR phase = :deleted',
                ExpressionAttributeValues: marshall({ ':deleted': 'deleted' }),
              }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: marshall({ ':v': change.expectedVersion }) }),
        },
      },
    ];
    if (change.revision) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: toItem(keys.revision(change.revision.service, change.revision.revision), change.revision),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (change.operation) items.push({ Update: this.completeOperationUpdate(change.operation, service.updatedAt) });
    for (const event of change.events) items.push({ Put: { TableName: this.tableName, Item: this.eventItem(event) } });
    // The call-graph index rides in the same transaction while it fits (the usual case: one request);
    // what does not fit is written in batches before it.
    const edgeWrites: TransactWriteItem[] = [
      ...(change.callerEdges?.put ?? []).map((e) => ({ Put: { TableName: this.tableName, Item: toItem(keys.caller(e.callee, e.caller), e) } })),
      ...(change.callerEdges?.remove ?? []).map((e) => ({ Delete: { TableName: this.tableName, Key: marshall(keys.caller(e.callee, e.caller)) } })),
    ];
    const room = Math.max(0, MAX_TRANSACTION_ITEMS - items.length);
    // The overflow goes first: derived, idempotent data, so writing it for a change that then loses its
    // race is harmless (the winner rewrites it), while writing it after could be lost with the message.
    await this.writeBatches(edgeWrites.slice(room));
    items.push(...edgeWrites.slice(0, room));
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (err) {
      throw this.translateTransactionError(err, items, `service ${service.name}`);
    }
  }

  async getServices(names: string[]): Promise<ServiceRecord[]> {
    const unique = [...new Set(names)];
    const found: ServiceRecord[] = [];
    for (let i = 0; i < unique.length; i += 100) {
      let keysLeft: Record<string, AttributeValue>[] | undefined = unique.slice(i, i + 100).map((n) => marshall(keys.service(n)));
      for (let attempt = 0; keysLeft?.length && attempt < 5; attempt++) {
        const res: BatchGetItemCommandOutput = await this.client
          .send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keysLeft, ConsistentRead: true } } }))
          .catch((err) => {
            throw translate(err);
          });
        found.push(...(res.Responses?.[this.tableName] ?? []).map((item) => fromItem<ServiceRecord>(item)));
        keysLeft = res.UnprocessedKeys?.[this.tableName]?.Keys;
      }
      if (keysLeft?.length) throw new TransientError('DynamoDB kept some services unprocessed; will retry');
    }
    return found.filter((s) => s.phase !== 'deleted');
  }

  async listCallers(service: string): Promise<{ name: string; namespace: string }[]> {
    const callers: { name: string; namespace: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.queryPartition<{ caller: string; callerNamespace: string }>(
        keys.servicePartition(service),
        keys.callerPrefix,
        { limit: 500, cursor },
        true,
      );
      callers.push(...page.items.map((e) => ({ name: e.caller, namespace: e.callerNamespace })));
      cursor = page.nextCursor;
    } while (cursor);
    return callers;
  }

  async getRevision(service: string, revision: number): Promise<RevisionRecord | undefined> {
    return this.get<RevisionRecord>(keys.revision(service, revision));
  }

  async listRevisions(service: string, page: PageRequest): Promise<Page<RevisionRecord>> {
    return this.queryPartition<RevisionRecord>(keys.servicePartition(service), keys.revisionPrefix, page, false);
  }

  async createOperation(op: OperationRecord): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(
            {
              ...keys.operation(op.id),
              ...pendingListing(op),
              expiresAt: epochSeconds(op.createdAt, RETENTION_SECONDS.operation),
            },
            op,
          ),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new OperationCompletedError(`operation ${op.id} exists already`);
      throw translate(err);
    }
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    return this.get<OperationRecord>(keys.operation(id));
  }

  async completeOperation(outcome: OperationOutcome, events: AuditEvent[]): Promise<void> {
    const now = events[0]?.at ?? new Date().toISOString();
    const items: TransactWriteItem[] = [{ Update: this.completeOperationUpdate(outcome, now) }];
    for (const event of events) items.push({ Put: { TableName: this.tableName, Item: this.eventItem(event) } });
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (err) {
      throw this.translateTransactionError(err, items, `operation ${outcome.id}`);
    }
  }

  async markOperationSent(op: Pick<OperationRecord, 'id' | 'deadline'>): Promise<boolean> {
    const id = op.id;
    const listed = pendingListing({ id: op.id, deadline: op.deadline, status: 'pending' });
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.operation(id)),
          UpdateExpression: listed.gsi1sk ? 'SET gsi1sk = :sk REMOVE outbox' : 'REMOVE outbox, gsi1pk, gsi1sk',
          ConditionExpression: '#status = :pending AND attribute_exists(outbox)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':pending': 'pending', ...(listed.gsi1sk ? { ':sk': listed.gsi1sk } : {}) }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw translate(err);
    }
  }

  async noteOperationError(id: string, error: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.operation(id)),
          UpdateExpression: 'SET lastError = :error',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':error': error, ':pending': 'pending' }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw translate(err);
    }
  }

  async listExpiredOperations(now: string, limit: number): Promise<OperationRecord[]> {
    const res = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE.listingIndex.name,
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :now',
          ExpressionAttributeValues: marshall({ ':pk': listing.pendingOperations, ':now': now }),
          Limit: limit,
        }),
      )
      .catch((err) => {
        throw translate(err);
      });
    // The index is eventually consistent: an operation completed a moment ago may still be listed.
    return (res.Items ?? []).map((i) => fromItem<OperationRecord>(i)).filter((op) => op.status === 'pending');
  }

  async appendEvents(events: AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 25) {
      const chunk = events.slice(i, i + 25);
      await this.client
        .send(new TransactWriteItemsCommand({ TransactItems: chunk.map((e) => ({ Put: { TableName: this.tableName, Item: this.eventItem(e) } })) }))
        .catch((err) => {
          throw translate(err);
        });
    }
  }

  async listEvents(service: string, page: PageRequest): Promise<Page<AuditEvent>> {
    return this.queryPartition<AuditEvent>(keys.servicePartition(service), keys.eventPrefix, page, false);
  }

  async putDeployment(deployment: DeploymentRecord, expectedVersion: number | null, operation?: OperationOutcome, events: AuditEvent[] = []): Promise<void> {
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: toItem(keys.deployment(deployment.service, deployment.id), deployment),
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: marshall({ ':v': expectedVersion }) }),
        },
      },
    ];
    if (operation) items.push({ Update: this.completeOperationUpdate(operation, deployment.updatedAt) });
    for (const event of events) items.push({ Put: { TableName: this.tableName, Item: this.eventItem(event) } });
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (err) {
      throw this.translateTransactionError(err, items, `deployment ${deployment.id}`);
    }
  }

  async getDeployment(service: string, id: string): Promise<DeploymentRecord | undefined> {
    return this.get<DeploymentRecord>(keys.deployment(service, id));
  }

  async listDeployments(service: string, page: PageRequest): Promise<Page<DeploymentRecord>> {
    return this.queryPartition<DeploymentRecord>(keys.servicePartition(service), keys.deploymentPrefix, page, false);
  }

  async getDocument<T>(kind: string, id: string): Promise<StoredDocument<T> | undefined> {
    const item = await this.get<{ value: T; version: number }>(keys.document(kind, id));
    return item ? { value: item.value, version: item.version } : undefined;
  }

  async putDocument<T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number): Promise<number> {
    const version = (expectedVersion ?? 0) + 1;
    const expiresAt = ttlSeconds ? Math.floor(Date.now() / 1000) + ttlSeconds : undefined;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ ...keys.document(kind, id), expiresAt }, { value, version }),
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: marshall({ ':v': expectedVersion }) }),
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new VersionConflictError(`${kind} ${id} was changed by somebody else; reload and retry`);
      throw translate(err);
    }
    return version;
  }

  async putCluster(cluster: StoredCluster): Promise<void> {
    await this.client
      .send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ ...keys.cluster(cluster.id), gsi1pk: listing.clusters, gsi1sk: cluster.id }, cluster),
        }),
      )
      .catch((err) => {
        throw translate(err);
      });
  }

  async getCluster(id: string): Promise<StoredCluster | undefined> {
    return this.get<StoredCluster>(keys.cluster(id));
  }

  async listClusters(): Promise<StoredCluster[]> {
    const page = await this.queryIndex<StoredCluster>(listing.clusters, { limit: 1000 });
    return page.items;
  }

  async deleteCluster(id: string): Promise<boolean> {
    const res = await this.client
      .send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(keys.cluster(id)), ReturnValues: 'ALL_OLD' }))
      .catch((err) => {
        throw translate(err);
      });
    return Boolean(res.Attributes);
  }

  /** Unconditional puts and deletes, 25 at a time, retrying what DynamoDB leaves unprocessed. */
  private async writeBatches(writes: TransactWriteItem[]): Promise<void> {
    for (let i = 0; i < writes.length; i += 25) {
      let requests: WriteRequest[] | undefined = writes
        .slice(i, i + 25)
        .map((w) => (w.Put ? { PutRequest: { Item: w.Put.Item! } } : { DeleteRequest: { Key: w.Delete!.Key! } }));
      for (let attempt = 0; requests?.length && attempt < 5; attempt++) {
        const res: BatchWriteItemCommandOutput = await this.client
          .send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }))
          .catch((err) => {
            throw translate(err);
          });
        requests = res.UnprocessedItems?.[this.tableName];
      }
      if (requests?.length) throw new TransientError('DynamoDB kept some call-graph writes unprocessed; will retry');
    }
  }

  private completeOperationUpdate(outcome: OperationOutcome, at: string) {
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
      TableName: this.tableName,
      Key: marshall(keys.operation(outcome.id)),
      // Leaves the pending-operations listing (sparse index) in the same write.
      UpdateExpression: `${expression} REMOVE gsi1pk, gsi1sk, outbox`,
      ConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status', ...(outcome.result !== undefined ? { '#result': 'result' } : {}) },
      ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
    };
  }

  private eventItem(event: AuditEvent): Record<string, AttributeValue> {
    return toItem({ ...keys.event(event.service, event.at, event.id), expiresAt: epochSeconds(event.at, RETENTION_SECONDS.event) }, event);
  }

  private translateTransactionError(err: unknown, items: TransactWriteItem[], what: string): Error {
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

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const res = await this.client
      .send(new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }))
      .catch((err) => {
        throw translate(err);
      });
    return res.Item ? fromItem<T>(res.Item) : undefined;
  }

  private async queryPartition<T>(pk: string, skPrefix: string, page: PageRequest, ascending: boolean): Promise<Page<T>> {
    return this.query<T>({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: marshall({ ':pk': pk, ':prefix': skPrefix }),
      ScanIndexForward: ascending,
      ConsistentRead: true,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor),
    });
  }

  private async queryIndex<T>(partition: string, page: PageRequest): Promise<Page<T>> {
    return this.query<T>({
      TableName: this.tableName,
      IndexName: TABLE.listingIndex.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': partition }),
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor),
    });
  }

  private async query<T>(input: QueryCommandInput): Promise<Page<T>> {
    const res = await this.client.send(new QueryCommand(input)).catch((err) => {
      // A cursor that decodes but names no position of this listing: the client's mistake, not ours.
      if (input.ExclusiveStartKey && (err as Error).name === 'ValidationException') throw new ValidationError([{ path: 'cursor', message: 'is not a cursor of this listing' }]);
      throw translate(err);
    });
    return { items: (res.Items ?? []).map((i) => fromItem<T>(i)), nextCursor: encodeCursor(res.LastEvaluatedKey) };
  }
}

/** Maps SDK failures to ours: throttling and 5xx retry, the rest is a bug or a misconfiguration. */
function translate(err: unknown): Error {
  if (err instanceof MeshplaneError) return err;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; message?: string };
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (e.$retryable || status >= 500 || status === 429 || /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TimeoutError|ECONNRE|socket hang up/i.test(`${e.name} ${e.message}`))
    return new TransientError(`DynamoDB: ${e.message ?? e.name}`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Where a pending operation sits in the sweep's listing: at its outbox's resend time while its enqueue
 * is unconfirmed, at its deadline after. Sparse: nothing for operations that are not pending.
 */
function pendingListing(op: Pick<OperationRecord, 'id' | 'status' | 'deadline' | 'outbox'>): { gsi1pk?: string; gsi1sk?: string } {
  const due = op.outbox?.resendAt ?? op.deadline;
  return op.status === 'pending' && due ? { gsi1pk: listing.pendingOperations, gsi1sk: `${due}#${op.id}` } : {};
}

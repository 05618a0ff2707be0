/**
 * The local runtime's emulation of the state table's change stream, on the real store over dynalite:
 * committed audit events come out as stream records (and back as the same events through the consumer's
 * parser), and a write that fails hands on nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventsOfStream } from '../../../lib/adapters/dynamodb/audit-stream.js';
import { DynamoDbStateStore } from '../../../lib/adapters/dynamodb/dynamodb-state-store.js';
import { awsClientConfig } from '../../../lib/composition/create-app.js';
import { VersionConflictError } from '../../../lib/errors.js';
import { emulateTableStream, putItemsOf } from '../../../lib/local/table-stream-emulation.js';
import type { AuditEvent, ServiceRecord } from '../../../lib/model/records.js';
import { ServiceSpec } from '../../../lib/model/service-spec.js';
import { useTestStack } from '../../support/local-stack.js';
import { minimalInput } from '../../support/service-specs.js';

const stack = useTestStack();
let client: DynamoDBClient;
let store: DynamoDbStateStore;
const seen: DynamoDBRecord[] = [];

beforeAll(() => {
  client = new DynamoDBClient({ ...awsClientConfig(stack().config, 'dynamodb'), maxAttempts: 1 });
  emulateTableStream(client, (records) => seen.push(...records));
  store = new DynamoDbStateStore(client, stack().config.tableName);
});

afterAll(() => client?.destroy());

const at = '2030-01-01T00:00:00.000Z';
const event = (service: string, id: string, data?: Record<string, unknown>): AuditEvent => ({
  service,
  id,
  at,
  type: 'RolloutStarted',
  message: `event ${id}`,
  ...(data ? { data } : {}),
});
const record = (name: string): ServiceRecord => ({
  name,
  spec: ServiceSpec.parse(minimalInput(name)),
  version: 1,
  revision: 1,
  phase: 'active',
  createdAt: at,
  updatedAt: at,
  lastOperationId: `op-${name}`,
});

describe('the emulated table stream', () => {
  it('hands on the audit events a committed transaction and an append wrote, and nothing else of theirs', async () => {
    seen.length = 0;
    const svc = record('streamed');
    await store.commitServiceChange({ service: svc, expectedVersion: null, events: [event('streamed', 'e1', { deploymentId: 'd1', nested: { n: 2 } })] });
    await store.appendEvents([event('streamed', 'e2'), event('streamed', 'e3')]);
    expect(seen.every((r) => r.eventName === 'INSERT' && r.dynamodb?.Keys?.sk?.S?.startsWith('EVT#'))).toBe(true);
    expect(auditEventsOfStream(seen)).toEqual([
      event('streamed', 'e1', { deploymentId: 'd1', nested: { n: 2 } }),
      event('streamed', 'e2'),
      event('streamed', 'e3'),
    ]);
  });

  it('hands on nothing when the write fails (a lost race: the transaction is cancelled)', async () => {
    seen.length = 0;
    const svc = record('raced');
    await store.commitServiceChange({ service: svc, expectedVersion: null, events: [] });
    const lost = store.commitServiceChange({ service: { ...svc, version: 2 }, expectedVersion: 7, events: [event('raced', 'never')] });
    await expect(lost).rejects.toBeInstanceOf(VersionConflictError);
    expect(seen).toEqual([]);
  });

  it.each([
    ['PutItemCommand', { Item: { sk: { S: 'EVT#1' } } }, 1],
    ['TransactWriteItemsCommand', { TransactItems: [{ Put: { Item: { sk: { S: 'A' } } } }, { Update: {} }, { Put: { Item: { sk: { S: 'B' } } } }] }, 2],
    ['BatchWriteItemCommand', { RequestItems: { t: [{ PutRequest: { Item: { sk: { S: 'A' } } } }, { DeleteRequest: { Key: {} } }] } }, 1],
    ['UpdateItemCommand', { Key: {} }, 0],
  ])('%s puts %s item(s)', (command, input, count) => {
    expect(putItemsOf(command, input as Parameters<typeof putItemsOf>[1])).toHaveLength(count);
  });

  it('the consumer ignores records that are not new audit events', () => {
    const item = { pk: { S: 'SVC#x' }, sk: { S: 'SVC' }, name: { S: 'x' } };
    expect(
      auditEventsOfStream([
        { eventName: 'INSERT', dynamodb: { Keys: { pk: item.pk, sk: item.sk }, NewImage: item } },
        { eventName: 'MODIFY', dynamodb: { Keys: { pk: item.pk, sk: { S: 'EVT#1' } }, NewImage: item } },
        { eventName: 'INSERT', dynamodb: { Keys: { pk: item.pk, sk: { S: 'EVT#2' } } } },
      ]),
    ).toEqual([]);
  });
});

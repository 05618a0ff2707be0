import { afterAll, beforeAll } from 'vitest';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { awsClientConfig, createApp, type App, type AppOverrides } from '../../lib/composition/create-app.js';
import type { RuntimeConfig } from '../../lib/composition/runtime-config.js';
import { startEmulators, type Emulators } from '../../lib/local/emulators.js';
import { provisionQueues, provisionTable, type ProvisionedQueue } from '../../lib/local/provision.js';
import { TABLE } from '../../lib/platform/resources.js';

/** Static credentials the emulators accept. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** dynalite and fauxqs with meshplane's table and queues, plus clients and an app wired to them. */
export interface TestStack {
  emulators: Emulators;
  config: RuntimeConfig;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  queues: ProvisionedQueue[];
  /** A fresh App on the stack (its own SDK clients); pass a clock to control timestamps. */
  createApp(overrides?: AppOverrides): App;
  /** Every item of the table, unmarshalled and sorted by key, for before/after comparisons. */
  scanTable(tableName?: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Receives before a message moves to its DLQ (the platform default when absent). */
  maxReceiveCount?: number;
}

/** Starts the emulators on ephemeral loopback ports and provisions the table and queues on them. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const emulators = await startEmulators();
  const base: RuntimeConfig = {
    region: 'us-east-1',
    endpoints: { dynamodb: emulators.dynamodbEndpoint, sqs: emulators.sqsEndpoint },
    tableName: TABLE.name,
    credentials: { ...LOCAL_CREDENTIALS },
    queueUrls: { serviceEvents: '', deployRequests: '', healthAlarms: '', optimizerRuns: '' },
  };
  const dynamo = new DynamoDBClient(awsClientConfig(base, 'dynamodb'));
  const sqs = new SQSClient(awsClientConfig(base, 'sqs'));
  await provisionTable(dynamo, base.tableName);
  const queues = await provisionQueues(sqs, { maxReceiveCount: options.maxReceiveCount });
  const config: RuntimeConfig = {
    ...base,
    queueUrls: Object.fromEntries(queues.map((q) => [q.definition.id, q.url])) as RuntimeConfig['queueUrls'],
    deadLetterQueueUrls: Object.fromEntries(queues.map((q) => [q.definition.id, q.dlqUrl])),
  };
  return {
    emulators,
    config,
    dynamo,
    sqs,
    queues,
    createApp: (overrides) => createApp(config, overrides),
    scanTable: (tableName = config.tableName) => scanAll(dynamo, tableName),
    async stop() {
      dynamo.destroy();
      sqs.destroy();
      await emulators.stop();
    },
  };
}

async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.map((item) => unmarshall(item)).sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

/**
 * The stack for one test file (or one describe block): started in beforeAll, stopped in afterAll.
 * Call it at the top of the file or block; the getter returns the running stack inside tests and
 * later hooks (beforeAll hooks run in the order they are registered).
 */
export function useTestStack(options: TestStackOptions = {}): () => TestStack {
  let stack: TestStack | undefined;
  beforeAll(async () => {
    stack = await startTestStack(options);
  });
  afterAll(async () => {
    await stack?.stop();
    stack = undefined;
  });
  return () => {
    if (!stack) throw new Error('the test stack runs only between its beforeAll and afterAll');
    return stack;
  };
}

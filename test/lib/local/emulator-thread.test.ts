import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../lib/composition/create-app.js';
import type { RuntimeConfig } from '../../../lib/composition/runtime-config.js';
import { startEmulatorsInThread } from '../../../lib/local/emulator-thread.js';
import type { Emulators } from '../../../lib/local/emulators.js';
import { provisionQueues, provisionTable } from '../../../lib/local/provision.js';
import { TABLE } from '../../../lib/platform/resources.js';
import { LOCAL_CREDENTIALS } from '../../support/local-stack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'meshplane-emulator-thread-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function clients(emulators: Emulators) {
  const config: RuntimeConfig = {
    region: 'us-east-1',
    endpoints: { dynamodb: emulators.dynamodbEndpoint, sqs: emulators.sqsEndpoint },
    tableName: TABLE.name,
    credentials: { ...LOCAL_CREDENTIALS },
    queueUrls: { serviceEvents: '', deployRequests: '', healthAlarms: '', optimizerRuns: '' },
  };
  return { dynamo: new DynamoDBClient(awsClientConfig(config, 'dynamodb')), sqs: new SQSClient(awsClientConfig(config, 'sqs')) };
}

const key = { pk: { S: 'thread' }, sk: { S: 'item' } };

describe('emulators on a worker thread', () => {
  it('serve DynamoDB and SQS on loopback, keep the data directory across a stop and a start, and stop cleanly', async () => {
    const first = await startEmulatorsInThread(dataDir);
    expect(new URL(first.dynamodbEndpoint).hostname).toBe('127.0.0.1');
    expect(new URL(first.sqsEndpoint).hostname).toBe('127.0.0.1');
    const a = clients(first);
    await provisionTable(a.dynamo, TABLE.name);
    const [queue] = await provisionQueues(a.sqs);
    await a.dynamo.send(new PutItemCommand({ TableName: TABLE.name, Item: { ...key, value: { S: 'kept' } } }));
    await a.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'kept', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    a.dynamo.destroy();
    a.sqs.destroy();
    await first.stop();

    const second = await startEmulatorsInThread(dataDir);
    try {
      const b = clients(second);
      const item = await b.dynamo.send(new GetItemCommand({ TableName: TABLE.name, Key: key, ConsistentRead: true }));
      expect(item.Item?.value).toEqual({ S: 'kept' });
      const [again] = await provisionQueues(b.sqs);
      const received = await b.sqs.send(new ReceiveMessageCommand({ QueueUrl: again.url, WaitTimeSeconds: 1 }));
      expect(received.Messages?.map((m) => m.Body)).toEqual(['kept']);
      b.dynamo.destroy();
      b.sqs.destroy();
    } finally {
      await second.stop();
    }
  });
});

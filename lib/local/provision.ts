import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QUEUES, TABLE, type QueueDefinition } from '../platform/resources.js';

/**
 * Creates the table and queues from the shared definitions (the same ones the CDK stack uses) on an
 * emulator or LocalStack. Idempotent: existing resources are kept.
 */
export async function provisionTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  const { partitionKey, sortKey, listingIndex } = TABLE;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, sortKey, listingIndex.partitionKey, listingIndex.sortKey].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: listingIndex.name,
          KeySchema: [
            { AttributeName: listingIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: listingIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

export interface ProvisionedQueue {
  definition: QueueDefinition;
  url: string;
  arn: string;
  dlqUrl: string;
}

export async function provisionQueues(client: SQSClient, overrides: { maxReceiveCount?: number } = {}): Promise<ProvisionedQueue[]> {
  const result: ProvisionedQueue[] = [];
  for (const q of QUEUES) {
    const fifo = { FifoQueue: 'true', ContentBasedDeduplication: String(q.contentBasedDeduplication) };
    const dlq = await client.send(new CreateQueueCommand({ QueueName: q.dlqName, Attributes: { ...fifo, MessageRetentionPeriod: String(14 * 86_400) } }));
    const dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const main = await client.send(
      new CreateQueueCommand({
        QueueName: q.name,
        Attributes: {
          ...fifo,
          VisibilityTimeout: String(q.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: overrides.maxReceiveCount ?? q.maxReceiveCount }),
        },
      }),
    );
    const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: main.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    result.push({ definition: q, url: main.QueueUrl!, arn, dlqUrl: dlq.QueueUrl! });
  }
  return result;
}

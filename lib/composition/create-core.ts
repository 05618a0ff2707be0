import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbStateStore } from '../adapters/dynamodb/dynamodb-state-store.js';
import { SqsEventQueue } from '../adapters/sqs/sqs-event-queue.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { CoreDeps } from '../usecases/deps.js';
import type { AwsServiceName, RuntimeConfig } from './runtime-config.js';

/**
 * The state store, the queues and the clock: all that the API and the accepting half of every write
 * need. Kept apart from {@link createApp} so a handler that composes only this never bundles the
 * Kubernetes client, Step Functions or CloudWatch.
 */
export interface CoreApp extends CoreDeps {
  config: RuntimeConfig;
}

export function awsClientConfig(config: RuntimeConfig, service: AwsServiceName) {
  const endpoint = config.endpoints?.[service] ?? config.endpoint;
  return {
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
}

export function createCore(config: RuntimeConfig, overrides: { clock?: Clock } = {}): CoreApp {
  const dynamo = new DynamoDBClient({ ...awsClientConfig(config, 'dynamodb'), maxAttempts: 5 });
  const sqs = new SQSClient({ ...awsClientConfig(config, 'sqs'), maxAttempts: 5 });
  return {
    config,
    store: new DynamoDbStateStore(dynamo, config.tableName),
    queue: new SqsEventQueue(sqs, config.queueUrls),
    clock: overrides.clock ?? systemClock,
  };
}

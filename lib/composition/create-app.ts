import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbStateStore } from '../adapters/dynamodb/dynamodb-state-store.js';
import { SqsEventQueue } from '../adapters/sqs/sqs-event-queue.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { CoreDeps } from '../usecases/deps.js';
import type { AwsServiceName, RuntimeConfig } from './runtime-config.js';

/** Everything the handlers use, built once per process (a Lambda container or the local runtime). */
export interface App extends CoreDeps {
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

export function createApp(config: RuntimeConfig, overrides: { clock?: Clock } = {}): App {
  const dynamo = new DynamoDBClient({ ...awsClientConfig(config, 'dynamodb'), maxAttempts: 5 });
  const sqs = new SQSClient({ ...awsClientConfig(config, 'sqs'), maxAttempts: 5 });
  return {
    config,
    store: new DynamoDbStateStore(dynamo, config.tableName),
    queue: new SqsEventQueue(sqs, config.queueUrls),
    clock: overrides.clock ?? systemClock,
  };
}

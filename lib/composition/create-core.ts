import { SqsDeadLetterQueues } from '../adapters/sqs/sqs-dead-letter-queues.js';
import { DynamoDbStateStore } from '../adapters/dynamodb/dynamodb-state-store.js';
import { SqsEventQueue } from '../adapters/sqs/sqs-event-queue.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { CoreDeps } from '../usecases/deps.js';
import type { DeadLetterQueues } from '../ports/event-queue.js';
import { awsClientConfig, createDynamoDbClient, createSqsClient } from './aws-clients.js';
import type { RuntimeConfig } from './runtime-config.js';

export { awsClientConfig };

/**
 * The state store, the queues and the clock: all that the API and the accepting half of every write
 * need. Kept apart from {@link createApp} so a handler that composes only this never bundles the
 * Kubernetes client, Step Functions or CloudWatch.
 */
export interface CoreApp extends CoreDeps {
  config: RuntimeConfig;
  /** The queues' dead-letter queues (empty unless `config.deadLetterQueueUrls` names them). */
  deadLetters: DeadLetterQueues;
}

export function createCore(config: RuntimeConfig, overrides: { clock?: Clock } = {}): CoreApp {
  const dynamo = createDynamoDbClient(config);
  const sqs = createSqsClient(config);
  return {
    config,
    store: new DynamoDbStateStore(dynamo, config.tableName),
    queue: new SqsEventQueue(sqs, config.queueUrls),
    deadLetters: new SqsDeadLetterQueues(sqs, config.deadLetterQueueUrls ?? {}),
    clock: overrides.clock ?? systemClock,
  };
}

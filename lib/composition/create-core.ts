import { SqsDeadLetterQueues } from '../adapters/sqs/sqs-dead-letter-queues.js';
import { onCommittedAuditEvents, type AuditEventListener } from '../adapters/dynamodb/committed-audit-events.js';
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

export interface CoreOverrides {
  clock?: Clock;
  /** Local runtime: told of the audit events of every committed write (the stand-in for a DynamoDB stream). */
  onAuditEvents?: AuditEventListener;
}

export function createCore(config: RuntimeConfig, overrides: CoreOverrides = {}): CoreApp {
  const dynamo = createDynamoDbClient(config);
  if (overrides.onAuditEvents) onCommittedAuditEvents(dynamo, overrides.onAuditEvents);
  const sqs = createSqsClient(config);
  return {
    config,
    store: new DynamoDbStateStore(dynamo, config.tableName),
    queue: new SqsEventQueue(sqs, config.queueUrls),
    deadLetters: new SqsDeadLetterQueues(sqs, config.deadLetterQueueUrls ?? {}),
    clock: overrides.clock ?? systemClock,
  };
}

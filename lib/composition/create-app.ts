import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbStateStore } from '../adapters/dynamodb/dynamodb-state-store.js';
import { SqsEventQueue } from '../adapters/sqs/sqs-event-queue.js';
import { KubernetesClusterClientFactory } from '../adapters/kubernetes/index.js';
import type { ClusterClientFactory } from '../ports/cluster-client.js';
import { createServiceConverger } from '../usecases/cluster/service-converger.js';
import { createServiceStatusReader } from '../usecases/cluster/service-status-reader.js';
import type { ServiceStatusReader } from '../usecases/queries/read-models.js';
import type { ServiceConverger } from '../usecases/services/apply-service-event.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { CoreDeps } from '../usecases/deps.js';
import type { AwsServiceName, RuntimeConfig } from './runtime-config.js';

/** Everything the handlers use, built once per process (a Lambda container or the local runtime). */
export interface App extends CoreDeps {
  config: RuntimeConfig;
  clusters: ClusterClientFactory;
  converger: ServiceConverger;
  statusReader: ServiceStatusReader;
}

export function awsClientConfig(config: RuntimeConfig, service: AwsServiceName) {
  const endpoint = config.endpoints?.[service] ?? config.endpoint;
  return {
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
}

export interface AppOverrides {
  clock?: Clock;
  /** Another way to reach clusters (e.g. different retry settings in tests). */
  clusters?: ClusterClientFactory;
}

export function createApp(config: RuntimeConfig, overrides: AppOverrides = {}): App {
  const dynamo = new DynamoDBClient({ ...awsClientConfig(config, 'dynamodb'), maxAttempts: 5 });
  const sqs = new SQSClient({ ...awsClientConfig(config, 'sqs'), maxAttempts: 5 });
  const store = new DynamoDbStateStore(dynamo, config.tableName);
  const clusters = overrides.clusters ?? new KubernetesClusterClientFactory();
  return {
    config,
    store,
    queue: new SqsEventQueue(sqs, config.queueUrls),
    clock: overrides.clock ?? systemClock,
    clusters,
    converger: createServiceConverger({ store, clusters }),
    statusReader: createServiceStatusReader({ store, clusters }),
  };
}

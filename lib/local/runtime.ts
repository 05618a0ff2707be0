import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig, createApp, type App } from '../composition/create-app.js';
import type { RuntimeConfig } from '../composition/runtime-config.js';
import { TABLE, type QueueDefinition } from '../platform/resources.js';
import { startEmulators, type Emulators } from './emulators.js';
import { startHttpFrontDoor, type ApiHandler } from './http-front-door.js';
import { provisionQueues, provisionTable, type ProvisionedQueue } from './provision.js';
import { SqsPoller, type SqsHandler } from './sqs-poller.js';

export interface LocalHandlers {
  api: ApiHandler;
  queues: Record<QueueDefinition['id'], SqsHandler>;
}

export interface LocalRuntimeOptions {
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Keeps state across restarts; in-memory when absent. */
  dataDir?: string;
  /** LocalStack (or any AWS-compatible endpoint): use it instead of starting emulators. */
  endpoint?: string;
  /** Seconds before a failed record is retried (Lambda uses the queue's; locally shorter is friendlier). */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** Builds the handlers for an app: the entry point passes the real Lambda handlers here. */
  wire: (app: App) => LocalHandlers | Promise<LocalHandlers>;
  /** Extends the app before wiring (cluster, rollouts, …). */
  extend?: (app: App) => App | Promise<App>;
  log?: (message: string) => void;
}

export interface LocalRuntime {
  url: string;
  app: App;
  queues: ProvisionedQueue[];
  stop(): Promise<void>;
}

/**
 * The whole control plane in one process: emulators (or LocalStack), the same table and queues the CDK
 * stack creates, pollers that behave like Lambda's SQS event source, and the HTTP API.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  let emulators: Emulators | undefined;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const base: Omit<RuntimeConfig, 'queueUrls'> = options.endpoint
    ? { region: process.env.AWS_REGION ?? 'us-east-1', endpoint: options.endpoint, tableName: TABLE.name, credentials: process.env.AWS_ACCESS_KEY_ID ? undefined : credentials }
    : await (async () => {
        emulators = await startEmulators(options.dataDir);
        log(`emulators: DynamoDB ${emulators.dynamodbEndpoint}, SQS ${emulators.sqsEndpoint}`);
        return { region: 'us-east-1', endpoints: { dynamodb: emulators.dynamodbEndpoint, sqs: emulators.sqsEndpoint }, tableName: TABLE.name, credentials };
      })();

  const provisional: RuntimeConfig = { ...base, queueUrls: { serviceEvents: '', deployRequests: '', healthAlarms: '' } };
  const dynamo = new DynamoDBClient(awsClientConfig(provisional, 'dynamodb'));
  const sqs = new SQSClient(awsClientConfig(provisional, 'sqs'));
  await provisionTable(dynamo, base.tableName);
  const queues = await provisionQueues(sqs, { maxReceiveCount: options.maxReceiveCount });
  const config: RuntimeConfig = { ...base, queueUrls: Object.fromEntries(queues.map((q) => [q.definition.id, q.url])) as RuntimeConfig['queueUrls'] };

  let app = createApp(config);
  if (options.extend) app = await options.extend(app);
  const handlers = await options.wire(app);

  const pollers: SqsPoller[] = [];
  for (const q of queues) {
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? q.definition.name;
    const poller = new SqsPoller({
      client: sqs,
      queueUrl: q.url,
      queueArn: arn,
      functionName: q.definition.id,
      handler: handlers.queues[q.definition.id],
      batchSize: q.definition.batchSize,
      concurrency: Math.min(q.definition.maxConcurrency, 4),
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 5,
      onInvokeError: (err) => log(`queue ${q.definition.name}: ${(err as Error).message}`),
    });
    poller.start();
    pollers.push(poller);
  }
  const http = await startHttpFrontDoor(handlers.api, options.port);

  return {
    url: http.url,
    app,
    queues,
    async stop() {
      await http.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      dynamo.destroy();
      sqs.destroy();
      await emulators?.stop();
    },
  };
}

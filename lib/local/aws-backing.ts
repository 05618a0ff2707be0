import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../composition/create-app.js';
import type { RuntimeConfig } from '../composition/runtime-config.js';
import { TABLE } from '../platform/resources.js';
import { startEmulatorsInThread } from './emulator-thread.js';
import { startEmulators, type Emulators } from './emulators.js';
import { provisionQueues, provisionTable, type ProvisionedQueue } from './provision.js';

export interface AwsBacking {
  config: RuntimeConfig;
  sqs: SQSClient;
  queues: ProvisionedQueue[];
  stop(): Promise<void>;
}

const EMULATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * DynamoDB and SQS for the local runtime: the embedded emulators, or an AWS-compatible endpoint such as
 * LocalStack; either way provisioned from the same definitions as the CDK stack.
 */
export async function startAwsBacking(
  options: { endpoint?: string; dataDir?: string; maxReceiveCount?: number; emulators?: 'thread' | 'in-process' },
  log: (m: string) => void,
): Promise<AwsBacking> {
  let emulators: Emulators | undefined;
  let base: Omit<RuntimeConfig, 'queueUrls'>;
  if (options.endpoint) {
    base = {
      region: process.env.AWS_REGION ?? 'us-east-1',
      endpoint: options.endpoint,
      tableName: TABLE.name,
      credentials: process.env.AWS_ACCESS_KEY_ID ? undefined : EMULATOR_CREDENTIALS,
    };
  } else {
    // On a thread of their own when asked: the API's event loop then does not wait behind the emulators' work.
    emulators = options.emulators === 'thread' ? await startEmulatorsInThread(options.dataDir) : await startEmulators(options.dataDir);
    log(`emulators: DynamoDB ${emulators.dynamodbEndpoint}, SQS ${emulators.sqsEndpoint}`);
    base = {
      region: 'us-east-1',
      endpoints: { dynamodb: emulators.dynamodbEndpoint, sqs: emulators.sqsEndpoint },
      tableName: TABLE.name,
      credentials: EMULATOR_CREDENTIALS,
    };
  }
  const clientConfig = { ...base, queueUrls: { serviceEvents: '', deployRequests: '', healthAlarms: '', optimizerRuns: '' } };
  const dynamo = new DynamoDBClient(awsClientConfig(clientConfig, 'dynamodb'));
  const sqs = new SQSClient(awsClientConfig(clientConfig, 'sqs'));
  await provisionTable(dynamo, base.tableName);
  dynamo.destroy();
  const queues = await provisionQueues(sqs, { maxReceiveCount: options.maxReceiveCount });
  return {
    config: {
      ...base,
      queueUrls: Object.fromEntries(queues.map((q) => [q.definition.id, q.url])) as RuntimeConfig['queueUrls'],
      deadLetterQueueUrls: Object.fromEntries(queues.map((q) => [q.definition.id, q.dlqUrl])),
    },
    sqs,
    queues,
    async stop() {
      sqs.destroy();
      await emulators?.stop();
    },
  };
}

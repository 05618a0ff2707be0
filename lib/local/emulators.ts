import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFauxqs } from 'fauxqs';
import { startDynamoEmulator } from './dynalite-with-transactions.js';
import { listeningOnLoopback } from './loopback-only.js';

export interface Emulators {
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  stop(): Promise<void>;
}

/** Where the SQS emulator keeps its queues under a data directory. */
export const sqsDataDir = (dataDir: string) => join(dataDir, 'sqs');

/** dynalite and fauxqs on loopback, on ephemeral ports; persistent under `dataDir` when given. */
export async function startEmulators(dataDir?: string): Promise<Emulators> {
  if (dataDir) {
    mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
    mkdirSync(sqsDataDir(dataDir), { recursive: true });
  }
  const dynamo = await startDynamoEmulator({ path: dataDir ? join(dataDir, 'dynamodb') : undefined });
  // fauxqs listens on 0.0.0.0 whatever host it is given (it uses the host for queue URLs only).
  const sqs = await listeningOnLoopback(() => startFauxqs({ port: 0, host: '127.0.0.1', logger: false, ...(dataDir ? { dataDir: sqsDataDir(dataDir) } : {}) }));
  return {
    dynamodbEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.address.replace('localhost', '127.0.0.1'),
    async stop() {
      await sqs.stop();
      await dynamo.stop();
    },
  };
}

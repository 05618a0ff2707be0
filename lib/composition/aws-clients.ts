import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AwsServiceName, RuntimeConfig } from './runtime-config.js';

/**
 * SDK clients sized for the work one process does at once.
 *
 * Every client gets its own keep-alive socket pool, sized to `concurrency` (the requests one process may
 * have in flight to that service), with a connection timeout and a request timeout that throws, so a
 * stalled connection becomes a retryable TimeoutError instead of a wait without end. The SDK retries
 * throttling and timeouts (maxAttempts) before the caller sees a TransientError.
 *
 * DynamoDB gets two pools: reads (GetItem, Query, BatchGetItem, Scan) and writes. A burst of writes
 * that waits on conditional writes or transactions then never holds the sockets a read needs, so the
 * API keeps answering GETs while the queue handlers write.
 */
export interface ClientSizing {
  /** Requests in flight at once to one service from this process. Default 64. */
  concurrency?: number;
  /** Time to open a connection. Default 2 s. */
  connectionTimeoutMs?: number;
  /** Time for one attempt's request and response. Default 10 s (reads) / 20 s (writes). */
  requestTimeoutMs?: number;
}

export const DEFAULT_CLIENT_SIZING = { concurrency: 64, connectionTimeoutMs: 2_000, readTimeoutMs: 10_000, writeTimeoutMs: 20_000 } as const;

const READ_COMMANDS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand', 'DescribeTableCommand']);

/** Region, endpoint and credentials of one service: the emulators' or LocalStack's endpoint when set. */
export function awsClientConfig(config: RuntimeConfig, service: AwsServiceName) {
  const endpoint = config.endpoints?.[service] ?? config.endpoint;
  return {
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
}

/** A keep-alive HTTP handler with its own socket pool of `maxSockets`, and timeouts that throw. */
export function sizedHttpHandler(maxSockets: number, connectionTimeout: number, requestTimeout: number): NodeHttpHandler {
  const agent = { keepAlive: true, maxSockets, maxFreeSockets: Math.min(maxSockets, 16) };
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agent),
    httpsAgent: new HttpsAgent(agent),
    connectionTimeout,
    requestTimeout,
    throwOnRequestTimeout: true,
    // Warn only when requests really queue for sockets (the SDK's default is 3 s).
    socketAcquisitionWarningTimeout: connectionTimeout + requestTimeout,
  });
}

/**
 * A DynamoDBClient that sends reads through a second client with its own socket pool. To a caller it is
 * one client (`send` for every command); `destroy` closes both pools.
 */
export class SplitPoolDynamoDBClient extends DynamoDBClient {
  readonly reads: DynamoDBClient;

  constructor(writeConfig: DynamoDBClientConfig, readConfig: DynamoDBClientConfig) {
    super(writeConfig);
    this.reads = new DynamoDBClient(readConfig);
    const sendWrite = this.send.bind(this) as (...args: unknown[]) => Promise<unknown>;
    const sendRead = this.reads.send.bind(this.reads) as (...args: unknown[]) => Promise<unknown>;
    this.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) =>
      (READ_COMMANDS.has(command.constructor.name) ? sendRead : sendWrite)(command, ...rest)) as DynamoDBClient['send'];
  }

  override destroy(): void {
    this.reads.destroy();
    super.destroy();
  }
}

export function createDynamoDbClient(config: RuntimeConfig, sizing: ClientSizing = {}): SplitPoolDynamoDBClient {
  const concurrency = sizing.concurrency ?? DEFAULT_CLIENT_SIZING.concurrency;
  const connect = sizing.connectionTimeoutMs ?? DEFAULT_CLIENT_SIZING.connectionTimeoutMs;
  const base = { ...awsClientConfig(config, 'dynamodb'), maxAttempts: 5 };
  const client = new SplitPoolDynamoDBClient(
    { ...base, requestHandler: sizedHttpHandler(concurrency, connect, sizing.requestTimeoutMs ?? DEFAULT_CLIENT_SIZING.writeTimeoutMs) },
    { ...base, requestHandler: sizedHttpHandler(concurrency, connect, sizing.requestTimeoutMs ?? DEFAULT_CLIENT_SIZING.readTimeoutMs) },
  );
  config.observeTableWrites?.(client);
  return client;
}

export function createSqsClient(config: RuntimeConfig, sizing: ClientSizing = {}): SQSClient {
  return new SQSClient({
    ...awsClientConfig(config, 'sqs'),
    maxAttempts: 5,
    requestHandler: sizedHttpHandler(
      sizing.concurrency ?? DEFAULT_CLIENT_SIZING.concurrency,
      sizing.connectionTimeoutMs ?? DEFAULT_CLIENT_SIZING.connectionTimeoutMs,
      sizing.requestTimeoutMs ?? DEFAULT_CLIENT_SIZING.readTimeoutMs,
    ),
  });
}
